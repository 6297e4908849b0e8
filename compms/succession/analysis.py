"""Successors, bench strength, emergency cover and careers, computed on arrays.

Loads through the gap engine's snapshot (compms.gaps.loader: everything in bulk, kept in a
process-level cache and refreshed when the audit trail moves) and its per-date state (the rollup of
everyone's evidence as of a date, computed once). On top of that, one key position costs a handful
of numpy operations over all people at once: every person x the role's requirement lines -> gaps ->
fit -> hours to close (a table look-up per competency) -> readiness band. No query per person.

The few rows this app stores (key positions, nominations, overrides) are read with one query each.
"""

from __future__ import annotations

import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from compms.core.fit import GAP_STATUSES
from compms.core.gaparrays import (
    GAP_MET,
    ProficiencyTable,
    fit_per_person_role,
    requirement_gaps_arrays,
    rollup_arrays,
)
from compms.core.readiness import (
    DEFAULT_HOURS_PER_LEVEL,
    DEFAULT_PACE_HOURS_PER_MONTH,
    READINESS,
    READINESS_LABELS,
    READY_NOW,
    SOON_MONTHS,
    Bench,
    Outcome,
    bench_of,
    career_score,
    hours_table,
    hours_to_close,
    readiness_codes,
)
from compms.core.rollup import POLICIES
from compms.gaps import analysis as gap_analysis
from compms.gaps.loader import Snapshot, load_snapshot
from compms.succession.models import KeyPosition, Nomination, ReadinessOverride

DEFAULT_THRESHOLD = 0.6  # fit from which someone is listed as a computed successor
DEFAULT_TOP = 20
EMERGENCY_COVER_TOP = 3


# ---------------------------------------------------------------- the learning catalogue

@dataclass(frozen=True)
class CatalogueOutcome:
    resource: str
    uuid: uuid_module.UUID
    entry: int
    exit: int
    hours: float


def catalogue_outcomes() -> list[CatalogueOutcome]:
    """Every (resource, competency, entry, exit, hours) of the development catalogue, in one query.

    The development app owns the catalogue; until it provides `ResourceOutcome` (or when its field
    names differ) the catalogue is empty and every gap costs the documented default hours."""
    from django.apps import apps
    from django.core.exceptions import FieldError

    try:
        model = apps.get_model("development", "ResourceOutcome")
    except LookupError:
        return []
    for uuid_field in ("competency_uuid", "competency__uuid"):
        try:
            rows = list(model.objects.values_list("resource__title", uuid_field, "entry_level", "exit_level",
                                                  "resource__hours"))
        except FieldError:
            try:
                rows = list(model.objects.values_list("resource__name", uuid_field, "entry_level",
                                                      "exit_level", "resource__hours"))
            except FieldError:
                continue
        return [CatalogueOutcome(str(title), u, int(entry or 0), int(exit_), float(hours or 0))
                for title, u, entry, exit_, hours in rows if exit_ is not None and exit_ > (entry or 0)]
    return []


@dataclass
class Pace:
    hours_per_month: float = DEFAULT_PACE_HOURS_PER_MONTH
    default_hours_per_level: float = DEFAULT_HOURS_PER_LEVEL


def _claim_hours(snapshot: Snapshot, claims: np.ndarray, outcomes: list[CatalogueOutcome], pace: Pace,
                 top: int) -> np.ndarray:
    """``[len(claims), top+1, top+1]`` hours tables, one per claim (resources match on uuid)."""
    by_uuid: dict[uuid_module.UUID, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_uuid[o.uuid].append(Outcome(o.uuid, o.entry, o.exit, o.hours))
    tables = np.zeros((len(claims), top + 1, top + 1), dtype=np.float64)
    for i, claim in enumerate(claims.tolist()):
        tables[i] = hours_table(by_uuid.get(snapshot.claims[claim].uuid, []), top, pace.default_hours_per_level)
    return tables


# ---------------------------------------------------------------- requirement rows (own, on core arrays)

@dataclass(frozen=True)
class Rows:
    """Requirement rows as parallel arrays: person x competency claim, required level and the gap."""

    person: np.ndarray
    claim: np.ndarray
    required: np.ndarray
    essential: np.ndarray
    level: np.ndarray
    gap: np.ndarray
    status: np.ndarray  # GAP_* code

    def take(self, index: Any) -> Rows:
        return Rows(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})


