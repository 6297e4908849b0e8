"""Succession: key positions, nominated successors, readiness overrides, talent pools, 9-box
ratings with their history, and goals people set themselves.

Readiness itself is never stored: it is derived from evidence every time (compms.succession.analysis).
Only a manager's override is kept, with its reason, as its own dated record; ratings and calibration
moves are appended, never edited, so the history stays readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.core.readiness import READINESS, READINESS_LABELS
from compms.organisation.models import Person, Position, Role, Unit


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


READINESS_CHOICES = [(code, READINESS_LABELS[code]) for code in READINESS]


class KeyPosition(models.Model):
    """A position HR marked as key, or (``position`` empty) every position of a role in a unit."""

    position = models.OneToOneField(Position, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="key_position")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    risk_of_loss = models.CharField(max_length=6, choices=Level.choices, default=Level.MEDIUM)
    impact = models.CharField(max_length=6, choices=Level.choices, default=Level.MEDIUM)
    note = models.CharField(max_length=500, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "role__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["role", "unit"], condition=models.Q(position__isnull=True),
                                    name="unique_key_role_in_unit"),
        ]

    def __str__(self) -> str:
        if self.position_id:
            return str(self.position)
        return f"{self.role.name} in {self.unit.name} (all positions)"


class Nomination(models.Model):
    """A successor named by a manager or HR (computed successors need no row)."""

    key_position = models.ForeignKey(KeyPosition, on_delete=models.CASCADE, related_name="nominations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    nominated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key_position", "nominated_at", "id"]
        constraints = [models.UniqueConstraint(fields=["key_position", "person"], name="unique_nomination")]


class ReadinessOverride(models.Model):
    """A manager's judgement of one successor's readiness, with the reason. The latest row counts;
    older ones are the history. ``readiness`` empty withdraws the override."""

    key_position = models.ForeignKey(KeyPosition, on_delete=models.CASCADE, related_name="overrides")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    readiness = models.CharField(max_length=20, choices=READINESS_CHOICES, blank=True)
    computed = models.CharField(max_length=20, choices=READINESS_CHOICES,
                                help_text="What the evidence said when the override was made")
    reason = models.TextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key_position", "person", "-made_at", "-id"]
        indexes = [models.Index(fields=["key_position", "person"], name="override_by_successor")]


class TalentPool(models.Model):
    """People being developed for a family of roles."""

    name = models.CharField(max_length=200, unique=True)
    role_family = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoolMember(models.Model):
    pool = models.ForeignKey(TalentPool, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pool", "person__name"]
        constraints = [models.UniqueConstraint(fields=["pool", "person"], name="unique_pool_member")]


class TalentRating(models.Model):
    """Performance and potential (1-3 each) of a person on a date, by a rater. Append-only: the latest
    row places the person on the 9-box; a calibration move is a row with ``calibration`` set and a
    reason."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="talent_ratings")
    performance = models.PositiveSmallIntegerField()
    potential = models.PositiveSmallIntegerField()
    rated_on = models.DateField()
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    calibration = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "-rated_on", "-id"]
        indexes = [models.Index(fields=["person", "rated_on"], name="rating_by_person")]


class Goal(models.Model):
    """A goal a person set themselves: a competency (by stable uuid) to a level, by a date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="goals")
    competency_uuid = models.UUIDField()
    competency_label = models.CharField(max_length=300)
    target_level = models.PositiveSmallIntegerField()
    target_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "status", "target_date", "id"]
