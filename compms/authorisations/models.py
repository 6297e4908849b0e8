"""Authorisations to work (a licence to operate: permit issuer at site A, authorised gas tester).

An Authorisation names the competencies and levels it needs; a Grant records that an allowed person
granted it to someone on a day, with the evidence it rested on. Whether a grant is in force on a day is
never stored: it is computed from the person's proficiency on that day and the grant's manual state
(see `queries.check`), so a lapsed certificate suspends it the day after its last valid day with no job
having run. GrantEvent keeps the manual suspensions, reinstatements and revocations (and, when the
refresh command runs, the automatic transitions it saw)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person, Unit


class Authorisation(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="Where the authorisation applies; empty means everywhere")
    validity_months = models.PositiveSmallIntegerField(null=True, blank=True,
                                                       help_text="How long a grant lasts; empty means until revoked")
    granted_by_roles = models.CharField(max_length=200, blank=True,
                                        help_text="Space-separated log-in roles that may grant it (e.g. hr manager)")
    granters = models.ManyToManyField(Person, blank=True, related_name="+",
                                      help_text="Named people who may grant it, besides the roles")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def role_codes(self) -> list[str]:
        return self.granted_by_roles.split()


class AuthorisationRequirement(models.Model):
    authorisation = models.ForeignKey(Authorisation, on_delete=models.CASCADE, related_name="requirements")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    # Proficiency is kept per competency uuid (stable across framework versions): the check matches on it.
    competency_uuid = models.UUIDField(db_index=True)
    level = models.PositiveSmallIntegerField()
    context = models.ForeignKey(Context, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["authorisation", "competency_uuid", "context"],
                                               name="authorisation_requirement_once")]

    def __str__(self) -> str:
        return f"{self.authorisation_id}: {self.competency_id} >= {self.level}"


class Grant(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended by hand"
        REVOKED = "revoked", "Revoked"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="authorisation_grants")
    authorisation = models.ForeignKey(Authorisation, on_delete=models.PROTECT, related_name="grants")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    granted_by_name = models.CharField(max_length=300, help_text="Who granted it, as shown at the time")
    granted_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    # The manual state only; automatic suspension is computed on read (see the module docstring).
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    status_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    # What the grant rested on: per requirement, the evidence id, level, source and expiry seen on the day.
    evidence_snapshot = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-granted_on", "-id"]
        indexes = [models.Index(fields=["authorisation", "person"], name="grant_by_authorisation")]

    def __str__(self) -> str:
        return f"{self.authorisation_id} to {self.person_id} on {self.granted_on}"


class GrantEvent(models.Model):
    class Action(models.TextChoices):
        GRANTED = "granted", "Granted"
        SUSPENDED = "suspended", "Suspended by hand"
        REINSTATED = "reinstated", "Reinstated by hand"
        REVOKED = "revoked", "Revoked"
        AUTO_SUSPENDED = "auto_suspended", "Suspended: a competency under it lapsed"
        AUTO_REINSTATED = "auto_reinstated", "Reinstated: the competency was restored"

    MANUAL = (Action.SUSPENDED, Action.REINSTATED, Action.REVOKED)

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    effective_on = models.DateField()
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.action} on {self.effective_on}"