def requirement_rows(proficiency: ProficiencyTable, person: np.ndarray, claim: np.ndarray, required: np.ndarray,
                     essential: np.ndarray) -> Rows:
    gaps = requirement_gaps_arrays(person, claim, required, proficiency)
    return Rows(person=person, claim=claim, required=required.astype(np.int16), essential=essential.astype(bool),
                level=gaps.proficiency, gap=gaps.gap, status=gaps.status)


def _proficiency_for(snapshot: Snapshot, claims: np.ndarray, as_of: date) -> ProficiencyTable:
    """Everyone's proficiency in these claims as of a date. Uses the gap engine's per-date state when
    it is already computed; otherwise rolls up only the evidence of these claims (a role names a few
    dozen competencies, so this is a small share of a million records and far cheaper than the
    organisation-wide rollup a cold state would run)."""
    cached = snapshot.derived.get(("state", as_of))
    if cached is not None:
        return cached.proficiency
    evidence = snapshot.evidence
    wanted = np.isin(evidence.comp_idx, claims)
    tables = []
    for code in np.unique(snapshot.evidence_policy[wanted]).tolist():
        rows = np.flatnonzero(wanted & (snapshot.evidence_policy == code))
        tables.append(rollup_arrays(
            person_idx=evidence.person_idx[rows], comp_idx=evidence.comp_idx[rows], level=evidence.level[rows],
            source_code=evidence.source_code[rows], recorded_ord=evidence.recorded_ord[rows],
            valid_until_ord=evidence.valid_until_ord[rows], active_mask=evidence.active[rows],
            as_of_ord=as_of.toordinal(), n_people=snapshot.n_people, n_comps=max(snapshot.n_claims, 1),
            policy=POLICIES[code], evidence_id=evidence.evidence_id[rows]))
        # winners point into this subset; map them back to rows of the snapshot's evidence
        table = tables[-1]
        tables[-1] = ProficiencyTable(table.n_people, table.n_comps, table.pair_key, table.level, table.status,
                                      table.verified, np.where(table.winner >= 0, rows[np.maximum(table.winner, 0)],
                                                               -1))
    if len(tables) == 1:
        return tables[0]
    empty = np.zeros(0, dtype=np.int64)
    if not tables:
        return ProficiencyTable(snapshot.n_people, max(snapshot.n_claims, 1), empty, empty.astype(np.int16),
                                empty.astype(np.int8), empty.astype(bool), empty)
    # Policies never share a claim, so concatenating and sorting by pair keeps pairs unique.
    pair_key = np.concatenate([t.pair_key for t in tables])
    order = np.argsort(pair_key, kind="stable")
    return ProficiencyTable(
        snapshot.n_people, max(snapshot.n_claims, 1), pair_key[order],
        np.concatenate([t.level for t in tables])[order], np.concatenate([t.status for t in tables])[order],
        np.concatenate([t.verified for t in tables])[order], np.concatenate([t.winner for t in tables])[order])


@dataclass(frozen=True)
class GapLine:
    competency: str  # FRAMEWORK:CODE (@context)
    name: str
    required: int
    proficiency: int
    gap: int
    status: str  # met | short | missing | expired
    criticality: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def gap_lines(snapshot: Snapshot, rows: Rows) -> list[GapLine]:
    return [GapLine(competency=snapshot.claims[c].label, name=snapshot.claims[c].name, required=int(r),
                    proficiency=int(lv), gap=int(g), status=GAP_STATUSES[st],
                    criticality="essential" if e else "desirable")
            for c, r, lv, g, st, e in zip(rows.claim.tolist(), rows.required.tolist(), rows.level.tolist(),
                                          rows.gap.tolist(), rows.status.tolist(), rows.essential.tolist())]


