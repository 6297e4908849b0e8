"""The organisation: units, people, job roles with their DACUM charts, requirement profiles and positions.

Tree paths are materialised ("/3/17/42/") so subtree and indirect-report queries are one indexed
`startswith` filter, whatever the depth, at 40,000 people. Services keep them right on every move.
Competencies are matched across framework versions by their stable `uuid`: a requirement or task
points at the competency row of the (published) version it was written against.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.frameworks.models import Competency


class Unit(models.Model):
    external_id = models.CharField(max_length=64, unique=True, help_text="unit_id in imports")
    name = models.CharField(max_length=300)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=1000, db_index=True, help_text="Materialised ids from the root: /1/5/")
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Context(models.Model):
    """Where a competency is exercised: a site, an item of equipment, a condition."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    employee_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=300)
    email = models.EmailField(blank=True, db_index=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    manager_path = models.CharField(max_length=2000, blank=True, db_index=True,
                                    help_text="Ids of the manager chain from the top: /12/40/ (excludes self)")
    start_date = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True, db_index=True)
    left_on = models.DateField(null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="person")

    class Meta:
        ordering = ["name", "employee_id"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_id})"


class Role(models.Model):
    """A job role: what a job needs, described by its DACUM chart and its requirement profile."""

    external_id = models.CharField(max_length=64, unique=True, help_text="role_id in imports")
    name = models.CharField(max_length=300)
    family = models.CharField(max_length=200, blank=True, db_index=True)
    grade = models.CharField(max_length=60, blank=True)
    purpose = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Duty(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="duties")
    title = models.CharField(max_length=300)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["role", "sort_order", "id"]
        verbose_name_plural = "duties"

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"
        RARELY = "rarely", "Rarely"

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=500)
    sort_order = models.PositiveIntegerField(default=0)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, blank=True)
    importance = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 (low) to 5 (critical)")

    class Meta:
        ordering = ["duty", "sort_order", "id"]

    def __str__(self) -> str:
        return self.title


class TaskCompetency(models.Model):
    """A competency a task needs, at a level, as a performance, knowledge or behaviour standard."""

    class Standard(models.TextChoices):
        PERFORMANCE = "performance", "Performance standard"
        KNOWLEDGE = "knowledge", "Knowledge and understanding standard"
        BEHAVIOUR = "behaviour", "Behaviour"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="competencies")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    standard = models.CharField(max_length=12, choices=Standard.choices, default=Standard.PERFORMANCE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "competency"], name="unique_competency_per_task")]


class Requirement(models.Model):
    """One line of a role's requirement profile: (competency, level, criticality, context).

    `derived_level` is what the DACUM chart says (highest level any task needs; null if no task names it).
    A manual change sets `manual` and who/when; re-deriving keeps manual lines as they are.
    """

    class Criticality(models.TextChoices):
        ESSENTIAL = "essential", "Essential"
        DESIRABLE = "desirable", "Desirable"

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="requirements")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField(db_index=True, help_text="Stable identity across framework versions")
    context = models.ForeignKey(Context, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.ESSENTIAL)
    derived_level = models.PositiveSmallIntegerField(null=True, blank=True)
    manual = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["role", "competency__code"]
        constraints = [
            models.UniqueConstraint(fields=["role", "competency_uuid", "context"], name="unique_requirement"),
            models.UniqueConstraint(fields=["role", "competency_uuid"], condition=models.Q(context__isnull=True),
                                    name="unique_requirement_without_context"),
        ]


class Position(models.Model):
    """A seat of a role in a unit, vacant or filled."""

    external_id = models.CharField(max_length=64, unique=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="positions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="positions")
    title = models.CharField(max_length=300, blank=True)
    holder = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="positions")
    holder_since = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["unit", "role"]
        indexes = [models.Index(fields=["holder"])]

    def __str__(self) -> str:
        return self.title or f"{self.role.name} in {self.unit.name}"


class PersonMove(models.Model):
    """History: a person's unit, manager or position changed (never overwritten silently)."""

    class Kind(models.TextChoices):
        JOINED = "joined", "Joined"
        UNIT = "unit", "Moved unit"
        MANAGER = "manager", "Changed manager"
        POSITION_START = "position_start", "Started in position"
        POSITION_END = "position_end", "Left position"
        LEFT = "left", "Left the organisation"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="moves")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    effective_on = models.DateField()
    from_value = models.CharField(max_length=300, blank=True)
    to_value = models.CharField(max_length=300, blank=True)
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["person", "-effective_on", "-id"]
