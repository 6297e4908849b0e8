"""REST API for strategy: objectives and their targets, the strategic gap, scenarios and their evaluation.

Endpoints are thin: reads check `access.require_strategy_reader` (HR, competency managers, managers) and
go through `analysis`; writes call `services`, which check `require_strategy_editor` (HR, administrators;
PermissionDenied -> 403) and validate (ValidationError -> 400). Evaluating a scenario writes nothing, so
any reader may do it, including for an unsaved list of changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person, Role, Unit
from compms.strategy import analysis, services
from compms.strategy.access import require_strategy_reader
from compms.strategy.models import Objective, Scenario, ScenarioChange, Target

router = Router(tags=["strategy"])


# ---------------------------------------------------------------- schemas: references

class PersonRef(Schema):
    id: int
    employee_id: str
    name: str


class UnitRef(Schema):
    id: int
    external_id: str
    name: str


class RoleRef(Schema):
    id: int
    external_id: str
    name: str


class TargetCompetencyRef(Schema):
    id: int
    uuid: str
    framework: str
    code: str
    name: str

    @staticmethod
    def resolve_uuid(obj: Competency) -> str:
        return str(obj.uuid)

    @staticmethod
    def resolve_framework(obj: Competency) -> str:
        return obj.version.framework.code


# ---------------------------------------------------------------- schemas: objectives and targets

class TargetOut(Schema):
    id: int
    objective_id: int
    competency: TargetCompetencyRef
    context: str | None = Field(None, description="Context code, or null for no context")
    level: int
    headcount: int
    scope_unit: UnitRef | None = Field(None, description="null: the whole organisation")
    due_date: dt.date
    criticality: str
    notes: str

    @staticmethod
    def resolve_context(obj: Target) -> str | None:
        return obj.context.code if obj.context_id else None


class ObjectiveOut(Schema):
    id: int
    code: str
    title: str
    description: str
    owner: PersonRef | None
    due_date: dt.date
    status: str
    target_count: int = 0


class ObjectiveDetailOut(ObjectiveOut):
    targets: list[TargetOut]


class ObjectiveIn(Schema):
    code: str
    title: str
    due_date: dt.date
    description: str = ""
    owner: str | None = Field(None, description="The owner's employee id")
    status: str = Field("draft", description="draft, active, achieved or cancelled")


class ObjectivePatch(Schema):
    code: str | None = None
    title: str | None = None
    description: str | None = None
    owner: str | None = Field(None, description="Employee id; send null to clear")
    due_date: dt.date | None = None
    status: str | None = None


class TargetIn(Schema):
    competency_id: int = Field(description="A competency row of a published framework version")
    level: int
    headcount: int
    scope_unit_id: int | None = Field(None, description="null: the whole organisation")
    due_date: dt.date | None = Field(None, description="Default: the objective's due date")
    context: str | None = Field(None, description="Context code (must exist)")
    criticality: str = "essential"
    notes: str = ""


class TargetPatch(Schema):
    competency_id: int | None = None
    level: int | None = None
    headcount: int | None = None
    scope_unit_id: int | None = None
    due_date: dt.date | None = None
    context: str | None = None
    criticality: str | None = None
    notes: str | None = None


# ---------------------------------------------------------------- schemas: the gap

class CoveragePoint(Schema):
    date: dt.date
    supply: int


class TargetGapOut(Schema):
    target_id: int
    framework: str
    competency: str
    competency_name: str
    context: str | None
    level: int
    scope: str
    scope_unit_id: int | None
    due_date: dt.date
    criticality: str
    demand: int = Field(description="The target's headcount")
    supply_today: int = Field(description="People in scope at the level or above today")
    supply: int = Field(description="People in scope at the level today and, without new evidence, on every "
                                    "day until the due date")
    gap: int = Field(description="max(0, demand - supply)")
    one_level_short: int = Field(description="People in scope exactly one level below by the due date")
    pipeline: int = Field(description="Of those, people with an open development need for the competency")
    coverage: list[CoveragePoint] = Field(description="Supply at monthly points from today to the due date")


class ObjectiveRef(Schema):
    id: int
    code: str
    title: str
    status: str
    due_date: dt.date


class ObjectiveGapOut(Schema):
    objective: ObjectiveRef
    as_of: dt.date
    targets: list[TargetGapOut]


# ---------------------------------------------------------------- schemas: scenarios

class ChangeOut(Schema):
    id: int
    kind: str
    unit: UnitRef
    role: RoleRef | None
    count: int | None
    note: str
    sort_order: int


class ScenarioOut(Schema):
    id: int
    name: str
    description: str
    objective_id: int | None
    scope_unit: UnitRef | None
    created_by: str
    created_at: dt.datetime

    @staticmethod
    def resolve_created_by(obj: Scenario | dict[str, Any]) -> str:
        if isinstance(obj, dict):  # the detail is assembled as a dict with the name already in it
            return str(obj.get("created_by", ""))
        return obj.created_by.get_username() if obj.created_by_id else ""


class ScenarioDetailOut(ScenarioOut):
    changes: list[ChangeOut]


class ScenarioIn(Schema):
    name: str
    description: str = ""
    objective_id: int | None = Field(None, description="Whose targets to compare")
    scope_unit_id: int | None = Field(None, description="Where role demand is counted; null: everywhere")


class ScenarioPatch(Schema):
    name: str | None = None
    description: str | None = None
    objective_id: int | None = None
    scope_unit_id: int | None = None


class ChangeIn(Schema):
    kind: str = Field(description="add_positions, remove_positions or close_unit")
    unit_id: int
    role_id: int | None = Field(None, description="For adding or removing positions")
    count: int | None = Field(None, description="Number of positions to add or remove")
    note: str = ""


class WhatIfIn(Schema):
    changes: list[ChangeIn]
    objective_id: int | None = None
    scope_unit_id: int | None = None


class FiguresOut(Schema):
    demand: int
    supply: int
    gap: int


class DemandComparisonOut(Schema):
    framework: str
    competency: str
    competency_name: str
    context: str | None
    level: int = Field(description="Positions needing this level or more, against people holding it or more")
    today: FiguresOut
    scenario: FiguresOut


class TargetComparisonOut(Schema):
    target_id: int
    today: TargetGapOut
    scenario: TargetGapOut


class Counts(Schema):
    today: int
    scenario: int


class ScenarioComparisonOut(Schema):
    name: str
    as_of: dt.date
    scope: str
    objective: str | None
    steps: list[str]
    notes: list[str]
    people: Counts
    positions: Counts
    targets: list[TargetComparisonOut]
    demand: list[DemandComparisonOut]


# ---------------------------------------------------------------- helpers

def _ref(model: Any, pk: int | None, field: str, what: str) -> Any:
    """A referenced row from a payload: a missing one is a 400 on that field, not a 404 of the URL."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: f"No {what} with id {pk}."})
    return found