# ---------------------------------------------------------------- one role against everyone

@dataclass
class RoleMeasure:
    """Everyone measured against one role: per person fit, readiness and hours; per row the gaps."""

    role: int
    k: int  # lines of the role
    fit: np.ndarray
    weighted_gap: np.ndarray
    ready_now: np.ndarray
    hours: np.ndarray
    band: np.ndarray  # int8 code, position in READINESS
    rows: Rows  # person-major (person i's lines at i*k .. i*k+k)


def measure_role(snapshot: Snapshot, role: int, as_of: date, outcomes: list[CatalogueOutcome] | None = None,
                 pace: Pace | None = None) -> RoleMeasure:
    pace = pace or Pace()
    outcomes = catalogue_outcomes() if outcomes is None else outcomes
    n = snapshot.n_people
    lines = snapshot.role_lines(role)
    k = lines.stop - lines.start
    claims = snapshot.line_claim[lines]
    proficiency = _proficiency_for(snapshot, claims, as_of)
    person = np.repeat(np.arange(n, dtype=np.int64), k)
    claim = np.tile(claims, n)
    required = np.tile(snapshot.line_required[lines], n)
    essential = np.tile(snapshot.line_essential[lines], n)
    rows = requirement_rows(proficiency, person, claim, required, essential)
    group = person
    fit = fit_per_person_role(group, rows.required, rows.essential, rows.gap, n)
    top = int(max(int(snapshot.line_required[lines].max()) if k else 0, 1))
    tables = _claim_hours(snapshot, claims, outcomes, pace, top)
    line_of_row = np.tile(np.arange(k, dtype=np.int64), n)
    level = np.minimum(rows.level.astype(np.int64), top)
    row_hours = tables[line_of_row, level, rows.required.astype(np.int64)] if k else np.zeros(0)
    hours = np.bincount(group, weights=row_hours, minlength=n) if k else np.zeros(n)
    band = readiness_codes(fit.ready, hours, pace.hours_per_month, SOON_MONTHS)
    return RoleMeasure(role=role, k=k, fit=fit.fit, weighted_gap=fit.weighted_gap, ready_now=fit.ready,
                       hours=hours, band=band, rows=rows)


# ---------------------------------------------------------------- successors of a key position

@dataclass(frozen=True)
class Successor:
    person_pk: int
    employee_id: str
    name: str
    unit: str
    fit: float
    weighted_gap: int
    hours_to_ready: float
    months_to_ready: float
    computed: str
    override: str | None
    override_reason: str
    nominated: bool
    gaps: list[GapLine] = field(default_factory=list)

    @property
    def readiness(self) -> str:
        return self.override or self.computed

    @property
    def readiness_label(self) -> str:
        return READINESS_LABELS[self.readiness]

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.employee_id, "person_name": self.name, "unit": self.unit,
                "fit": round(self.fit, 4), "readiness": self.readiness, "computed_readiness": self.computed,
                "override": self.override, "override_reason": self.override_reason or None,
                "nominated": self.nominated, "hours_to_ready": round(self.hours_to_ready, 1),
                "months_to_ready": round(self.months_to_ready, 1),
                "gaps": [g.as_dict() for g in self.gaps]}


@dataclass(frozen=True)
class SuccessorReport:
    key_position: KeyPosition
    as_of: date
    holders: list[str]
    considered: int
    bench: Bench
    successors: list[Successor]
    emergency_cover: list[Successor]
    threshold: float
    # Outside the caller's scope the holder's name and the risk of losing them are withheld.
    in_scope: bool = True

    @property
    def risk_of_loss(self) -> str | None:
        return self.key_position.risk_of_loss if self.in_scope else None

    def as_dict(self) -> dict[str, Any]:
        kp = self.key_position
        return {"key_position": kp.pk, "title": str(kp), "role": kp.role.external_id, "unit": kp.unit.external_id,
                "position": kp.position.external_id if kp.position_id else None,
                "risk_of_loss": self.risk_of_loss, "impact": kp.impact, "as_of": self.as_of.isoformat(),
                "holders": self.holders if self.in_scope else None, "in_scope": self.in_scope,
                "threshold": self.threshold, "considered": self.considered,
                "bench": bench_dict(self.bench),
                "successors": [s.as_dict() for s in self.successors],
                "emergency_cover": [{"person": s.employee_id, "person_name": s.name, "fit": round(s.fit, 4)}
                                    for s in self.emergency_cover]}


