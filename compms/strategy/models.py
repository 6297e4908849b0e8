"""Strategy: objectives with headcount targets ("by 2028, 40 people at level 3 in hydrogen safety"),
and what-if scenarios that change the organisation in memory only.

A target points at the competency row of the (published) version it was written against and keeps the
competency's stable `uuid`, as requirements do, so proficiency from any version of the framework counts.
Scenarios are descriptions of changes; evaluating one never writes to the organisation or evidence
(see `compms.strategy.analysis`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person, Role, Unit


class Objective(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        CANCELLED = "cancelled", "Cancelled"

    code = models.SlugField(max_length=60, unique=True, help_text="Short code, e.g. H2-2028")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="Who answers for the objective (an employee; no log-in needed)")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class Target(models.Model):
    """`headcount` people at `level` or above in a competency (x context), within a unit's subtree (the
    whole organisation when `scope_unit` is empty), by `due_date`."""

    class Criticality(models.TextChoices):
        ESSENTIAL = "essential", "Essential"
        DESIRABLE = "desirable", "Desirable"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="targets")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    competency_uuid = models.UUIDField(db_index=True, help_text="Stable identity across framework versions")
    context = models.ForeignKey(Context, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    headcount = models.PositiveIntegerField()
    scope_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="People in this unit and below count; empty: the whole organisation")
    due_date = models.DateField()
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.ESSENTIAL)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["objective", "due_date", "id"]

    def __str__(self) -> str:
        return f"{self.headcount} at level {self.level} in {self.competency.code} by {self.due_date}"


class Scenario(models.Model):
    """A named what-if: a list of changes to the organisation, compared with today."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  help_text="Whose targets to compare (optional)")
    scope_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="Where role demand is counted; empty: the whole organisation")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ScenarioChange(models.Model):
    """One step of a scenario, applied in `sort_order`: add or remove `count` positions of `role` in `unit`,
    or close `unit` (its subtree's people and positions leave the organisation)."""

    class Kind(models.TextChoices):
        ADD_POSITIONS = "add_positions", "Add positions"
        REMOVE_POSITIONS = "remove_positions", "Remove positions"
        CLOSE_UNIT = "close_unit", "Close unit"

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scenario", "sort_order", "id"]

    def __str__(self) -> str:
        if self.kind == self.Kind.CLOSE_UNIT:
            return f"Close {self.unit.name}"
        verb = "Add" if self.kind == self.Kind.ADD_POSITIONS else "Remove"
        return f"{verb} {self.count} × {self.role.name if self.role else '?'} in {self.unit.name}"
