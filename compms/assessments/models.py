"""Assessment against the standard: an assessor records, criterion by criterion, how a person showed the
performance criteria of a competency at a level. A draft becomes `assessor` evidence only when complete."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.evidence.models import Evidence
from compms.frameworks.models import Competency, LevelIndicator
from compms.organisation.models import Context, Person


class Method(models.TextChoices):
    OBSERVATION = "observation", "Observation"
    QUESTIONING = "questioning", "Questioning"
    SIMULATION = "simulation", "Simulation"
    PRODUCT = "product", "Product of work"
    WITNESS = "witness", "Witness testimony"


class AssessmentStandard(models.Model):
    """Organisation policy for assessing one competency (by its stable uuid, so it outlives framework
    versions and stays out of the published dictionary)."""

    competency_uuid = models.UUIDField(unique=True)
    min_conditions = models.PositiveSmallIntegerField(
        default=1, help_text="Each criterion must be shown under at least this many different contexts (0: none asked)")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.competency_uuid}: {self.min_conditions} condition(s)"


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessments")
    assessor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessments_made")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField(db_index=True)
    level = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["assessor", "status"], name="assessment_by_assessor")]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.competency_id} at {self.level} ({self.status})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class CriterionRecord(models.Model):
    """What the assessor saw for one performance criterion (a level indicator) of an assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="records")
    indicator = models.ForeignKey(LevelIndicator, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField(default=False)
    method = models.CharField(max_length=12, choices=Method.choices)
    contexts = models.ManyToManyField(Context, blank=True, related_name="+")
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator_id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "indicator"], name="one_record_per_criterion")]