def bench_dict(bench: Bench) -> dict[str, Any]:
    return {"ready_now": bench.ready_now, "ready_1_2_years": bench.ready_soon,
            "ready_3_plus_years": bench.ready_later, "strength": bench.strength, "flagged": bench.flagged}


def holder_pks(key_position: KeyPosition) -> list[int]:
    """Who holds the key position now (read fresh: a position may have changed hands since loading)."""
    from compms.organisation.models import Position

    seats = Position.objects.filter(holder__isnull=False)
    if key_position.position_id:
        seats = seats.filter(pk=key_position.position_id)
    else:
        seats = seats.filter(role_id=key_position.role_id, unit_id=key_position.unit_id)
    return sorted(set(seats.values_list("holder_id", flat=True)))


def holder_indices(snapshot: Snapshot, key_position: KeyPosition) -> np.ndarray:
    return snapshot.person_indices(holder_pks(key_position))


def latest_overrides(key_positions: Iterable[int]) -> dict[tuple[int, int], ReadinessOverride]:
    """Latest override per (key position, person); a withdrawn one (empty readiness) is kept as such."""
    latest: dict[tuple[int, int], ReadinessOverride] = {}
    for row in ReadinessOverride.objects.filter(key_position_id__in=list(key_positions)).order_by(
            "key_position_id", "person_id", "-made_at", "-id"):
        latest.setdefault((row.key_position_id, row.person_id), row)
    return latest


def _successor(snapshot: Snapshot, m: RoleMeasure, p: int, override: ReadinessOverride | None,
               nominated: bool, pace: Pace, with_gaps: bool = True) -> Successor:
    gaps: list[GapLine] = []
    if with_gaps and m.k:
        own = m.rows.take(slice(p * m.k, (p + 1) * m.k))
        gaps = gap_lines(snapshot, own.take(own.status != GAP_MET))
    hours = float(m.hours[p])
    return Successor(
        person_pk=int(snapshot.person_pk[p]), employee_id=str(snapshot.person_employee_id[p]),
        name=str(snapshot.person_name[p]), unit=snapshot.unit_name[snapshot.person_unit[p]],
        fit=float(m.fit[p]), weighted_gap=int(m.weighted_gap[p]), hours_to_ready=hours,
        months_to_ready=hours / pace.hours_per_month, computed=READINESS[int(m.band[p])],
        override=(override.readiness or None) if override else None,
        override_reason=override.reason if override and override.readiness else "", nominated=nominated,
        gaps=gaps)


