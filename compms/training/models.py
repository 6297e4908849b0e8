"""Training: scheduled sessions of learning resources, enrolments with their state machine, the
completions they produce, mandatory training per job role, and xAPI statements received.

An enrolment moves only along `ENROLMENT_TRANSITIONS` (compms.training.services refuses any other
move). A completion writes `training` evidence (through compms.evidence.services) and one
`Completion` row, which is what mandatory training and "my training" read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.organisation.models import Person, Role


class Session(models.Model):
    """A scheduled instance of a learning resource: dates, place or online, capacity, trainer."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    resource = models.ForeignKey("development.Resource", on_delete=models.PROTECT, related_name="sessions")
    starts_on = models.DateField()
    ends_on = models.DateField()
    capacity = models.PositiveIntegerField(help_text="Places available; never exceeded")
    place = models.CharField(max_length=300, blank=True)
    online = models.BooleanField(default=False)
    # The trainer is a colleague (trainer) or an outside name (trainer_name); either may be empty.
    trainer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    trainer_name = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["resource", "starts_on"], name="session_by_resource_date")]

    def __str__(self) -> str:
        return f"{self.resource} on {self.starts_on}"

    @property
    def trainer_label(self) -> str:
        if self.trainer_id is not None:
            return self.trainer.name
        return self.trainer_name

    @property
    def where(self) -> str:
        if self.online and self.place:
            return f"Online ({self.place})"
        return "Online" if self.online else self.place


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WAITLISTED = "waitlisted", "Waiting list"
    ENROLLED = "enrolled", "Enrolled"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NO_SHOW = "no_show", "No-show"


S = EnrolmentStatus
# The only moves an enrolment may make. `approved` rests only while the request has no session
# (approved, waiting to be scheduled); with a session, approval places the person at once
# (enrolled, or waitlisted when full). A rejection is possible only before approval.
ENROLMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.ENROLLED, S.WAITLISTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.ENROLLED, S.WITHDRAWN}),
    S.ENROLLED: frozenset({S.COMPLETED, S.FAILED, S.WITHDRAWN, S.NO_SHOW}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.NO_SHOW: frozenset(),
    S.REJECTED: frozenset(),
}
# Statuses that still lead somewhere: a person has at most one of these per session.
OPEN_STATUSES = (S.REQUESTED, S.APPROVED, S.WAITLISTED, S.ENROLLED)
# Statuses that hold one of the session's places.
PLACE_STATUSES = (S.ENROLLED, S.COMPLETED, S.FAILED)


class Enrolment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    # Always set (the session's resource, or the resource of an unscheduled request) so "who asked
    # for this course" needs no join through sessions.
    resource = models.ForeignKey("development.Resource", on_delete=models.PROTECT, related_name="enrolments")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=10, choices=EnrolmentStatus.choices, default=S.REQUESTED)
    reason = models.TextField(blank=True, help_text="Why the person asked for it")
    # The development-plan action this request serves, if any (kept as an id: the plan lives in
    # the development app, which may evolve independently).
    plan_action_id = models.BigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True, help_text="Attendance as recorded; empty: not yet")
    completed_on = models.DateField(null=True, blank=True)
    status_note = models.TextField(blank=True, help_text="The reason given for the last change")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [
            models.Index(fields=["session", "status"], name="enrolment_by_session_status"),
            models.Index(fields=["person", "status"], name="enrolment_by_person_status"),
        ]
        constraints = [
            # One open enrolment per person and session: a double click cannot take two places.
            models.UniqueConstraint(fields=["person", "session"],
                                    condition=models.Q(status__in=OPEN_STATUSES),
                                    name="one_open_enrolment_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.session_id or 'unscheduled'} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Completion(models.Model):
    """A person completed a resource (through a session or an xAPI statement) on a day; the
    training evidence written for it keeps its own validity, copied here for quick reads."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_completions")
    resource = models.ForeignKey("development.Resource", on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Empty: does not expire")
    enrolment = models.OneToOneField(Enrolment, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="completion")
    statement = models.OneToOneField("XapiStatement", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="completion")
    evidence_ids = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [models.Index(fields=["person", "resource"], name="completion_by_person_resource")]

    def __str__(self) -> str:
        return f"{self.person_id} completed {self.resource_id} on {self.completed_on}"


class MandatoryTraining(models.Model):
    """Everyone holding `role` must complete `resource` within `due_within_days` of taking the
    role, and again every `recurrence_months` (empty: once is enough, unless the completion's
    evidence expires)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="mandatory_training")
    resource = models.ForeignKey("development.Resource", on_delete=models.PROTECT, related_name="+")
    recurrence_months = models.PositiveSmallIntegerField(null=True, blank=True)
    due_within_days = models.PositiveIntegerField(default=90)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["role", "resource"], name="unique_mandatory_training")]

    def __str__(self) -> str:
        return f"{self.role} must complete {self.resource}"


class XapiActivity(models.Model):
    """Which learning resource an xAPI activity id (statement object.id) stands for."""

    activity_id = models.CharField(max_length=500, unique=True)
    resource = models.ForeignKey("development.Resource", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["activity_id"]
        verbose_name = "xAPI activity"
        verbose_name_plural = "xAPI activities"

    def __str__(self) -> str:
        return self.activity_id


class XapiStatement(models.Model):
    """Every statement received, exactly as sent, and what CompMS made of it."""

    class Outcome(models.TextChoices):
        EVIDENCE = "evidence", "Training evidence recorded"
        NOT_A_COMPLETION = "not_completion", "Stored: not a completion"
        UNKNOWN_PERSON = "unknown_person", "Stored: actor matches no person"
        UNKNOWN_ACTIVITY = "unknown_activity", "Stored: activity is not mapped to a resource"
        REFUSED = "refused", "Stored: evidence could not be recorded"

    statement_id = models.UUIDField(unique=True)
    raw = models.JSONField()
    verb_id = models.CharField(max_length=500)
    activity_id = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resource = models.ForeignKey("development.Resource", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "xAPI statement"

    def __str__(self) -> str:
        return str(self.statement_id)
