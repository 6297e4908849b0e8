"""Development: the learning catalogue, people's development needs and plans, and plan templates.

A learning resource develops competencies from an entry level to an exit level
(`ResourceOutcome`); competencies are referenced by row (for code, name and scale) and by their
stable `competency_uuid`, which is what gaps and proficiency are matched on across framework
versions.

A development need is a gap someone decided to close, or a goal a person set. Its progress is
computed on read from current proficiency (`services.need_progress`): a need whose target level is
reached counts as achieved without anyone closing it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.frameworks.models import Competency
from compms.organisation.models import Person, Role


class Resource(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", "Course"
        E_LEARNING = "e-learning", "E-learning"
        ON_THE_JOB = "on-the-job", "On-the-job"
        MENTORING = "mentoring", "Mentoring"
        READING = "reading", "Reading"

    resource_id = models.CharField(max_length=64, unique=True, help_text="External identifier, resource_id in imports")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COURSE)
    description = models.TextField(blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    modality = models.CharField(max_length=60, blank=True, help_text="e.g. classroom, online, blended")
    provider = models.CharField(max_length=200, blank=True)
    validity_months = models.PositiveSmallIntegerField(null=True, blank=True,
                                                       help_text="How long the competence it gives stays valid")
    link = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="resources/", max_length=500, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "resource_id"]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.title}"


class ResourceOutcome(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="outcomes")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField(db_index=True)
    entry_level = models.PositiveSmallIntegerField(default=0)
    exit_level = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["resource", "competency__code"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "competency_uuid"], name="unique_resource_outcome"),
            models.CheckConstraint(condition=models.Q(exit_level__gt=models.F("entry_level")),
                                   name="outcome_exit_above_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.competency_uuid} {self.entry_level}->{self.exit_level}"


class DevelopmentPlan(models.Model):
    """A person's plan: their needs and the actions chosen for them, approved by their manager."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="development_plan")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"plan of {self.person_id} ({self.status})"


class DevelopmentNeed(models.Model):
    class Origin(models.TextChoices):
        GAP = "gap", "Requirement gap"
        GOAL = "goal", "Personal goal"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="development_needs")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField()
    target_level = models.PositiveSmallIntegerField()
    target_date = models.DateField(null=True, blank=True)
    origin = models.CharField(max_length=6, choices=Origin.choices, default=Origin.GAP)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person", "target_date", "id"]
        indexes = [
            # The strategy pipeline asks "who among these people has an open need for c".
            models.Index(fields=["competency_uuid", "status"], name="need_by_competency"),
            models.Index(fields=["person", "status"], name="need_by_person"),
        ]

    def __str__(self) -> str:
        return f"need {self.pk}: {self.person_id} {self.competency_uuid} -> {self.target_level} ({self.status})"


class PlanAction(models.Model):
    class Kind(models.TextChoices):
        RESOURCE = "resource", "Learning resource"
        SESSION = "session", "Training session"
        TASK = "task", "On-the-job task"
        MENTOR = "mentor", "Mentoring"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        REQUESTED = "requested", "Enrolment requested"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="actions")
    need = models.ForeignKey(DevelopmentNeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The training app owns sessions; kept as a plain id so this app migrates without it.
    session_id = models.PositiveBigIntegerField(null=True, blank=True)
    task = models.CharField(max_length=500, blank=True)
    mentor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return f"{self.kind} action {self.pk} ({self.status})"


class MentorPreference(models.Model):
    """A person's choice about what colleagues looking for a mentor see of them. Without a row (the
    default) a suggestion shows their name only; with `share_levels` it shows their proficiency levels
    in the competencies they could help with."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="mentor_preference")
    share_levels = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"mentor preference of {self.person_id}: {'share' if self.share_levels else 'name only'}"


class PlanTemplate(models.Model):
    """A starter plan for a role (for new starters): resources to take, in order."""

    name = models.CharField(max_length=300)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlanTemplateItem(models.Model):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "resource"], name="unique_template_resource")]


class Commission(models.Model):
    """A request to a provider (internal or external) for places on a learning resource, or for a new
    resource that develops a competency to a level. It names the development needs it serves, so
    "why are we buying this" stays answerable. Moves only along `COMMISSION_TRANSITIONS`
    (services.move_commission refuses any other move)."""

    class Kind(models.TextChoices):
        PLACES = "places", "Places on a resource"
        NEW_RESOURCE = "new_resource", "New resource"

    class ProviderType(models.TextChoices):
        INTERNAL = "internal", "Internal"
        EXTERNAL = "external", "External"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        IN_PROGRESS = "in_progress", "In progress"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=300)
    provider_type = models.CharField(max_length=8, choices=ProviderType.choices, default=ProviderType.EXTERNAL)
    provider = models.CharField(max_length=200, blank=True)
    # Places: the resource to run more of. New resource: empty until the provider delivers it.
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="commissions")
    competency = models.ForeignKey(Competency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Exit level the new resource must reach")
    places = models.PositiveIntegerField(default=0, help_text="Places asked for (people to train)")
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    due_on = models.DateField(null=True, blank=True)
    needs = models.ManyToManyField(DevelopmentNeed, blank=True, related_name="commissions")
    # Training sessions delivered for it; the training app owns sessions, so plain ids (as PlanAction).
    session_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    raised_automatically = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"commission {self.pk}: {self.title} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DELIVERED, self.Status.CANCELLED)


C = Commission.Status
COMMISSION_TRANSITIONS: dict[str, frozenset[str]] = {
    C.REQUESTED: frozenset({C.APPROVED, C.CANCELLED}),
    C.APPROVED: frozenset({C.IN_PROGRESS, C.CANCELLED}),
    C.IN_PROGRESS: frozenset({C.DELIVERED, C.CANCELLED}),
    C.DELIVERED: frozenset(),
    C.CANCELLED: frozenset(),
}