def successors(key_position: KeyPosition, as_of: date | None = None, *, visible: np.ndarray | None = None,
               threshold: float = DEFAULT_THRESHOLD, top: int = DEFAULT_TOP, snapshot: Snapshot | None = None,
               measure: RoleMeasure | None = None, pace: Pace | None = None,
               overrides: dict[tuple[int, int], ReadinessOverride] | None = None,
               nominated_pks: set[int] | None = None, in_scope: bool = True) -> SuccessorReport:
    """Computed (fit >= threshold) and nominated successors of a key position, ranked by readiness
    (override first), then fit, then smaller weighted gap, then name; the holder(s) are not their own
    successors. ``visible`` limits the people listed and counted (a manager sees their team);
    ``in_scope`` False withholds the holder and the risk of loss."""
    from compms.evidence.proficiency import today

    as_of = as_of or today()
    pace = pace or Pace()
    snapshot = snapshot or load_snapshot()
    role = snapshot.role_index.get(key_position.role_id)
    n = snapshot.n_people
    holders = holder_indices(snapshot, key_position)
    if overrides is None:
        overrides = latest_overrides([key_position.pk])
    if nominated_pks is None:
        nominated_pks = set(Nomination.objects.filter(key_position=key_position).values_list("person_id", flat=True))
    if role is None or n == 0:
        return SuccessorReport(key_position, as_of, [], 0, bench_of([]), [], [], threshold, in_scope)
    m = measure or measure_role(snapshot, role, as_of, pace=pace)
    allowed = np.ones(n, dtype=bool)
    if visible is not None:
        allowed[:] = False
        allowed[visible] = True
    allowed[holders] = False
    nominated = np.zeros(n, dtype=bool)
    nominated[snapshot.person_indices(sorted(nominated_pks))] = True
    candidate = allowed & ((m.fit >= threshold) | nominated)
    people = np.flatnonzero(candidate)

    # Effective band with overrides (few rows: a dict look-up per override, not per person).
    band = m.band[people].copy()
    override_of: dict[int, ReadinessOverride] = {}
    pk_to_index = {int(snapshot.person_pk[p]): i for i, p in enumerate(people.tolist())}
    for (kp, person_pk), row in overrides.items():
        if kp == key_position.pk and person_pk in pk_to_index:
            override_of[person_pk] = row
            if row.readiness:
                band[pk_to_index[person_pk]] = READINESS.index(row.readiness)
    bench = Bench(ready_now=int((band == 0).sum()), ready_soon=int((band == 1).sum()),
                  ready_later=int((band == 2).sum()))
    names = snapshot.person_name[people].astype(str)
    order = np.lexsort((names, m.weighted_gap[people], -m.fit[people], band))[:max(top, 0)]
    listed = [_successor(snapshot, m, int(people[i]), override_of.get(int(snapshot.person_pk[people[i]])),
                         bool(nominated[people[i]]), pace) for i in order.tolist()]

    # Emergency cover: best current fit among the unit's people and the holders' direct reports.
    cover_mask = np.zeros(n, dtype=bool)
    cover_mask[snapshot.person_indices(_cover_pool_pks(key_position))] = True
    cover_mask &= allowed
    cover_people = np.flatnonzero(cover_mask)
    cover_order = np.lexsort((snapshot.person_name[cover_people].astype(str), -m.fit[cover_people]))
    cover = [_successor(snapshot, m, int(cover_people[i]), None, bool(nominated[cover_people[i]]), pace,
                        with_gaps=False) for i in cover_order[:EMERGENCY_COVER_TOP].tolist()]
    return SuccessorReport(
        key_position=key_position, as_of=as_of,
        holders=[str(snapshot.person_name[h]) for h in holders.tolist()] if in_scope else [],
        considered=int(allowed.sum()),
        bench=bench, successors=listed, emergency_cover=cover, threshold=threshold, in_scope=in_scope)


def _cover_pool_pks(key_position: KeyPosition) -> list[int]:
    from compms.organisation.models import Person

    holders = holder_pks(key_position)
    same_unit = Person.objects.filter(active=True, unit_id=key_position.unit_id).values_list("pk", flat=True)
    reports = Person.objects.filter(active=True, manager_id__in=holders).values_list("pk", flat=True)
    return sorted(set(same_unit) | set(reports))


# ---------------------------------------------------------------- bench strength overview

@dataclass(frozen=True)
class BenchRow:
    key_position: KeyPosition
    holders: list[str]
    bench: Bench
    emergency_cover: list[str]
    # Outside the caller's scope the holder's name and the risk of losing them are withheld.
    in_scope: bool = True

    @property
    def risk_of_loss(self) -> str | None:
        return self.key_position.risk_of_loss if self.in_scope else None

    @property
    def risk_of_loss_label(self) -> str | None:
        return self.key_position.get_risk_of_loss_display() if self.in_scope else None

    def as_dict(self) -> dict[str, Any]:
        kp = self.key_position
        return {"key_position": kp.pk, "title": str(kp), "role": kp.role.external_id, "unit": kp.unit.external_id,
                "risk_of_loss": self.risk_of_loss, "impact": kp.impact,
                "holders": self.holders if self.in_scope else None, "in_scope": self.in_scope,
                **bench_dict(self.bench), "emergency_cover": self.emergency_cover}