def _owner(employee_id: str | None) -> Person | None:
    if employee_id is None or not employee_id.strip():
        return None
    found = Person.objects.filter(employee_id=employee_id.strip()).first()
    if found is None:
        raise ValidationError({"owner": f"No person with employee id {employee_id!r}."})
    return found


def _context(code: str | None) -> Context | None:
    if code is None or not code.strip():
        return None
    found = Context.objects.filter(code=code.strip()).first()
    if found is None:
        raise ValidationError({"context": f"No context with code {code!r}."})
    return found


def _objectives() -> QuerySet[Objective]:
    return Objective.objects.select_related("owner").annotate(target_count=Count("targets"))


def _objective_detail(pk: int) -> dict[str, Any]:
    objective = get_object_or_404(_objectives(), pk=pk)
    targets = objective.targets.select_related("competency__version__framework", "context", "scope_unit")
    return {**{name: getattr(objective, name) for name in ("id", "code", "title", "description", "owner",
                                                            "due_date", "status", "target_count")},
            "targets": list(targets)}


def _target(pk: int) -> Target:
    return get_object_or_404(Target.objects.select_related("competency__version__framework", "context",
                                                           "scope_unit"), pk=pk)


def _scenario_detail(pk: int) -> dict[str, Any]:
    scenario = get_object_or_404(Scenario.objects.select_related("scope_unit", "created_by"), pk=pk)
    fields = ("id", "name", "description", "objective_id", "scope_unit", "created_at")
    return {**{name: getattr(scenario, name) for name in fields},
            "created_by": scenario.created_by.get_username() if scenario.created_by_id else "",
            "changes": list(scenario.changes.select_related("unit", "role"))}


# ---------------------------------------------------------------- objectives

@router.get("/strategy/objectives", response=list[ObjectiveOut], summary="Objectives, soonest due first")
@paginate(PageNumberPagination, page_size=50)
def list_objectives(request: HttpRequest, q: str = "", status: str = "") -> QuerySet[Objective]:
    require_strategy_reader(request.user)
    objectives = _objectives()
    if status:
        if status not in Objective.Status.values:
            raise ValidationError({"status": f"Use one of {', '.join(Objective.Status.values)}."})
        objectives = objectives.filter(status=status)
    if q.strip():
        objectives = objectives.filter(Q(code__icontains=q.strip()) | Q(title__icontains=q.strip()))
    return objectives


