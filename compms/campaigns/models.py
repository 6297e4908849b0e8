"""Competency audits: HR invites a scope of people to self-assess their roles' competencies, their
managers review and rate, and closing the audit freezes a snapshot later reports compare with."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.evidence.models import Claim
from compms.organisation.models import Context, Person, Role, Unit


class Audit(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    scope_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="Everyone in this unit and the units below it")
    roles = models.ManyToManyField(Role, blank=True, related_name="+", help_text="Only holders of these roles")
    deadline = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """One person invited to an audit; unit and manager as they were at launch, for progress by unit."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    self_assessed_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # The claims this participant's self-assessment raised: the review closes these and no others (an
    # older pending claim from the profile page or another audit is not this audit's to decide).
    claims = models.ManyToManyField(Claim, blank=True, related_name="+")

    class Meta:
        ordering = ["audit", "person__name"]
        constraints = [models.UniqueConstraint(fields=["audit", "person"], name="one_invitation_per_person")]
        indexes = [models.Index(fields=["manager", "audit"], name="participant_by_manager")]


class SnapshotLine(models.Model):
    """Frozen at close: one person x required competency, with the level and status on that day."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="snapshot")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    competency_uuid = models.UUIDField()
    context = models.ForeignKey(Context, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    required = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8)  # met | short | missing | expired
    verified = models.BooleanField(default=False)
    source = models.CharField(max_length=12, blank=True)

    class Meta:
        indexes = [models.Index(fields=["audit", "person"], name="snapshot_by_person")]
