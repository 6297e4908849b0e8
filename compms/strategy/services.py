"""The only writers of strategy: objectives, their targets, scenarios and scenario changes.

Each function checks permission (`access.require_strategy_editor`; trusted internal callers pass
`compms.access.SYSTEM`, and `None` is refused), validates (ValidationError with a field -> message
dict), then writes inside one transaction together with its audit record. Pages, API endpoints and the
command line all come through here.

It also holds the development-need protocol the gap engine reads (`open_development_needs`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
import uuid as uuid_module
from collections.abc import Iterable
from typing import Any, Final

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from compms.access import user_or_none
from compms.audit.services import record, snapshot
from compms.evidence import proficiency as prof
from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person, Role, Unit
from compms.organisation.services import check_competency_level, competency_max_levels
from compms.strategy.access import require_strategy_editor
from compms.strategy.models import Objective, Scenario, ScenarioChange, Target
from compms.validation import require_date


class _Unset:
    """Marks "argument not given" where None means something (no owner, the whole organisation)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()

OBJECTIVE_FIELDS = ("code", "title", "description", "owner_id", "due_date", "status")
TARGET_FIELDS = ("objective_id", "competency_id", "competency_uuid", "context_id", "level", "headcount",
                 "scope_unit_id", "due_date", "criticality", "notes")
SCENARIO_FIELDS = ("name", "description", "objective_id", "scope_unit_id")
CHANGE_FIELDS = ("scenario_id", "kind", "unit_id", "role_id", "count", "note", "sort_order")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
MAX_HEADCOUNT = 1_000_000
MAX_POSITIONS_PER_CHANGE = 100_000


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


_date = require_date


def _whole_number(value: Any, field: str, low: int, high: int, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: f"The {what} is a whole number."}) from None
    if isinstance(value, float) and value != number:
        raise ValidationError({field: f"The {what} is a whole number."})
    if not low <= number <= high:
        raise ValidationError({field: f"The {what} must be between {low} and {high}."})
    return number


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------- objectives

