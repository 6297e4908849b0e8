"""Strategic gap reports and scenario comparisons: load what the computation needs in a few set-based
queries, then hand plain arrays to `compms.core.strategy` (where the rules are written down).

Reading proficiency. Only people who could matter are read: `CurrentProficiency` (indexed by competency
and level) names everyone holding the competency at the lowest level a target or requirement can use,
plus everyone whose stored row has lapsed since it was written (their level must be re-derived). Their
active evidence for the competencies in question is then read by person (indexed) and rolled up in
memory. Everybody else holds level 0 throughout, which is what the engine assumes for absent pairs.

Scenarios never write: the organisation is read into plain dictionaries (`OrgSnapshot`), the scenario's
changes are applied to copies of those, and both sides are measured with the same proficiency timeline.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Q

from compms.core import strategy as engine
from compms.core.dates import NO_EXPIRY
from compms.core.gaparrays import SOURCE_CODE, EvidenceArrays
from compms.evidence import proficiency as prof
from compms.evidence.models import CurrentProficiency, Evidence
from compms.frameworks.models import Competency
from compms.organisation.models import Person, Position, Requirement, Role, Unit
from compms.strategy import services
from compms.strategy.models import Objective, Scenario, ScenarioChange, Target

# (competency uuid, context id or None): one claim, as requirements and evidence name it.
Key = tuple[uuid_module.UUID, int | None]
IN_CHUNK = prof.IN_CHUNK
WHOLE_ORGANISATION = "Whole organisation"


# ---------------------------------------------------------------- loading

@dataclass(frozen=True)
class People:
    """Active people as parallel arrays, sorted by id (a person's index is their position here)."""

    ids: np.ndarray  # int64
    unit_ids: np.ndarray  # int64

    def index_of(self, person_ids: Iterable[int]) -> np.ndarray:
        wanted = np.fromiter(person_ids, dtype=np.int64)
        position = np.searchsorted(self.ids, wanted)
        found = (position < len(self.ids)) & (self.ids[np.minimum(position, len(self.ids) - 1)] == wanted)
        return position[found]

    def mask(self, person_ids: Iterable[int]) -> np.ndarray:
        chosen = np.zeros(len(self.ids), dtype=bool)
        chosen[self.index_of(person_ids)] = True
        return chosen


def load_snapshot() -> tuple[engine.OrgSnapshot, People]:
    """Units, active people and position counts, as plain values (three queries)."""
    unit_path = dict(Unit.objects.values_list("pk", "path"))
    rows = list(Person.objects.filter(active=True).order_by("pk").values_list("pk", "unit_id"))
    people = People(ids=np.array([pk for pk, _ in rows], dtype=np.int64),
                    unit_ids=np.array([unit for _, unit in rows], dtype=np.int64))
    positions = {(role, unit): count for role, unit, count in
                 Position.objects.values("role_id", "unit_id").annotate(n=Count("pk"))
                 .values_list("role_id", "unit_id", "n")}
    snapshot = engine.OrgSnapshot(unit_path=unit_path, person_unit=dict(rows), positions=positions)
    return snapshot, people


def _key_of(comp_uuid: Any, context_id: int | None) -> Key:
    value = comp_uuid if isinstance(comp_uuid, uuid_module.UUID) else uuid_module.UUID(str(comp_uuid))
    return value, context_id or None


def _policies(uuids: Sequence[uuid_module.UUID]) -> dict[uuid_module.UUID, str]:
    # Every version of a framework keeps its competencies' uuids, so a uuid names one framework.
    found: dict[uuid_module.UUID, str] = {}
    for start in range(0, len(uuids), IN_CHUNK):
        found.update(Competency.objects.filter(uuid__in=uuids[start:start + IN_CHUNK])
                     .values_list("uuid", "version__framework__rollup_policy"))
    return found


def load_timeline(keys: Sequence[Key], floors: Sequence[int], people: People, today: dt.date,
                  horizon: dt.date) -> engine.LevelTimeline:
    """The proficiency timeline of every active person in each key, from today to `horizon`.

    `floors[k]` is the lowest level of key k any caller will ask about (at least 1): people whose stored
    proficiency is below it, and still current, are level 0 to the caller and are not read.
    """
    key_index = {key: k for k, key in enumerate(keys)}
    uuids = sorted({key[0] for key in keys})
    candidates: set[tuple[int, int]] = set()
    lowest = max(1, min(floors, default=1))
    for start in range(0, len(uuids), IN_CHUNK):
        rows = CurrentProficiency.objects.filter(competency_uuid__in=uuids[start:start + IN_CHUNK]).filter(
            Q(status=CurrentProficiency.Status.HELD)
            & (Q(level__gte=lowest) | Q(valid_until__lt=today)))
        for person_id, comp_uuid, context_key, level, valid_until in rows.values_list(
                "person_id", "competency_uuid", "context_key", "level", "valid_until"):
            k = key_index.get(_key_of(comp_uuid, context_key))
            if k is not None and (level >= floors[k] or (valid_until is not None and valid_until < today)):
                candidates.add((person_id, k))
    candidate_people = sorted({person for person, _ in candidates} & set(people.ids.tolist()))

    columns: dict[str, list[Any]] = defaultdict(list)
    for start in range(0, len(candidate_people), IN_CHUNK):
        evidence = Evidence.objects.filter(person_id__in=candidate_people[start:start + IN_CHUNK],
                                           competency_uuid__in=uuids, status=Evidence.Status.ACTIVE)
        for pk, person_id, comp_uuid, context_id, level, source, assessed_on, valid_until in evidence.values_list(
                "pk", "person_id", "competency_uuid", "context_id", "level", "source", "assessed_on",
                "valid_until"):
            k = key_index.get(_key_of(comp_uuid, context_id))
            if k is None or (person_id, k) not in candidates:
                continue
            columns["person"].append(person_id)
            columns["comp"].append(k)
            columns["level"].append(level)
            columns["source"].append(SOURCE_CODE[source])
            columns["recorded"].append(assessed_on.toordinal())
            columns["valid_until"].append(NO_EXPIRY if valid_until is None else valid_until.toordinal())
            columns["id"].append(pk)
    count = len(columns["person"])
    arrays = EvidenceArrays(
        person_idx=people.index_of(columns["person"]).astype(np.int32) if count else np.zeros(0, dtype=np.int32),
        comp_idx=np.array(columns["comp"], dtype=np.int32),
        level=np.array(columns["level"], dtype=np.int16),
        source_code=np.array(columns["source"], dtype=np.int8),
        recorded_ord=np.array(columns["recorded"], dtype=np.int32),
        valid_until_ord=np.array(columns["valid_until"], dtype=np.int32),
        active=np.ones(count, dtype=bool),
        evidence_id=np.array(columns["id"], dtype=np.int64),
    )
    policy_of = _policies(uuids)
    return engine.level_timeline(
        arrays, n_people=len(people.ids), n_comps=max(1, len(keys)), today_ord=today.toordinal(),
        horizon_ord=horizon.toordinal(),
        policy_of_comp=[policy_of.get(key[0], "default") for key in keys] or ["default"])


# ---------------------------------------------------------------- objective gap

@dataclass(frozen=True)
class TargetReport:
    target_id: int
    framework: str
    competency: str
    competency_name: str
    context: str | None
    level: int
    headcount: int
    scope: str
    scope_unit_id: int | None
    due_date: dt.date
    criticality: str
    notes: str
    supply_today: int
    supply: int
    gap: int
    one_level_short: int
    pipeline: int
    coverage: list[tuple[dt.date, int]]

    @property
    def demand(self) -> int:
        return self.headcount

    def as_dict(self) -> dict[str, Any]:
        return {
            "target_id": self.target_id, "framework": self.framework, "competency": self.competency,
            "competency_name": self.competency_name, "context": self.context, "level": self.level,
            "scope": self.scope, "scope_unit_id": self.scope_unit_id, "due_date": self.due_date.isoformat(),
            "criticality": self.criticality, "demand": self.headcount, "supply_today": self.supply_today,
            "supply": self.supply, "gap": self.gap, "one_level_short": self.one_level_short,
            "pipeline": self.pipeline,
            "coverage": [{"date": day.isoformat(), "supply": supply} for day, supply in self.coverage],
        }


@dataclass(frozen=True)
class ObjectiveReport:
    objective: Objective
    as_of: dt.date
    targets: list[TargetReport]

    def as_dict(self) -> dict[str, Any]:
        objective = self.objective
        return {
            "objective": {"id": objective.pk, "code": objective.code, "title": objective.title,
                          "status": objective.status, "due_date": objective.due_date.isoformat()},
            "as_of": self.as_of.isoformat(),
            "targets": [target.as_dict() for target in self.targets],
        }


EXPORT_COLUMNS = ["objective", "target_id", "framework", "competency", "competency_name", "context", "level",
                  "scope", "due_date", "criticality", "demand", "supply_today", "supply", "gap",
                  "one_level_short", "pipeline", "coverage"]


def export_rows(report: ObjectiveReport) -> list[list[Any]]:
    """One row per target (the columns of EXPORT_COLUMNS); coverage as "date=supply" pairs."""
    return [[report.objective.code, t.target_id, t.framework, t.competency, t.competency_name, t.context or "",
             t.level, t.scope, t.due_date.isoformat(), t.criticality, t.headcount, t.supply_today, t.supply,
             t.gap, t.one_level_short, t.pipeline,
             " ".join(f"{day.isoformat()}={supply}" for day, supply in t.coverage)]
            for t in report.targets]


def _targets_of(objective: Objective) -> list[Target]:
    return list(objective.targets.select_related("competency__version__framework", "context", "scope_unit")
                .order_by("due_date", "pk"))


def _target_floor(target: Target) -> int:
    # Supply needs the level itself; the pipeline needs one below it (level 0 needs no evidence).
    return max(1, target.level - 1)


def _in_scope(people: People, snapshot: engine.OrgSnapshot, unit_id: int | None,
              present: np.ndarray | None = None) -> np.ndarray:
    """Bool per person: in the unit's subtree (everyone when None), and in `present` when given."""
    if unit_id is None:
        mask = np.ones(len(people.ids), dtype=bool)
    else:
        units = np.fromiter(snapshot.units_under(unit_id), dtype=np.int64)
        mask = np.isin(people.unit_ids, units)
    return mask if present is None else mask & present


def _measure_target(target: Target, timeline: engine.LevelTimeline, comp: int, in_scope: np.ndarray,
                    people: People, today: dt.date, labels: dict[uuid_module.UUID, prof.CompetencyLabel],
                    contexts: dict[int, str]) -> TargetReport:
    due = max(target.due_date, today)
    points = engine.monthly_points(today, due)
    comp_uuid = target.competency_uuid

    def open_needs(indices: np.ndarray) -> np.ndarray:
        ids = people.ids[indices].tolist()
        with_need = services.open_development_needs(ids, comp_uuid)
        return np.array([pk in with_need for pk in ids], dtype=bool)

    measured = engine.target_gap(timeline, comp, target.level, target.headcount, in_scope, due.toordinal(),
                                 [p.toordinal() for p in points], open_needs)
    label = labels.get(comp_uuid)
    competency = target.competency
    return TargetReport(
        target_id=target.pk,
        framework=label.framework if label else competency.version.framework.code,
        competency=label.code if label else competency.code,
        competency_name=label.name if label else competency.name,
        context=contexts.get(target.context_id) if target.context_id else None,
        level=target.level, headcount=target.headcount,
        scope=target.scope_unit.name if target.scope_unit_id else WHOLE_ORGANISATION,
        scope_unit_id=target.scope_unit_id, due_date=target.due_date, criticality=target.criticality,
        notes=target.notes, supply_today=measured.supply_today, supply=measured.supply, gap=measured.gap,
        one_level_short=measured.one_level_short, pipeline=measured.pipeline,
        coverage=[(dt.date.fromordinal(day), supply) for day, supply in measured.coverage],
    )


@dataclass
class _Prepared:
    """Everything both sides of a comparison share: the organisation today and one proficiency timeline."""

    today: dt.date
    snapshot: engine.OrgSnapshot
    people: People
    keys: list[Key]
    timeline: engine.LevelTimeline
    labels: dict[uuid_module.UUID, prof.CompetencyLabel]
    contexts: dict[int, str]


def _prepare(targets: Sequence[Target], extra_keys: dict[Key, int] | None = None) -> _Prepared:
    today = prof.today()
    snapshot, people = load_snapshot()
    floors: dict[Key, int] = dict(extra_keys or {})
    for target in targets:
        key = _key_of(target.competency_uuid, target.context_id)
        floors[key] = min(floors.get(key, _target_floor(target)), _target_floor(target))
    keys = sorted(floors, key=lambda key: (str(key[0]), key[1] or 0))
    horizon = max([today, *(target.due_date for target in targets)])
    timeline = load_timeline(keys, [floors[key] for key in keys], people, today, horizon)
    return _Prepared(today=today, snapshot=snapshot, people=people, keys=keys, timeline=timeline,
                     labels=prof.competency_labels(key[0] for key in keys),
                     contexts=dict(prof.context_codes(key[1] for key in keys)))


def objective_gap(objective: Objective) -> ObjectiveReport:
    """Supply, demand, gap, pipeline and coverage over time of each target of the objective, today."""
    targets = _targets_of(objective)
    prepared = _prepare(targets)
    comp_of = {key: k for k, key in enumerate(prepared.keys)}
    reports = [
        _measure_target(target, prepared.timeline, comp_of[_key_of(target.competency_uuid, target.context_id)],
                        _in_scope(prepared.people, prepared.snapshot, target.scope_unit_id), prepared.people,
                        prepared.today, prepared.labels, prepared.contexts)
        for target in targets
    ]
    return ObjectiveReport(objective=objective, as_of=prepared.today, targets=reports)


def find_objective(code_or_id: str | int) -> Objective | None:
    """By code (any case), else by id when the text is a number: codes always hold a letter."""
    text = str(code_or_id).strip()
    found = Objective.objects.filter(code__iexact=text).first()
    if found is None and text.isdecimal():
        found = Objective.objects.filter(pk=int(text)).first()
    return found


# ---------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class ChangeSpec:
    """A scenario step by ids (saved ScenarioChange rows and unsaved what-ifs from the API alike)."""

    kind: str
    unit_id: int
    role_id: int | None = None
    count: int | None = None


@dataclass(frozen=True)
class Figures:
    demand: int
    supply: int
    gap: int


@dataclass(frozen=True)
class DemandComparison:
    framework: str
    competency: str
    competency_name: str
    context: str | None
    level: int
    today: Figures
    scenario: Figures

    @property
    def changed(self) -> bool:
        return self.today != self.scenario

    def as_dict(self) -> dict[str, Any]:
        return {"framework": self.framework, "competency": self.competency,
                "competency_name": self.competency_name, "context": self.context, "level": self.level,
                "today": vars(self.today), "scenario": vars(self.scenario)}


@dataclass(frozen=True)
class TargetComparison:
    today: TargetReport
    scenario: TargetReport

    def as_dict(self) -> dict[str, Any]:
        return {"target_id": self.today.target_id, "today": self.today.as_dict(),
                "scenario": self.scenario.as_dict()}


@dataclass(frozen=True)
class ScenarioComparison:
    name: str
    as_of: dt.date
    scope: str
    objective: Objective | None
    steps: list[str]
    notes: list[str]
    positions_today: int
    positions_scenario: int
    people_today: int
    people_scenario: int
    targets: list[TargetComparison] = field(default_factory=list)
    demand: list[DemandComparison] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "as_of": self.as_of.isoformat(), "scope": self.scope,
            "objective": self.objective.code if self.objective else None, "steps": self.steps,
            "notes": self.notes,
            "people": {"today": self.people_today, "scenario": self.people_scenario},
            "positions": {"today": self.positions_today, "scenario": self.positions_scenario},
            "targets": [t.as_dict() for t in self.targets],
            "demand": [d.as_dict() for d in self.demand],
        }