@dataclass(frozen=True)
class CompetencyBench:
    label: str
    name: str
    required: int
    key_positions: int
    ready_now: int  # people holding the level
    ready_soon: int  # people one level short

    def as_dict(self) -> dict[str, Any]:
        return {"competency": self.label, "name": self.name, "required": self.required,
                "key_positions": self.key_positions, "ready_now": self.ready_now, "ready_soon": self.ready_soon}


@dataclass(frozen=True)
class BenchReport:
    as_of: date
    positions: list[BenchRow]
    competencies: list[CompetencyBench]

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "positions": [r.as_dict() for r in self.positions],
                "competencies": [c.as_dict() for c in self.competencies]}


def bench_strength(key_positions: Iterable[KeyPosition], as_of: date | None = None, *,
                   visible: np.ndarray | None = None, threshold: float = DEFAULT_THRESHOLD,
                   in_scope: set[int] | None = None) -> BenchReport:
    """Bench per key position (one role measured once however many key positions share it) and per
    critical competency: each essential competency of a key role at the highest level any key role
    asks, with how many people hold it and how many are one level short. ``in_scope`` (key position
    pks, None: all) says where the holder and the risk of loss may be shown."""
    from compms.evidence.proficiency import today

    as_of = as_of or today()
    key_positions = list(key_positions)
    snapshot = load_snapshot()
    pace = Pace()
    outcomes = catalogue_outcomes()
    overrides = latest_overrides([kp.pk for kp in key_positions])
    nominations: dict[int, set[int]] = defaultdict(set)
    for kp, person in Nomination.objects.filter(key_position__in=key_positions).values_list(
            "key_position_id", "person_id"):
        nominations[kp].add(person)
    measures: dict[int, RoleMeasure] = {}
    rows = []
    for kp in key_positions:
        role = snapshot.role_index.get(kp.role_id)
        if role is not None and role not in measures:
            measures[role] = measure_role(snapshot, role, as_of, outcomes, pace)
        report = successors(kp, as_of, visible=visible, threshold=threshold, top=0, snapshot=snapshot,
                            measure=measures.get(role), pace=pace, overrides=overrides,
                            nominated_pks=nominations.get(kp.pk, set()),
                            in_scope=in_scope is None or kp.pk in in_scope)
        rows.append(BenchRow(kp, report.holders if report.in_scope else [], report.bench,
                             [s.name for s in report.emergency_cover], in_scope=report.in_scope))

    # Critical competencies.
    need: dict[int, int] = {}
    count: dict[int, int] = defaultdict(int)
    for kp in key_positions:
        role = snapshot.role_index.get(kp.role_id)
        if role is None:
            continue
        lines = snapshot.role_lines(role)
        for claim, req, ess in zip(snapshot.line_claim[lines].tolist(), snapshot.line_required[lines].tolist(),
                                   snapshot.line_essential[lines].tolist()):
            if ess:
                need[claim] = max(need.get(claim, 0), req)
                count[claim] += 1
    gap_state = gap_analysis.state(snapshot, as_of)
    people = np.arange(snapshot.n_people, dtype=np.int64) if visible is None else np.asarray(visible, np.int64)
    competencies = []
    for claim, req in need.items():
        level, _status, _verified = gap_state.proficiency.lookup(people, np.full(len(people), claim))
        c = snapshot.claims[claim]
        competencies.append(CompetencyBench(label=c.label, name=c.name, required=req, key_positions=count[claim],
                                            ready_now=int((level >= req).sum()),
                                            ready_soon=int((level == req - 1).sum())))
    competencies.sort(key=lambda c: (c.ready_now, c.label))
    return BenchReport(as_of=as_of, positions=rows, competencies=competencies)