def _check_objective(*, code: str, title: str, status: str, owner: Person | None,
                     instance: Objective | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "An objective needs a code."
    elif len(code) > 60 or not CODE_PATTERN.match(code):
        errors["code"] = "A code has up to 60 letters, digits, '-' or '_'."
    elif code.isdecimal():
        # The command line and links accept a code or an id; a code of digits only would be ambiguous.
        errors["code"] = "A code needs at least one letter, so it is never mistaken for an id."
    else:
        clash = Objective.objects.filter(code__iexact=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["code"] = f"Code {code!r} is already used by another objective."
    if not title:
        errors["title"] = "An objective needs a title."
    elif len(title) > 300:
        errors["title"] = "A title has at most 300 characters."
    if status not in Objective.Status.values:
        errors["status"] = f"Unknown status {status!r}; expected one of {', '.join(Objective.Status.values)}."
    if owner is not None and not owner.active:
        errors["owner"] = f"{owner.name} has left the organisation and cannot own an objective."
    return errors


@transaction.atomic
def create_objective(actor: Any, *, code: str, title: str, due_date: Any, description: str = "",
                     owner: Person | None = None, status: str = Objective.Status.DRAFT) -> Objective:
    require_strategy_editor(actor)
    code, title, status = _text(code), _text(title), _text(status) or Objective.Status.DRAFT
    errors = _check_objective(code=code, title=title, status=status, owner=owner, instance=None)
    try:
        due = _date(due_date, "due_date")
    except ValidationError as exc:
        errors.update({"due_date": exc.message_dict["due_date"][0]})
    else:
        if due < prof.today():
            errors["due_date"] = f"{due} has already passed; an objective looks ahead."
    _raise(errors)
    objective = Objective.objects.create(code=code, title=title, description=_text(description), owner=owner,
                                         due_date=due, status=status, created_by=user_or_none(actor))
    record(actor, "strategy.objective.create", objective, after=snapshot(objective, OBJECTIVE_FIELDS))
    return objective


@transaction.atomic
def update_objective(objective: Objective, actor: Any, *, code: str | None = None, title: str | None = None,
                     description: str | None = None, owner: Person | None | _Unset = UNSET,
                     due_date: Any = None, status: str | None = None) -> Objective:
    """Change what is given; a due date may be moved into the past (an objective that ran late)."""
    require_strategy_editor(actor)
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    before = snapshot(objective, OBJECTIVE_FIELDS)
    if code is not None:
        objective.code = _text(code)
    if title is not None:
        objective.title = _text(title)
    if description is not None:
        objective.description = _text(description)
    if not isinstance(owner, _Unset):
        objective.owner = owner
    if status is not None:
        objective.status = _text(status)
    # An owner who has since left does not block other edits; only a newly named owner is checked.
    new_owner = None if isinstance(owner, _Unset) or (owner and owner.pk == before["owner_id"]) else owner
    errors = _check_objective(code=objective.code, title=objective.title, status=objective.status,
                              owner=new_owner, instance=objective)
    if due_date is not None:
        try:
            objective.due_date = _date(due_date, "due_date")
        except ValidationError as exc:
            errors["due_date"] = exc.message_dict["due_date"][0]
    _raise(errors)
    objective.save()
    record(actor, "strategy.objective.update", objective, before=before,
           after=snapshot(objective, OBJECTIVE_FIELDS))
    return objective


@transaction.atomic
def delete_objective(objective: Objective, actor: Any) -> None:
    """Remove an objective and its targets; scenarios that compared against it keep their changes."""
    require_strategy_editor(actor)
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    targets = [snapshot(t, TARGET_FIELDS) for t in objective.targets.all()]
    record(actor, "strategy.objective.delete", objective,
           before={**snapshot(objective, OBJECTIVE_FIELDS), "targets": targets})
    objective.delete()


# ---------------------------------------------------------------- targets

def _check_level(competency: Competency, level: Any, *, new_competency: bool) -> int:
    """A new competency must be in a published version (as for requirements). A target kept on its
    competency after a newer version was published is still valid: only its level is checked."""
    if new_competency:
        return check_competency_level(competency, level)
    top = competency_max_levels([competency.pk]).get(competency.pk, 0)
    checked = _whole_number(level, "level", 0, 10_000, "level")
    if not 1 <= checked <= top:
        raise ValidationError({"level": f"Level {checked} is outside the scale of {competency.code} (1 to {top})."})
    return checked


def _check_target(*, competency: Competency, level: Any, headcount: Any, due_date: Any, criticality: str,
                  scope_unit: Unit | None, context: Context | None,
                  new_competency: bool = True) -> tuple[int, int, dt.date, dict[str, str]]:
    errors: dict[str, str] = {}
    checked_level = checked_headcount = 0
    due = dt.date.min
    try:
        checked_level = _check_level(competency, level, new_competency=new_competency)
    except ValidationError as exc:
        errors.update({name: messages[0] for name, messages in exc.message_dict.items()})
    try:
        checked_headcount = _whole_number(headcount, "headcount", 1, MAX_HEADCOUNT, "headcount")
    except ValidationError as exc:
        errors["headcount"] = exc.message_dict["headcount"][0]
    try:
        due = _date(due_date, "due_date")
    except ValidationError as exc:
        errors["due_date"] = exc.message_dict["due_date"][0]
    if criticality not in Target.Criticality.values:
        errors["criticality"] = f"Unknown criticality {criticality!r}; expected essential or desirable."
    if scope_unit is not None and not Unit.objects.filter(pk=scope_unit.pk).exists():
        errors["scope_unit"] = "No such unit."
    if context is not None and not Context.objects.filter(pk=context.pk).exists():
        errors["context"] = "No such context."
    return checked_level, checked_headcount, due, errors


@transaction.atomic
def add_target(objective: Objective, actor: Any, *, competency: Competency, level: Any, headcount: Any,
               scope_unit: Unit | None = None, due_date: Any = None, context: Context | None = None,
               criticality: str = Target.Criticality.ESSENTIAL, notes: str = "") -> Target:
    """A target of the objective; its due date defaults to the objective's."""
    require_strategy_editor(actor)
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    level, headcount, due, errors = _check_target(
        competency=competency, level=level, headcount=headcount,
        due_date=objective.due_date if due_date is None else due_date,
        criticality=_text(criticality) or Target.Criticality.ESSENTIAL, scope_unit=scope_unit, context=context)
    if "due_date" not in errors and due < prof.today():
        errors["due_date"] = f"{due} has already passed; a target looks ahead."
    _raise(errors)
    target = Target.objects.create(
        objective=objective, competency=competency, competency_uuid=uuid_module.UUID(str(competency.uuid)),
        context=context, level=level, headcount=headcount, scope_unit=scope_unit, due_date=due,
        criticality=_text(criticality) or Target.Criticality.ESSENTIAL, notes=_text(notes))
    record(actor, "strategy.target.create", target, after=snapshot(target, TARGET_FIELDS))
    return target


@transaction.atomic
def update_target(target: Target, actor: Any, *, competency: Competency | None = None, level: Any = None,
                  headcount: Any = None, scope_unit: Unit | None | _Unset = UNSET, due_date: Any = None,
                  context: Context | None | _Unset = UNSET, criticality: str | None = None,
                  notes: str | None = None) -> Target:
    require_strategy_editor(actor)
    target = Target.objects.select_for_update().select_related("competency").get(pk=target.pk)
    before = snapshot(target, TARGET_FIELDS)
    new_competency = competency or target.competency
    new_scope = target.scope_unit if isinstance(scope_unit, _Unset) else scope_unit
    new_context = target.context if isinstance(context, _Unset) else context
    new_criticality = target.criticality if criticality is None else _text(criticality)
    checked_level, checked_headcount, due, errors = _check_target(
        competency=new_competency, level=target.level if level is None else level,
        headcount=target.headcount if headcount is None else headcount,
        due_date=target.due_date if due_date is None else due_date, criticality=new_criticality,
        scope_unit=new_scope, context=new_context, new_competency=new_competency.pk != target.competency_id)
    _raise(errors)
    target.competency = new_competency
    target.competency_uuid = uuid_module.UUID(str(new_competency.uuid))
    target.level, target.headcount, target.due_date = checked_level, checked_headcount, due
    target.scope_unit, target.context, target.criticality = new_scope, new_context, new_criticality
    if notes is not None:
        target.notes = _text(notes)
    target.save()
    record(actor, "strategy.target.update", target, before=before, after=snapshot(target, TARGET_FIELDS))
    return target


@transaction.atomic
def remove_target(target: Target, actor: Any) -> None:
    require_strategy_editor(actor)
    target = Target.objects.select_for_update().get(pk=target.pk)
    record(actor, "strategy.target.delete", target, before=snapshot(target, TARGET_FIELDS))
    target.delete()


# ---------------------------------------------------------------- scenarios

def _check_scenario(name: str) -> dict[str, str]:
    if not name:
        return {"name": "A scenario needs a name."}
    if len(name) > 200:
        return {"name": "A name has at most 200 characters."}
    return {}


@transaction.atomic
def create_scenario(actor: Any, *, name: str, description: str = "", objective: Objective | None = None,
                    scope_unit: Unit | None = None) -> Scenario:
    require_strategy_editor(actor)
    name = _text(name)
    _raise(_check_scenario(name))
    scenario = Scenario.objects.create(name=name, description=_text(description), objective=objective,
                                       scope_unit=scope_unit, created_by=user_or_none(actor))
    record(actor, "strategy.scenario.create", scenario, after=snapshot(scenario, SCENARIO_FIELDS))
    return scenario


@transaction.atomic
def update_scenario(scenario: Scenario, actor: Any, *, name: str | None = None, description: str | None = None,
                    objective: Objective | None | _Unset = UNSET,
                    scope_unit: Unit | None | _Unset = UNSET) -> Scenario:
    require_strategy_editor(actor)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    before = snapshot(scenario, SCENARIO_FIELDS)
    if name is not None:
        scenario.name = _text(name)
    if description is not None:
        scenario.description = _text(description)
    if not isinstance(objective, _Unset):
        scenario.objective = objective
    if not isinstance(scope_unit, _Unset):
        scenario.scope_unit = scope_unit
    _raise(_check_scenario(scenario.name))
    scenario.save()
    record(actor, "strategy.scenario.update", scenario, before=before, after=snapshot(scenario, SCENARIO_FIELDS))
    return scenario


@transaction.atomic
def delete_scenario(scenario: Scenario, actor: Any) -> None:
    require_strategy_editor(actor)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    changes = [snapshot(c, CHANGE_FIELDS) for c in scenario.changes.all()]
    record(actor, "strategy.scenario.delete", scenario,
           before={**snapshot(scenario, SCENARIO_FIELDS), "changes": changes})
    scenario.delete()


def check_change(*, kind: str, unit: Unit | None, role: Role | None, count: Any) -> tuple[int | None, dict[str, str]]:
    """Validate one change (also used for unsaved what-ifs sent to the API); returns the count."""
    errors: dict[str, str] = {}
    checked: int | None = None
    if kind not in ScenarioChange.Kind.values:
        errors["kind"] = f"Unknown change {kind!r}; expected one of {', '.join(ScenarioChange.Kind.values)}."
    if unit is None:
        errors["unit"] = "Name the unit the change is about."
    if kind == ScenarioChange.Kind.CLOSE_UNIT:
        if role is not None:
            errors["role"] = "Closing a unit takes all its positions; leave the role empty."
        if count not in (None, "", 0):
            errors["count"] = "Closing a unit takes all its positions; leave the count empty."
    elif kind in ScenarioChange.Kind.values:
        if role is None:
            errors["role"] = "Name the role of the positions."
        try:
            checked = _whole_number(count, "count", 1, MAX_POSITIONS_PER_CHANGE, "number of positions")
        except ValidationError as exc:
            errors["count"] = exc.message_dict["count"][0]
    return checked, errors


@transaction.atomic
def add_scenario_change(scenario: Scenario, actor: Any, *, kind: str, unit: Unit | None, role: Role | None = None,
                        count: Any = None, note: str = "") -> ScenarioChange:
    """Append a step to the scenario (steps apply in order)."""
    require_strategy_editor(actor)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    kind = _text(kind)
    checked, errors = check_change(kind=kind, unit=unit, role=role, count=count)
    if len(_text(note)) > 500:
        errors["note"] = "A note has at most 500 characters."
    _raise(errors)
    last = scenario.changes.aggregate(last=Max("sort_order"))["last"]
    change = ScenarioChange.objects.create(scenario=scenario, kind=kind, unit=unit, role=role, count=checked,
                                           note=_text(note), sort_order=0 if last is None else last + 1)
    record(actor, "strategy.scenario_change.create", change, after=snapshot(change, CHANGE_FIELDS))
    return change


@transaction.atomic
def remove_scenario_change(change: ScenarioChange, actor: Any) -> None:
    require_strategy_editor(actor)
    change = ScenarioChange.objects.select_for_update().get(pk=change.pk)
    record(actor, "strategy.scenario_change.delete", change, before=snapshot(change, CHANGE_FIELDS))
    change.delete()


# ---------------------------------------------------------------- development needs (protocol)

DEVELOPMENT_APP: Final = "compms.development"
DEVELOPMENT_SERVICES: Final = "compms.development.services"


def open_development_needs(person_ids: Iterable[int], competency_uuid: uuid_module.UUID) -> set[int]:
    """The people among `person_ids` with an open development need for the competency (any context).

    The pipeline of a strategic target counts these. Development needs arrive with the `development`
    app, which provides the same function: `compms.development.services.open_development_needs(
    person_ids, competency_uuid) -> set[int]` ("open" = not yet closed, achieved or cancelled, whatever
    its target date). Until that app is installed *and* provides it, nobody has a need and the pipeline
    is 0. The gap engine calls this once per target, with only the people exactly one level short.
    """
    ids = list(person_ids)
    if not ids or not apps.is_installed(DEVELOPMENT_APP):
        return set()
    # The app may be installed before its services exist (scaffolded first): no module, no needs yet.
    # An error raised *inside* an existing module is a real bug and is left to surface.
    if importlib.util.find_spec(DEVELOPMENT_SERVICES) is None:
        return set()
    provider = getattr(importlib.import_module(DEVELOPMENT_SERVICES), "open_development_needs", None)
    if provider is None:
        return set()
    return set(provider(ids, competency_uuid)) & set(ids)