@router.post("/strategy/objectives", response={201: ObjectiveDetailOut}, summary="Create an objective (HR)")
def create_objective(request: HttpRequest, payload: ObjectiveIn) -> Status:
    objective = services.create_objective(
        request.user, code=payload.code, title=payload.title, due_date=payload.due_date,
        description=payload.description, owner=_owner(payload.owner), status=payload.status)
    return Status(201, _objective_detail(objective.pk))


@router.get("/strategy/objectives/{objective_id}", response=ObjectiveDetailOut)
def get_objective(request: HttpRequest, objective_id: int) -> dict[str, Any]:
    require_strategy_reader(request.user)
    return _objective_detail(objective_id)


@router.patch("/strategy/objectives/{objective_id}", response=ObjectiveDetailOut,
              summary="Change an objective (HR)")
def update_objective(request: HttpRequest, objective_id: int, payload: ObjectivePatch) -> dict[str, Any]:
    objective = get_object_or_404(Objective, pk=objective_id)
    changes: dict[str, Any] = {"code": payload.code, "title": payload.title, "description": payload.description,
                               "due_date": payload.due_date, "status": payload.status}
    if "owner" in payload.model_fields_set:
        changes["owner"] = _owner(payload.owner)
    services.update_objective(objective, request.user, **changes)
    return _objective_detail(objective_id)


@router.delete("/strategy/objectives/{objective_id}", response={204: None},
               summary="Delete an objective and its targets (HR)")
def delete_objective(request: HttpRequest, objective_id: int) -> Status:
    services.delete_objective(get_object_or_404(Objective, pk=objective_id), request.user)
    return Status(204, None)


@router.get("/strategy/objectives/{objective_id}/gap", response=ObjectiveGapOut,
            summary="Per target: supply, demand, gap, pipeline and coverage over time")
def objective_gap(request: HttpRequest, objective_id: int) -> dict[str, Any]:
    require_strategy_reader(request.user)
    return analysis.objective_gap(get_object_or_404(Objective, pk=objective_id)).as_dict()


# ---------------------------------------------------------------- targets

@router.get("/strategy/objectives/{objective_id}/targets", response=list[TargetOut])
def list_targets(request: HttpRequest, objective_id: int) -> list[Target]:
    require_strategy_reader(request.user)
    return _objective_detail(objective_id)["targets"]


@router.post("/strategy/objectives/{objective_id}/targets", response={201: TargetOut},
             summary="Add a target to an objective (HR)")
def add_target(request: HttpRequest, objective_id: int, payload: TargetIn) -> Status:
    objective = get_object_or_404(Objective, pk=objective_id)
    target = services.add_target(
        objective, request.user, competency=_ref(Competency, payload.competency_id, "competency_id", "competency"),
        level=payload.level, headcount=payload.headcount,
        scope_unit=_ref(Unit, payload.scope_unit_id, "scope_unit_id", "unit"), due_date=payload.due_date,
        context=_context(payload.context), criticality=payload.criticality, notes=payload.notes)
    return Status(201, _target(target.pk))


@router.get("/strategy/targets/{target_id}", response=TargetOut)
def get_target(request: HttpRequest, target_id: int) -> Target:
    require_strategy_reader(request.user)
    return _target(target_id)


@router.patch("/strategy/targets/{target_id}", response=TargetOut, summary="Change a target (HR)")
def update_target(request: HttpRequest, target_id: int, payload: TargetPatch) -> Target:
    target = get_object_or_404(Target, pk=target_id)
    given = payload.model_fields_set
    changes: dict[str, Any] = {"level": payload.level, "headcount": payload.headcount,
                               "due_date": payload.due_date, "criticality": payload.criticality,
                               "notes": payload.notes}
    if payload.competency_id is not None:
        changes["competency"] = _ref(Competency, payload.competency_id, "competency_id", "competency")
    if "scope_unit_id" in given:
        changes["scope_unit"] = _ref(Unit, payload.scope_unit_id, "scope_unit_id", "unit")
    if "context" in given:
        changes["context"] = _context(payload.context)
    services.update_target(target, request.user, **changes)
    return _target(target_id)


@router.delete("/strategy/targets/{target_id}", response={204: None}, summary="Remove a target (HR)")
def remove_target(request: HttpRequest, target_id: int) -> Status:
    services.remove_target(get_object_or_404(Target, pk=target_id), request.user)
    return Status(204, None)


# ---------------------------------------------------------------- scenarios

@router.get("/strategy/scenarios", response=list[ScenarioOut], summary="Scenarios by name")
@paginate(PageNumberPagination, page_size=50)
def list_scenarios(request: HttpRequest) -> QuerySet[Scenario]:
    require_strategy_reader(request.user)
    return Scenario.objects.select_related("scope_unit", "created_by")