# ---------------------------------------------------------------- careers

@dataclass(frozen=True)
class Development:
    competency: str
    resource: str
    entry: int
    exit: int
    hours: float


@dataclass(frozen=True)
class CareerOption:
    role_pk: int
    role: str
    role_name: str
    family: str
    similarity: float
    fit: float
    score: float
    ready: bool
    readiness: str
    hours_to_ready: float
    gaps: list[GapLine]
    development: list[Development]
    openings: list[str]  # vacant position ids of this role

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "role_name": self.role_name, "family": self.family,
                "similarity": round(self.similarity, 4), "fit": round(self.fit, 4), "score": round(self.score, 4),
                "ready": self.ready, "readiness": self.readiness, "hours_to_ready": round(self.hours_to_ready, 1),
                "gaps": [g.as_dict() for g in self.gaps],
                "development": [d.__dict__ for d in self.development], "openings": self.openings}


@dataclass(frozen=True)
class CareerReport:
    person: str
    person_name: str
    as_of: date
    current_roles: list[str]
    options: list[CareerOption]

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.person, "person_name": self.person_name, "as_of": self.as_of.isoformat(),
                "current_roles": self.current_roles, "options": [o.as_dict() for o in self.options]}


def _vacancies_by_role() -> dict[int, list[str]]:
    from compms.organisation.models import Position

    out: dict[int, list[str]] = defaultdict(list)
    for role_id, external_id in Position.objects.filter(holder__isnull=True).order_by("external_id").values_list(
            "role_id", "external_id"):
        out[role_id].append(external_id)
    return out


def careers(person_pk: int, as_of: date | None = None, top: int = 10, only_role: int | None = None) -> CareerReport:
    """Roles a person could move to, ranked by ``career_score`` (profile similarity and fit), each with
    the gaps, the catalogue resources that would close them and the vacant positions of that role.
    ``only_role`` (a role pk) answers "what do I need for role X"."""
    from compms.evidence.proficiency import today
    from compms.organisation.models import Person

    as_of = as_of or today()
    snapshot = load_snapshot()
    person = Person.objects.get(pk=person_pk)
    found = snapshot.person_indices([person_pk])
    if not len(found):
        return CareerReport(person.employee_id, person.name, as_of, [], [])
    p = int(found[0])
    gap_state = gap_analysis.state(snapshot, as_of)
    n_lines = len(snapshot.line_role)
    rows = requirement_rows(gap_state.proficiency, np.full(n_lines, p, dtype=np.int64), snapshot.line_claim,
                            snapshot.line_required, snapshot.line_essential)
    fit = fit_per_person_role(snapshot.line_role, rows.required, rows.essential, rows.gap, snapshot.n_roles)
    held_roles = set(snapshot.assign_role[snapshot.assign_person == p].tolist())

    # Profile vectors over claims: the person's current roles merged (highest level), or, for someone
    # holding no role, the levels they hold.
    n_claims = max(snapshot.n_claims, 1)
    role_vectors = np.zeros((snapshot.n_roles, n_claims), dtype=np.float64)
    np.maximum.at(role_vectors, (snapshot.line_role, snapshot.line_claim), snapshot.line_required.astype(float))
    if held_roles:
        own = role_vectors[sorted(held_roles)].max(axis=0)
    else:
        claims_all = np.arange(n_claims, dtype=np.int64)
        own = gap_state.proficiency.lookup(np.full(n_claims, p), claims_all)[0].astype(float)
    norms = np.linalg.norm(role_vectors, axis=1) * (np.linalg.norm(own) or 1.0)
    similarity = np.where(norms > 0, role_vectors @ own / np.where(norms > 0, norms, 1), 0.0)

    candidates = [r for r in range(snapshot.n_roles)
                  if (only_role is None and r not in held_roles and snapshot.role_line_start[r + 1] >
                      snapshot.role_line_start[r])
                  or (only_role is not None and int(snapshot.role_pk[r]) == only_role)]
    scores = {r: career_score(float(similarity[r]), float(fit.fit[r])) for r in candidates}
    ranked = sorted(candidates, key=lambda r: (-scores[r], snapshot.role_name[r]))[:max(top, 0)]
    outcomes = catalogue_outcomes()
    by_uuid: dict[uuid_module.UUID, list[CatalogueOutcome]] = defaultdict(list)
    for o in outcomes:
        by_uuid[o.uuid].append(o)
    vacancies = _vacancies_by_role()
    pace = Pace()
    options = []
    for r in ranked:
        lines = snapshot.role_lines(r)
        own_rows = rows.take(np.arange(lines.start, lines.stop))
        unmet = own_rows.take(own_rows.status != GAP_MET)
        development: list[Development] = []
        hours = 0.0
        for claim, level, required in zip(unmet.claim.tolist(), unmet.level.tolist(), unmet.required.tolist()):
            c = snapshot.claims[claim]
            usable = [o for o in by_uuid.get(c.uuid, []) if o.entry <= level < o.exit]
            hours += hours_to_close(level, required, [Outcome(o.uuid, o.entry, o.exit, o.hours)
                                                      for o in by_uuid.get(c.uuid, [])],
                                    pace.default_hours_per_level)
            for o in sorted(usable, key=lambda o: (-min(o.exit, required), o.hours))[:2]:
                development.append(Development(c.label, o.resource, o.entry, o.exit, o.hours))
        ready = bool(fit.ready[r])
        band = READY_NOW if ready else READINESS[int(readiness_codes(np.array([False]), np.array([hours]))[0])]
        options.append(CareerOption(
            role_pk=int(snapshot.role_pk[r]), role=snapshot.role_external_id[r], role_name=snapshot.role_name[r],
            family=snapshot.role_family[r], similarity=float(similarity[r]), fit=float(fit.fit[r]),
            score=scores[r], ready=ready, readiness=band, hours_to_ready=hours,
            gaps=gap_lines(snapshot, unmet), development=development,
            openings=vacancies.get(int(snapshot.role_pk[r]), [])))
    current = [snapshot.role_external_id[r] for r in sorted(held_roles)]
    return CareerReport(person.employee_id, person.name, as_of, current, options)