def _step_labels(specs: Sequence[ChangeSpec]) -> list[str]:
    units = {pk: (name, ext) for pk, name, ext in Unit.objects.filter(
        pk__in={s.unit_id for s in specs}).values_list("pk", "name", "external_id")}
    roles = dict(Role.objects.filter(pk__in={s.role_id for s in specs if s.role_id}).values_list("pk", "name"))
    labels = []
    for spec in specs:
        name, ext = units.get(spec.unit_id, (f"unit {spec.unit_id}", "?"))
        where = f"{name} ({ext})"
        if spec.kind == ScenarioChange.Kind.CLOSE_UNIT:
            labels.append(f"Close {where}")
        else:
            verb = "Add" if spec.kind == ScenarioChange.Kind.ADD_POSITIONS else "Remove"
            labels.append(f"{verb} {spec.count} × {roles.get(spec.role_id, '?')} in {where}")
    return labels


def _requirement_lines(role_ids: set[int]) -> tuple[dict[Key, int], list[tuple[int, Key, int]]]:
    """Keys the given roles require (with their lowest required level), and every requirement line of
    any role that names one of those keys, as (role id, key, level)."""
    touched: dict[Key, int] = {}
    for comp_uuid, context_id, level in Requirement.objects.filter(role_id__in=role_ids, level__gte=1).values_list(
            "competency_uuid", "context_id", "level"):
        key = _key_of(comp_uuid, context_id)
        touched[key] = min(touched.get(key, level), level)
    lines: list[tuple[int, Key, int]] = []
    uuids = sorted({key[0] for key in touched})
    for start in range(0, len(uuids), IN_CHUNK):
        for role_id, comp_uuid, context_id, level in Requirement.objects.filter(
                competency_uuid__in=uuids[start:start + IN_CHUNK], level__gte=1).values_list(
                "role_id", "competency_uuid", "context_id", "level"):
            key = _key_of(comp_uuid, context_id)
            if key in touched:
                touched[key] = min(touched[key], level)
                lines.append((role_id, key, level))
    return touched, lines


