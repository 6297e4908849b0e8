"""Evidence of competence, the proficiency derived from it, self-assessment claims and assessors.

Evidence is append-only: a record's facts (level, dates, source, person, competency) never change.
A correction is a new record that supersedes the old one, or a revocation; both keep the reason,
who and when, so the history stays readable. Only the status fields move, and only forward
(active -> superseded | revoked).

Competencies are matched across framework versions by their stable `uuid`. Each record points at
the competency row of the version it was recorded against (for its code, name and scale) and
carries `competency_uuid` so the rollup groups records of every version together.

`CurrentProficiency` is a stored rollup (as of the day it was computed) kept up to date by the
services on every write. See `compms.evidence.proficiency` for how readers deal with evidence
that expires after the row was written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.core.rollup import SOURCES, STATUS_EXPIRED, STATUS_HELD, STATUS_NONE
from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person


class Source(models.TextChoices):
    ASSESSOR = "assessor", "Assessor (formal or observed assessment)"
    CERTIFICATE = "certificate", "Certificate"
    MANAGER = "manager", "Manager"
    TEST = "test", "Test result"
    TRAINING = "training", "Training completion"
    EXPERIENCE = "experience", "Logged experience"
    SELF = "self", "Self-assessment"


# The rollup in compms.core ranks exactly these sources; a source added on one side only would be
# silently unrankable, so fail at import time instead.
assert tuple(Source.values) == SOURCES, "evidence sources must match compms.core.rollup.SOURCES"


class ImportBatch(models.Model):
    """One bulk import of evidence: which file, who imported it, when, how many rows."""

    file_name = models.CharField(max_length=300)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows} rows, {self.imported_at:%Y-%m-%d %H:%M})"


class EvidenceImmutable(Exception):
    """Raised when code tries to change the facts of an evidence record instead of superseding it."""


class Evidence(models.Model):
    # The only fields that may change after creation: the record's fate, never its facts.
    LIFECYCLE_FIELDS = frozenset({"status", "superseded_by", "reason", "changed_by", "changed_at"})

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"
        REVOKED = "revoked", "Revoked"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="evidence", db_index=False)
    # The composite index below serves look-ups by competency uuid; an index on the row id would
    # only serve deletions of draft competencies, which never carry evidence.
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+", db_index=False)
    competency_uuid = models.UUIDField(help_text="Stable identity across framework versions")
    context = models.ForeignKey(Context, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    level = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=12, choices=Source.choices)
    assessed_on = models.DateField(help_text="The day the evidence speaks for (assessed, certified, completed)")
    valid_until = models.DateField(null=True, blank=True, help_text="Last day it counts; empty: never expires")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    assessor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="supersedes", db_index=False)
    reason = models.TextField(blank=True, help_text="Why it was superseded or revoked")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    changed_at = models.DateTimeField(null=True, blank=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="evidence", db_index=False)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name_plural = "evidence"
        # One narrow index on purpose: every index costs time on a million-row import. A person has
        # tens to hundreds of records, so "by person" serves the rollup of one key (filtered after),
        # a person's evidence list and the bulk read of touched people. Organisation-wide questions
        # ("who holds c") read CurrentProficiency, not this table.
        indexes = [models.Index(fields=["person"], name="evidence_by_person")]

    def __str__(self) -> str:
        return f"{self.source} {self.level} on {self.assessed_on} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.LIFECYCLE_FIELDS:
                raise EvidenceImmutable("evidence is never edited: supersede or revoke it instead")
        super().save(*args, **kwargs)


def attachment_path(instance: EvidenceAttachment, filename: str) -> str:
    # Grouped per evidence record; the original name is kept in `name` for downloads.
    return f"evidence/{instance.evidence_id}/{filename}"


class EvidenceAttachment(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["evidence", "id"]

    def __str__(self) -> str:
        return self.name


class CurrentProficiency(models.Model):
    """The rollup of one person x competency (uuid) x context, as of the day it was written.

    `context_key` is the context id, or 0 for "no context": a unique constraint over a nullable
    column would treat every NULL as distinct, and the bulk upsert needs one real conflict target.
    """

    class Status(models.TextChoices):
        HELD = STATUS_HELD, "Held"
        EXPIRED = STATUS_EXPIRED, "Expired"
        NONE = STATUS_NONE, "None"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="proficiencies", db_index=False)
    competency_uuid = models.UUIDField()
    context = models.ForeignKey(Context, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    context_key = models.PositiveBigIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NONE)
    verified = models.BooleanField(default=False)
    source = models.CharField(max_length=12, choices=Source.choices, null=True, blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 db_index=False)
    valid_until = models.DateField(null=True, blank=True)
    evidence_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "current proficiencies"
        constraints = [
            models.UniqueConstraint(fields=["person", "competency_uuid", "context_key"],
                                    name="unique_current_proficiency"),
        ]
        indexes = [
            # "Who holds competency c (at level >= l)": mentors, supply for a strategy. Kept up to date
            # row by row, it would double a million-row import's writes to this table, so the bulk
            # path on SQLite drops and rebuilds it (see proficiency._write_columns).
            models.Index(fields=["competency_uuid", "level"], name="proficiency_by_competency"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.competency_uuid} = {self.level} ({self.status})"


class Claim(models.Model):
    """An employee's self-assessment waiting for their manager or an assessor to verify or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="claims")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField(db_index=True)
    context = models.ForeignKey(Context, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(help_text="The level the employee claims")
    note = models.TextField(blank=True)
    self_evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="claim")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    review_evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"claim {self.pk}: {self.person_id} level {self.level} ({self.status})"


class AssessorRegistration(models.Model):
    """HR's record that a person may assess a competency up to a level, until a date."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessor_registrations")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField(db_index=True)
    max_level = models.PositiveSmallIntegerField()
    valid_until = models.DateField(null=True, blank=True, help_text="Last day it counts; empty: open-ended")
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "competency__code", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} may assess {self.competency_uuid} up to {self.max_level}"