@dataclass(frozen=True)
class OpeningCandidate:
    employee_id: str
    name: str
    fit: float
    ready: bool


def people_for_opening(position_pk: int, as_of: date | None = None, top: int = 10,
                       visible: np.ndarray | None = None) -> list[OpeningCandidate]:
    """Best-fitting people for a vacant position's role, holders of the role left out."""
    from compms.evidence.proficiency import today
    from compms.organisation.models import Position

    position = Position.objects.get(pk=position_pk)
    snapshot = load_snapshot()
    role = snapshot.role_index.get(position.role_id)
    if role is None or not snapshot.n_people:
        return []
    m = measure_role(snapshot, role, as_of or today(), outcomes=[])
    allowed = np.ones(snapshot.n_people, dtype=bool)
    if visible is not None:
        allowed[:] = False
        allowed[visible] = True
    allowed[snapshot.assign_person[snapshot.assign_role == role]] = False
    people = np.flatnonzero(allowed)
    order = np.lexsort((snapshot.person_name[people].astype(str), -m.fit[people]))[:max(top, 0)]
    return [OpeningCandidate(str(snapshot.person_employee_id[p]), str(snapshot.person_name[p]), float(m.fit[p]),
                             bool(m.ready_now[p])) for p in people[order].tolist()]


def computed_readiness(key_position: KeyPosition, person: Any, as_of: date | None = None) -> str:
    """What the evidence says of one person for a key position's role (kept with an override)."""
    from compms.evidence.proficiency import today

    snapshot = load_snapshot()
    role = snapshot.role_index.get(key_position.role_id)
    found = snapshot.person_indices([person.pk])
    if role is None or not len(found):
        return READINESS[-1]
    m = measure_role(snapshot, role, as_of or today())
    return READINESS[int(m.band[int(found[0])])]