def evaluate(specs: Sequence[ChangeSpec], *, name: str = "What-if", objective: Objective | None = None,
             scope_unit: Unit | None = None) -> ScenarioComparison:
    """Compare the organisation today with the organisation after `specs`, on in-memory copies.

    Two comparisons: the objective's targets (supply, gap, pipeline; targets keep their headcount), and
    the demand that positions' requirement profiles put on the competencies the scenario touches (the
    requirements of roles added or removed, and of positions in closed units), within `scope_unit`.
    """
    snapshot_roles = {spec.role_id for spec in specs if spec.role_id is not None}
    closing = [spec.unit_id for spec in specs if spec.kind == ScenarioChange.Kind.CLOSE_UNIT]
    if closing:
        closed_paths = list(Unit.objects.filter(pk__in=closing).values_list("path", flat=True))
        subtree = Q()
        for path in closed_paths:
            subtree |= Q(unit__path__startswith=path)
        if closed_paths:
            snapshot_roles |= set(Position.objects.filter(subtree).values_list("role_id", flat=True).distinct())
    touched, lines = _requirement_lines(snapshot_roles)

    targets = _targets_of(objective) if objective is not None else []
    prepared = _prepare(targets, extra_keys=touched)
    comp_of = {key: k for k, key in enumerate(prepared.keys)}
    labels = _step_labels(specs)
    outcome = engine.apply_changes(prepared.snapshot, [
        engine.Change(kind=spec.kind, unit_id=spec.unit_id, role_id=spec.role_id, count=spec.count or 0,
                      label=label)
        for spec, label in zip(specs, labels, strict=True)
    ])
    after = outcome.snapshot
    present_after = prepared.people.mask(after.person_unit)

    target_rows = []
    for target in targets:
        comp = comp_of[_key_of(target.competency_uuid, target.context_id)]
        args = (prepared.timeline, comp)
        common = (prepared.people, prepared.today, prepared.labels, prepared.contexts)
        today_side = _measure_target(target, *args, _in_scope(prepared.people, prepared.snapshot,
                                                              target.scope_unit_id), *common)
        scenario_side = _measure_target(target, *args, _in_scope(prepared.people, prepared.snapshot,
                                                                 target.scope_unit_id, present_after), *common)
        target_rows.append(TargetComparison(today=today_side, scenario=scenario_side))

    scope_id = scope_unit.pk if scope_unit is not None else None
    role_lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for role_id, key, level in lines:
        role_lines[role_id].append((comp_of[key], level))
    scope_today = _in_scope(prepared.people, prepared.snapshot, scope_id)
    scope_after = scope_today & present_after

    def staircase(positions: dict[tuple[int, int], int], in_scope: np.ndarray) -> dict[tuple[int, int], Figures]:
        demand = engine.position_demand(positions, role_lines)
        comps = {comp for comp, _ in demand}
        levels = {comp: prepared.timeline.levels_on(comp, prepared.timeline.today_ord)[in_scope] for comp in comps}
        return {(line.key, line.level): Figures(line.demand, line.supply, line.gap)
                for line in engine.requirement_demand(demand, levels)}

    positions_today = prepared.snapshot.positions_under(scope_id)
    # A closed scope unit leaves nothing under it: positions_under answers {} for an unknown unit.
    positions_after = after.positions_under(scope_id)
    today_lines = staircase(positions_today, scope_today)
    after_lines = staircase(positions_after, scope_after)
    demand_rows = []
    for comp, level in sorted(set(today_lines) | set(after_lines),
                              key=lambda item: (_label_sort(prepared, item[0]), item[1])):
        key = prepared.keys[comp]
        label = prepared.labels.get(key[0])
        levels_now = prepared.timeline.levels_on(comp, prepared.timeline.today_ord)
        empty_today = Figures(0, int((levels_now[scope_today] >= level).sum()), 0)
        empty_after = Figures(0, int((levels_now[scope_after] >= level).sum()), 0)
        demand_rows.append(DemandComparison(
            framework=label.framework if label else "", competency=label.code if label else str(key[0]),
            competency_name=label.name if label else "",
            context=prepared.contexts.get(key[1]) if key[1] else None, level=level,
            today=today_lines.get((comp, level), empty_today),
            scenario=after_lines.get((comp, level), empty_after)))

    return ScenarioComparison(
        name=name, as_of=prepared.today,
        scope=scope_unit.name if scope_unit is not None else WHOLE_ORGANISATION,
        objective=objective, steps=labels, notes=list(outcome.notes),
        positions_today=sum(positions_today.values()), positions_scenario=sum(positions_after.values()),
        people_today=int(scope_today.sum()), people_scenario=int(scope_after.sum()),
        targets=target_rows, demand=demand_rows,
    )


def _label_sort(prepared: _Prepared, comp: int) -> tuple[str, str, str]:
    key = prepared.keys[comp]
    label = prepared.labels.get(key[0])
    return (label.framework, label.code, prepared.contexts.get(key[1] or 0, "")) if label else ("", str(key[0]), "")


def specs_of(scenario: Scenario) -> list[ChangeSpec]:
    return [ChangeSpec(kind=c.kind, unit_id=c.unit_id, role_id=c.role_id, count=c.count)
            for c in scenario.changes.order_by("sort_order", "pk")]


def evaluate_scenario(scenario: Scenario, objective: Objective | None = None) -> ScenarioComparison:
    """A saved scenario compared with today (against its own objective unless another is given)."""
    return evaluate(specs_of(scenario), name=scenario.name,
                    objective=objective if objective is not None else scenario.objective,
                    scope_unit=scenario.scope_unit)