@router.post("/strategy/scenarios", response={201: ScenarioDetailOut}, summary="Create a scenario (HR)")
def create_scenario(request: HttpRequest, payload: ScenarioIn) -> Status:
    scenario = services.create_scenario(
        request.user, name=payload.name, description=payload.description,
        objective=_ref(Objective, payload.objective_id, "objective_id", "objective"),
        scope_unit=_ref(Unit, payload.scope_unit_id, "scope_unit_id", "unit"))
    return Status(201, _scenario_detail(scenario.pk))


@router.get("/strategy/scenarios/{int:scenario_id}", response=ScenarioDetailOut)
def get_scenario(request: HttpRequest, scenario_id: int) -> dict[str, Any]:
    require_strategy_reader(request.user)
    return _scenario_detail(scenario_id)


@router.patch("/strategy/scenarios/{int:scenario_id}", response=ScenarioDetailOut, summary="Change a scenario (HR)")
def update_scenario(request: HttpRequest, scenario_id: int, payload: ScenarioPatch) -> dict[str, Any]:
    scenario = get_object_or_404(Scenario, pk=scenario_id)
    given = payload.model_fields_set
    changes: dict[str, Any] = {"name": payload.name, "description": payload.description}
    if "objective_id" in given:
        changes["objective"] = _ref(Objective, payload.objective_id, "objective_id", "objective")
    if "scope_unit_id" in given:
        changes["scope_unit"] = _ref(Unit, payload.scope_unit_id, "scope_unit_id", "unit")
    services.update_scenario(scenario, request.user, **changes)
    return _scenario_detail(scenario_id)


@router.delete("/strategy/scenarios/{int:scenario_id}", response={204: None}, summary="Delete a scenario (HR)")
def delete_scenario(request: HttpRequest, scenario_id: int) -> Status:
    services.delete_scenario(get_object_or_404(Scenario, pk=scenario_id), request.user)
    return Status(204, None)


@router.post("/strategy/scenarios/{int:scenario_id}/changes", response={201: ChangeOut},
             summary="Append a change to a scenario (HR)")
def add_change(request: HttpRequest, scenario_id: int, payload: ChangeIn) -> Status:
    scenario = get_object_or_404(Scenario, pk=scenario_id)
    change = services.add_scenario_change(
        scenario, request.user, kind=payload.kind, unit=_ref(Unit, payload.unit_id, "unit_id", "unit"),
        role=_ref(Role, payload.role_id, "role_id", "role"), count=payload.count, note=payload.note)
    return Status(201, ScenarioChange.objects.select_related("unit", "role").get(pk=change.pk))


@router.delete("/strategy/scenario-changes/{change_id}", response={204: None},
               summary="Remove a change from a scenario (HR)")
def remove_change(request: HttpRequest, change_id: int) -> Status:
    services.remove_scenario_change(get_object_or_404(ScenarioChange, pk=change_id), request.user)
    return Status(204, None)


@router.get("/strategy/scenarios/{int:scenario_id}/evaluate", response=ScenarioComparisonOut,
            summary="The scenario side by side with today (writes nothing)")
def evaluate_scenario(request: HttpRequest, scenario_id: int, objective_id: int | None = None) -> dict[str, Any]:
    require_strategy_reader(request.user)
    scenario = get_object_or_404(Scenario.objects.select_related("objective", "scope_unit"), pk=scenario_id)
    objective = _ref(Objective, objective_id, "objective_id", "objective")
    return analysis.evaluate_scenario(scenario, objective).as_dict()


@router.post("/strategy/scenarios/evaluate", response=ScenarioComparisonOut,
             summary="Evaluate unsaved changes side by side with today (writes nothing)")
def evaluate_what_if(request: HttpRequest, payload: WhatIfIn) -> dict[str, Any]:
    require_strategy_reader(request.user)
    specs = []
    errors: dict[str, str] = {}
    for number, item in enumerate(payload.changes):
        unit = Unit.objects.filter(pk=item.unit_id).first()
        role = Role.objects.filter(pk=item.role_id).first() if item.role_id is not None else None
        if item.role_id is not None and role is None:
            errors[f"changes[{number}].role_id"] = f"No role with id {item.role_id}."
        count, problems = services.check_change(kind=item.kind, unit=unit, role=role, count=item.count)
        errors.update({f"changes[{number}].{name}": message for name, message in problems.items()})
        if not problems and unit is not None:
            specs.append(analysis.ChangeSpec(kind=item.kind, unit_id=unit.pk,
                                             role_id=role.pk if role else None, count=count))
    if errors:
        raise ValidationError(errors)
    return analysis.evaluate(
        specs, objective=_ref(Objective, payload.objective_id, "objective_id", "objective"),
        scope_unit=_ref(Unit, payload.scope_unit_id, "scope_unit_id", "unit")).as_dict()
