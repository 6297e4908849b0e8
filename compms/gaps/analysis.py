"""Gap analysis on arrays: per competency, unit, role and cell; risk; best fit; level distribution.

Everything here works on a `Snapshot` (compms.gaps.loader) and the core array engine; no query
runs in this module. The per-date work (rollup, requirement gaps, fit) is done once per as-of date
and kept on the snapshot (`state`); a report then only masks and counts.

Which requirements count. A person holding several roles is measured once per competency, at the
highest level any of their roles asks (`merge_requirement_rows`), as DESIGN.md says for a person's
own gaps; with a role filter only that role's lines count. Fit is always a person against one whole
role profile, so the framework and criticality filters narrow the competency views and the
heatmap, not fit. The organisation is today's (units, people, positions); the as-of date moves the
evidence clock only: "how would today's organisation have stood on that date".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from compms.core.dates import NO_EXPIRY
from compms.core.fit import GAP_STATUSES
from compms.core.gaparrays import (
    GAP_MET,
    PROFICIENCY_EXPIRED,
    PROFICIENCY_HELD,
    FitArrays,
    ProficiencyTable,
    RequirementRows,
    aggregate_by_competency,
    aggregate_by_unit,
    aggregate_by_unit_competency,
    fit_per_person_role,
    merge_requirement_rows,
    requirement_gaps_arrays,
    rollup_arrays,
)
from compms.core.rollup import POLICIES, SOURCES
from compms.evidence import proficiency as prof
from compms.gaps.loader import Claim, Snapshot, disk_cache
from compms.gaps.series import LevelSeries, levels_on_dates, sorted_unique

ESSENTIAL = "essential"
DESIRABLE = "desirable"
CRITICALITIES = (ESSENTIAL, DESIRABLE)
STATES_KEPT = 4  # as-of dates kept per snapshot (today, and a few a user is comparing)
SERIES_KEPT = 4
HORIZON_MONTHS = 12


# ---------------------------------------------------------------- the per-date state

@dataclass(frozen=True)
class RowSet:
    """Requirement rows (one per person x competency, or per person x role line), parallel arrays."""

    person: np.ndarray
    claim: np.ndarray
    required: np.ndarray
    essential: np.ndarray
    level: np.ndarray
    gap: np.ndarray
    status: np.ndarray  # GAP_* code
    verified: np.ndarray

    def __len__(self) -> int:
        return len(self.person)

    def take(self, mask_or_index: np.ndarray) -> RowSet:
        return RowSet(**{name: getattr(self, name)[mask_or_index] for name in self.__dataclass_fields__})


@dataclass
class GapState:
    as_of: date
    proficiency: ProficiencyTable
    prof_valid_until: np.ndarray  # per proficiency row
    prof_source: np.ndarray  # per proficiency row, -1 when not held
    assigned: RowSet  # one row per assignment x role line
    assigned_group: np.ndarray  # assignment index of each assigned row
    assigned_role: np.ndarray
    fit: FitArrays  # per assignment
    merged: RowSet  # one row per person x competency


ROLLUP_ARRAYS = ("pair_key", "level", "status", "verified", "winner")


def _rollup(snapshot: Snapshot, as_of: date) -> ProficiencyTable:
    """Everyone's proficiency on `as_of`. Today's is also kept on disk for the exact data version, so a
    new process (a command, another server worker) reads it instead of rolling up again."""
    keep_on_disk = as_of == prof.today()
    key = f"{as_of.isoformat()}|{len(snapshot.evidence)}|{snapshot.n_people}|{snapshot.n_claims}"
    if keep_on_disk:
        saved = disk_cache.load_result(snapshot.using, "rollup", snapshot.version, key)
        if saved is not None and all(name in saved for name in ROLLUP_ARRAYS):
            return ProficiencyTable(snapshot.n_people, max(snapshot.n_claims, 1),
                                    **{name: saved[name] for name in ROLLUP_ARRAYS})
    table = _rollup_by_policy(snapshot, as_of)
    if keep_on_disk:
        disk_cache.save_result(snapshot.using, "rollup", snapshot.version, key,
                               {name: getattr(table, name) for name in ROLLUP_ARRAYS})
    return table


def _rollup_by_policy(snapshot: Snapshot, as_of: date) -> ProficiencyTable:
    """`rollup_arrays` per rollup policy (each framework chooses one), joined into one table."""
    evidence = snapshot.evidence
    tables: list[tuple[ProficiencyTable, np.ndarray]] = []
    for code in np.flatnonzero(np.bincount(snapshot.evidence_policy, minlength=len(POLICIES))).tolist():
        rows = np.flatnonzero(snapshot.evidence_policy == code)
        table = rollup_arrays(
            person_idx=evidence.person_idx[rows], comp_idx=evidence.comp_idx[rows], level=evidence.level[rows],
            source_code=evidence.source_code[rows], recorded_ord=evidence.recorded_ord[rows],
            valid_until_ord=evidence.valid_until_ord[rows], active_mask=evidence.active[rows],
            as_of_ord=as_of.toordinal(), n_people=snapshot.n_people, n_comps=max(snapshot.n_claims, 1),
            policy=POLICIES[code], evidence_id=evidence.evidence_id[rows])
        tables.append((table, rows))
    if not tables:
        empty = np.zeros(0, dtype=np.int64)
        return ProficiencyTable(snapshot.n_people, max(snapshot.n_claims, 1), empty, empty.astype(np.int16),
                                empty.astype(np.int8), empty.astype(bool), empty)
    pair_key = np.concatenate([t.pair_key for t, _ in tables])
    # Winners point into each policy's subset; map them back to rows of the snapshot's evidence.
    winner = np.concatenate([np.where(t.winner >= 0, rows[np.maximum(t.winner, 0)], -1) for t, rows in tables])
    order = np.argsort(pair_key, kind="stable")
    return ProficiencyTable(
        n_people=snapshot.n_people, n_comps=max(snapshot.n_claims, 1), pair_key=pair_key[order],
        level=np.concatenate([t.level for t, _ in tables])[order],
        status=np.concatenate([t.status for t, _ in tables])[order],
        verified=np.concatenate([t.verified for t, _ in tables])[order],
        winner=winner[order])


def _rows(proficiency: ProficiencyTable, person: np.ndarray, claim: np.ndarray, required: np.ndarray,
          essential: np.ndarray) -> RowSet:
    gaps = requirement_gaps_arrays(person, claim, required, proficiency)
    return RowSet(person=person, claim=claim, required=required.astype(np.int16), essential=essential.astype(bool),
                  level=gaps.proficiency, gap=gaps.gap, status=gaps.status, verified=gaps.verified)


def evidence_details(gap_state: GapState, rows: RowSet) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the counted evidence's last valid day (NO_EXPIRY when none or open-ended) and
    source (SOURCES position, -1 when none). Looked up only for the rows a page or an export shows."""
    position = gap_state.proficiency.positions(rows.person, rows.claim)
    found = position >= 0
    if not len(gap_state.prof_valid_until):
        return np.full(len(rows), NO_EXPIRY, dtype=np.int64), np.full(len(rows), -1, dtype=np.int8)
    safe = np.where(found, position, 0)
    valid_until = np.where(found, gap_state.prof_valid_until[safe], NO_EXPIRY).astype(np.int64)
    source = np.where(found, gap_state.prof_source[safe], -1).astype(np.int8)
    return valid_until, source


def state(snapshot: Snapshot, as_of: date) -> GapState:
    """Rollup, requirement gaps and fit of everyone on `as_of`, computed once per snapshot and date."""
    key = ("state", as_of)
    found = snapshot.derived.get(key)
    if found is not None:
        return found
    proficiency = _rollup(snapshot, as_of)
    held = proficiency.winner >= 0
    winner = np.maximum(proficiency.winner, 0)
    evidence = snapshot.evidence
    prof_valid_until = np.where(held, evidence.valid_until_ord[winner] if len(evidence) else NO_EXPIRY, NO_EXPIRY)
    prof_source = np.where(held, evidence.source_code[winner] if len(evidence) else -1, -1).astype(np.int8)

    # Expand assignments (person x role) into one row per line of the role's profile.
    starts = snapshot.role_line_start[snapshot.assign_role]
    counts = snapshot.role_line_start[snapshot.assign_role + 1] - starts
    group = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    first_of_group = np.repeat(np.cumsum(counts) - counts, counts)
    line = np.repeat(starts, counts) + (np.arange(len(group), dtype=np.int64) - first_of_group)
    person = snapshot.assign_person[group]
    assigned = _rows(proficiency, person, snapshot.line_claim[line], snapshot.line_required[line],
                     snapshot.line_essential[line])
    fit = fit_per_person_role(group, assigned.required, assigned.essential, assigned.gap, len(counts))

    merged_lines = merge_requirement_rows(
        RequirementRows(person_idx=person.astype(np.int32), comp_idx=assigned.claim.astype(np.int32),
                        required=assigned.required, essential=assigned.essential), max(snapshot.n_claims, 1))
    merged = _rows(proficiency, merged_lines.person_idx.astype(np.int64), merged_lines.comp_idx.astype(np.int64),
                   merged_lines.required, merged_lines.essential)
    result = GapState(as_of=as_of, proficiency=proficiency, prof_valid_until=prof_valid_until,
                      prof_source=prof_source, assigned=assigned, assigned_group=group,
                      assigned_role=snapshot.assign_role[group], fit=fit, merged=merged)
    _remember(snapshot, key, result, STATES_KEPT, "state")
    return result


def _remember(snapshot: Snapshot, key: Any, value: Any, keep: int, kind: str) -> None:
    with snapshot.lock:
        same_kind = [k for k in snapshot.derived if k[0] == kind]
        for old in same_kind[:max(0, len(same_kind) - keep + 1)]:
            snapshot.derived.pop(old, None)
        snapshot.derived[key] = value


# ---------------------------------------------------------------- filters and scope

@dataclass(frozen=True)
class Filters:
    """What a report looks at. Indices are the snapshot's; None means "all"."""

    as_of: date
    unit: int | None = None
    role: int | None = None
    framework: int | None = None
    criticality: str | None = None  # "essential" | "desirable"


@dataclass(frozen=True)
class Scope:
    """Filters plus whose data the viewer may see (`visible`: person indices, None for everyone)."""

    filters: Filters
    visible: np.ndarray | None = None

    def people_mask(self, snapshot: Snapshot) -> np.ndarray:
        mask = np.ones(snapshot.n_people, dtype=bool)
        if self.filters.unit is not None:
            subtree = np.zeros(snapshot.n_units, dtype=bool)
            subtree[snapshot.subtree_units(self.filters.unit)] = True
            mask &= subtree[snapshot.person_unit]
        if self.visible is not None:
            seen = np.zeros(snapshot.n_people, dtype=bool)
            seen[self.visible] = True
            mask &= seen
        return mask


def requirement_rows(snapshot: Snapshot, gap_state: GapState, scope: Scope,
                     apply_criticality: bool = True) -> RowSet:
    """The requirement rows a competency-level report counts, filtered."""
    filters = scope.filters
    if filters.role is not None:
        rows = gap_state.assigned.take(gap_state.assigned_role == filters.role)
    else:
        rows = gap_state.merged
    mask = scope.people_mask(snapshot)[rows.person]
    if filters.framework is not None:
        mask &= snapshot.claim_framework[rows.claim] == filters.framework
    if apply_criticality and filters.criticality is not None:
        mask &= rows.essential == (filters.criticality == ESSENTIAL)
    return rows.take(mask)


# ---------------------------------------------------------------- per competency

@dataclass(frozen=True)
class CompetencyGap:
    claim: int
    framework: str
    competency: str
    competency_name: str
    context: str | None
    uuid: str
    people_required: int
    people_met: int
    people_short: int
    levels_short: int
    held_below: int
    missing: int
    expired: int

    @property
    def share_met(self) -> float:
        return self.people_met / self.people_required if self.people_required else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"framework": self.framework, "competency": self.competency, "competency_name": self.competency_name,
                "context": self.context, "competency_uuid": self.uuid, "people_required": self.people_required,
                "people_met": self.people_met, "people_short": self.people_short,
                "levels_short": self.levels_short, "held_below": self.held_below, "missing": self.missing,
                "expired": self.expired}


def by_competency(snapshot: Snapshot, rows: RowSet) -> list[CompetencyGap]:
    """Per competency with at least one requirement in the rows, by framework and code."""
    n = max(snapshot.n_claims, 1)
    totals = aggregate_by_competency(rows.claim, rows.gap, rows.status, n)
    out = []
    for claim in np.flatnonzero(totals.people_required).tolist():
        c = snapshot.claims[claim]
        out.append(CompetencyGap(
            claim=claim, framework=c.framework, competency=c.code, competency_name=c.name, context=c.context,
            uuid=str(c.uuid), people_required=int(totals.people_required[claim]),
            people_met=int(totals.people_met[claim]), people_short=int(totals.people_short[claim]),
            levels_short=int(totals.levels_short[claim]), held_below=int(totals.held_below[claim]),
            missing=int(totals.missing[claim]), expired=int(totals.expired[claim])))
    out.sort(key=lambda g: (g.framework, g.competency, g.context or ""))
    return out


# ---------------------------------------------------------------- per unit

@dataclass(frozen=True)
class UnitGap:
    unit: int
    external_id: str
    name: str
    depth: int
    requirements: int  # over the unit's whole subtree
    met: int
    levels_short: int
    missing: int
    expired: int

    @property
    def share_met(self) -> float:
        return self.met / self.requirements if self.requirements else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.external_id, "unit_name": self.name, "depth": self.depth,
                "requirements": self.requirements, "met": self.met, "levels_short": self.levels_short,
                "missing": self.missing, "expired": self.expired}


def by_unit(snapshot: Snapshot, rows: RowSet, within: int | None = None) -> list[UnitGap]:
    """Subtree totals for every unit (in `within`'s subtree) that has requirements, in tree order."""
    n = max(snapshot.n_units, 1)
    direct = (aggregate_by_unit(rows.person, rows.gap, rows.status, snapshot.person_unit, n)
              if snapshot.n_units else None)
    if direct is None:
        return []

    def subtree_total(values: np.ndarray) -> np.ndarray:
        # Units are sorted by path, so a subtree is the run [u, end[u]): prefix sums give each total.
        prefix = np.concatenate([[0], np.cumsum(values)])
        return prefix[snapshot.unit_subtree_end] - prefix[:snapshot.n_units]

    requirements = subtree_total(direct.requirements)
    met = subtree_total(direct.met)
    levels_short = subtree_total(direct.levels_short)
    missing = subtree_total(direct.missing)
    expired = subtree_total(direct.expired)
    units = snapshot.subtree_units(within) if within is not None else np.arange(snapshot.n_units)
    # Depth below the scope: its own row is 0 (a root's path "/1/" has two slashes).
    base_depth = snapshot.unit_path[within].count("/") if within is not None else 2
    return [UnitGap(unit=u, external_id=snapshot.unit_external_id[u], name=snapshot.unit_name[u],
                    depth=snapshot.unit_path[u].count("/") - base_depth, requirements=int(requirements[u]),
                    met=int(met[u]), levels_short=int(levels_short[u]), missing=int(missing[u]),
                    expired=int(expired[u]))
            for u in units.tolist() if requirements[u]]


# ---------------------------------------------------------------- per role

@dataclass(frozen=True)
class RoleSummary:
    role: int
    external_id: str
    name: str
    family: str
    people: int
    average_fit: float
    ready: int

    @property
    def share_ready(self) -> float:
        return self.ready / self.people if self.people else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.external_id, "role_name": self.name, "family": self.family, "people": self.people,
                "average_fit": round(self.average_fit, 4), "ready": self.ready,
                "share_ready": round(self.share_ready, 4)}


def assignment_mask(snapshot: Snapshot, scope: Scope) -> np.ndarray:
    mask = scope.people_mask(snapshot)[snapshot.assign_person]
    if scope.filters.role is not None:
        mask &= snapshot.assign_role == scope.filters.role
    return mask


def by_role(snapshot: Snapshot, gap_state: GapState, scope: Scope) -> list[RoleSummary]:
    """Average fit and share ready per role, over the people in scope who hold it."""
    mask = assignment_mask(snapshot, scope)
    roles = snapshot.assign_role[mask]
    n = max(snapshot.n_roles, 1)
    people = np.bincount(roles, minlength=n)
    fit_sum = np.bincount(roles, weights=gap_state.fit.fit[mask], minlength=n)
    ready = np.bincount(roles[gap_state.fit.ready[mask]], minlength=n)
    out = [RoleSummary(role=r, external_id=snapshot.role_external_id[r], name=snapshot.role_name[r],
                       family=snapshot.role_family[r], people=int(people[r]),
                       average_fit=float(fit_sum[r] / people[r]), ready=int(ready[r]))
           for r in np.flatnonzero(people).tolist()]
    out.sort(key=lambda s: (s.name, s.external_id))
    return out


@dataclass(frozen=True)
class Holder:
    """A person holding a role, measured against it."""

    person: int
    employee_id: str
    name: str
    unit: str
    fit: float
    ready: bool
    essentials_unmet: int
    unmet: int


def role_holders(snapshot: Snapshot, gap_state: GapState, scope: Scope, role: int) -> list[Holder]:
    """The people in scope who hold `role`, lowest fit first."""
    assignments = np.flatnonzero(assignment_mask(snapshot, scope) & (snapshot.assign_role == role))
    wanted = np.zeros(len(snapshot.assign_role), dtype=bool)
    wanted[assignments] = True
    rows = gap_state.assigned.take(wanted[gap_state.assigned_group])
    groups = gap_state.assigned_group[wanted[gap_state.assigned_group]]
    size = len(snapshot.assign_role)
    unmet = np.bincount(groups, weights=(rows.status != GAP_MET), minlength=size)
    essentials = np.bincount(groups, weights=(rows.status != GAP_MET) & rows.essential, minlength=size)
    out = []
    for a in assignments.tolist():
        p = int(snapshot.assign_person[a])
        out.append(Holder(person=p, employee_id=str(snapshot.person_employee_id[p]),
                          name=str(snapshot.person_name[p]), unit=snapshot.unit_name[snapshot.person_unit[p]],
                          fit=float(gap_state.fit.fit[a]), ready=bool(gap_state.fit.ready[a]),
                          essentials_unmet=int(essentials[a]), unmet=int(unmet[a])))
    out.sort(key=lambda h: (h.fit, h.name))
    return out


@dataclass(frozen=True)
class RoleLine:
    """One line of a role's profile, over the people in scope who hold the role."""

    claim: Claim
    required: int
    essential: bool
    people: int
    met: int
    levels_short: int
    missing: int
    expired: int

    @property
    def share_met(self) -> float:
        return self.met / self.people if self.people else 1.0


def role_lines_summary(snapshot: Snapshot, gap_state: GapState, scope: Scope, role: int) -> list[RoleLine]:
    lines = snapshot.role_lines(role)
    mask = assignment_mask(snapshot, scope)[gap_state.assigned_group] & (gap_state.assigned_role == role)
    rows = gap_state.assigned.take(mask)
    n = max(snapshot.n_claims, 1)
    totals = aggregate_by_competency(rows.claim, rows.gap, rows.status, n)
    return [RoleLine(claim=snapshot.claims[c], required=int(r), essential=bool(e),
                     people=int(totals.people_required[c]), met=int(totals.people_met[c]),
                     levels_short=int(totals.levels_short[c]), missing=int(totals.missing[c]),
                     expired=int(totals.expired[c]))
            for c, r, e in zip(snapshot.line_claim[lines].tolist(), snapshot.line_required[lines].tolist(),
                               snapshot.line_essential[lines].tolist())]


# ---------------------------------------------------------------- the whole report

@dataclass(frozen=True)
class GapReport:
    as_of: date
    scope_unit: str | None
    competencies: list[CompetencyGap]
    units: list[UnitGap]
    roles: list[RoleSummary]
    people: int
    requirements: int
    met: int

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope_unit or "organisation", "as_of": self.as_of.isoformat(), "people": self.people,
                "requirements": self.requirements, "met": self.met,
                "competencies": [c.as_dict() for c in self.competencies],
                "units": [u.as_dict() for u in self.units],
                "roles": [r.as_dict() for r in self.roles]}


def gap_report(snapshot: Snapshot, scope: Scope) -> GapReport:
    gap_state = state(snapshot, scope.filters.as_of)
    rows = requirement_rows(snapshot, gap_state, scope)
    unit = scope.filters.unit
    return GapReport(
        as_of=scope.filters.as_of, scope_unit=snapshot.unit_external_id[unit] if unit is not None else None,
        competencies=by_competency(snapshot, rows), units=by_unit(snapshot, rows, unit),
        roles=by_role(snapshot, gap_state, scope), people=int(scope.people_mask(snapshot).sum()),
        requirements=len(rows), met=int((rows.status == GAP_MET).sum()))


# ---------------------------------------------------------------- heatmap and its cells

DIRECT = "direct"  # a heatmap row for the people directly in the scope unit, not in a child


@dataclass(frozen=True)
class HeatmapRow:
    unit: int
    direct: bool  # True: only the people directly in `unit`; False: its whole subtree
    label: str


@dataclass(frozen=True)
class Heatmap:
    rows: list[HeatmapRow]
    columns: list[int]  # claim indices
    requirements: np.ndarray  # [rows, columns]
    met: np.ndarray
    levels_short: np.ndarray
    missing: np.ndarray
    expired: np.ndarray
    more_columns: int  # competencies left out to keep the map readable


def heatmap(snapshot: Snapshot, scope: Scope, max_columns: int = 20) -> Heatmap:
    """Units (the scope's children, each with its subtree) x competencies: requirements met.

    Columns are the competencies most often required in scope, shown in framework and code order."""
    gap_state = state(snapshot, scope.filters.as_of)
    rows = requirement_rows(snapshot, gap_state, scope)
    parent = heatmap_parent(snapshot, scope)
    heat_rows: list[HeatmapRow] = []
    unit_row = np.full(max(snapshot.n_units, 1), -1, dtype=np.int64)
    if parent is not None:
        unit_row[parent] = 0
        heat_rows.append(HeatmapRow(parent, True, f"{snapshot.unit_name[parent]} (directly)"))
    for child in snapshot.children(parent):
        unit_row[snapshot.subtree_units(child)] = len(heat_rows)
        heat_rows.append(HeatmapRow(child, False, snapshot.unit_name[child]))
    counts = np.bincount(rows.claim, minlength=max(snapshot.n_claims, 1))
    present = np.flatnonzero(counts)
    top = present[np.argsort(-counts[present], kind="stable")[:max_columns]]
    columns = sorted(top.tolist(), key=lambda c: (snapshot.claims[c].framework, snapshot.claims[c].code))
    column_of = np.full(max(snapshot.n_claims, 1), -1, dtype=np.int64)
    column_of[columns] = np.arange(len(columns))
    person_row = unit_row[snapshot.person_unit]
    keep = (person_row[rows.person] >= 0) & (column_of[rows.claim] >= 0)
    picked = rows.take(keep)
    grid = aggregate_by_unit_competency(
        picked.person, column_of[picked.claim], picked.gap, picked.status,
        np.where(person_row >= 0, person_row, len(heat_rows)), len(heat_rows) + 1, max(len(columns), 1))
    trim = slice(0, len(heat_rows))
    cols = slice(0, len(columns))
    # Drop rows with no requirement in any shown column (an empty unit tells nothing).
    shown = [i for i in range(len(heat_rows)) if grid.requirements[i, cols].sum() > 0]
    return Heatmap(rows=[heat_rows[i] for i in shown], columns=columns,
                   requirements=grid.requirements[trim, cols][shown], met=grid.met[trim, cols][shown],
                   levels_short=grid.levels_short[trim, cols][shown], missing=grid.missing[trim, cols][shown],
                   expired=grid.expired[trim, cols][shown], more_columns=max(0, len(present) - len(columns)))


def heatmap_parent(snapshot: Snapshot, scope: Scope) -> int | None:
    """The unit whose children are the heatmap's rows: the scope unit, or for the whole
    organisation its single root (a map with one row for "everyone" says nothing)."""
    if scope.filters.unit is not None:
        return scope.filters.unit
    roots = snapshot.children(None)
    return roots[0] if len(roots) == 1 else None


@dataclass(frozen=True)
class PersonLine:
    """One person's standing against one requirement (a drill-down row)."""

    employee_id: str
    name: str
    unit: str
    required: int
    proficiency: int
    gap: int
    status: str
    criticality: str
    verified: bool
    source: str | None
    valid_until: date | None
    competency: str = ""  # FRAMEWORK:CODE, when a list mixes competencies

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.employee_id, "person_name": self.name, "unit": self.unit,
                "competency": self.competency or None, "required": self.required,
                "proficiency": self.proficiency, "gap": self.gap, "status": self.status,
                "criticality": self.criticality, "verified": self.verified, "source": self.source,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None}


def _date_or_none(ordinal: int) -> date | None:
    return None if ordinal == NO_EXPIRY else date.fromordinal(int(ordinal))


def person_lines(snapshot: Snapshot, gap_state: GapState, rows: RowSet,
                 with_competency: bool = False) -> list[PersonLine]:
    unit_of = snapshot.person_unit
    valid_until, source = evidence_details(gap_state, rows)
    return [PersonLine(
        employee_id=str(snapshot.person_employee_id[p]), name=str(snapshot.person_name[p]),
        unit=snapshot.unit_name[unit_of[p]], required=int(r), proficiency=int(lv), gap=int(g),
        status=GAP_STATUSES[s], criticality=ESSENTIAL if e else DESIRABLE, verified=bool(v),
        source=SOURCES[src] if src >= 0 else None, valid_until=_date_or_none(vu),
        competency=snapshot.claims[c].label if with_competency else "")
        for p, c, r, lv, g, s, e, v, src, vu in zip(
            rows.person.tolist(), rows.claim.tolist(), rows.required.tolist(), rows.level.tolist(),
            rows.gap.tolist(), rows.status.tolist(), rows.essential.tolist(), rows.verified.tolist(),
            source.tolist(), valid_until.tolist())]


STATUS_ORDER = np.array([3, 2, 1, 0], dtype=np.int64)  # sort key per GAP_* code: expired, missing, short, met


def cell_rows(snapshot: Snapshot, scope: Scope, claim: int, direct: bool = False,
              status: str | None = None) -> RowSet:
    """The requirement rows behind a heatmap cell (or a competency line): the people in the scope
    unit (only directly in it when `direct`) who need `claim`, worst first, then by name."""
    gap_state = state(snapshot, scope.filters.as_of)
    rows = requirement_rows(snapshot, gap_state, scope)
    mask = rows.claim == claim
    if direct and scope.filters.unit is not None:
        mask &= snapshot.person_unit[rows.person] == scope.filters.unit
    if status is not None:
        mask &= rows.status == GAP_STATUSES.index(status)
    picked = rows.take(mask)
    names = snapshot.person_name[picked.person].astype(str)
    order = np.lexsort((names, -picked.gap.astype(np.int64), STATUS_ORDER[picked.status]))
    return picked.take(order)


# ---------------------------------------------------------------- risk

@dataclass(frozen=True)
class SinglePoint:
    """An essential competency that 0 or 1 people in a unit hold at the level the unit needs."""

    unit: int
    unit_name: str
    unit_external_id: str
    claim: Claim
    required: int  # the highest level any essential requirement in the unit asks
    people_requiring: int
    holders: int  # people in the unit (any role) at or above `required`
    holder: str | None  # the one holder's name, when there is exactly one

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit_external_id, "unit_name": self.unit_name, "framework": self.claim.framework,
                "competency": self.claim.code, "competency_name": self.claim.name, "context": self.claim.context,
                "required": self.required, "people_requiring": self.people_requiring, "holders": self.holders,
                "holder": self.holder}


def single_points(snapshot: Snapshot, scope: Scope) -> list[SinglePoint]:
    """Per unit (people directly in it) and essential competency: who could do the work at the
    highest level the unit's essential requirements ask. Holding the highest level is the strictest
    test (anyone at it also covers the lower ones), so a unit passes only if two people can cover
    its most demanding essential need."""
    gap_state = state(snapshot, scope.filters.as_of)
    rows = requirement_rows(snapshot, gap_state, scope, apply_criticality=False)
    rows = rows.take(rows.essential)
    n_claims = max(snapshot.n_claims, 1)
    key = snapshot.person_unit[rows.person] * n_claims + rows.claim
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    if not len(sorted_key):
        return []
    starts = np.flatnonzero(np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]]))
    group_key = sorted_key[starts]
    required = np.maximum.reduceat(rows.required[order], starts)
    requiring = np.diff(np.append(starts, len(sorted_key)))

    proficiency = gap_state.proficiency
    person = proficiency.person_idx.astype(np.int64)
    in_scope = scope.people_mask(snapshot)[person] & (proficiency.status == PROFICIENCY_HELD)
    holder_key = snapshot.person_unit[person] * n_claims + proficiency.comp_idx.astype(np.int64)
    position = np.minimum(np.searchsorted(group_key, holder_key), len(group_key) - 1)
    holds = in_scope & (group_key[position] == holder_key)
    holds[holds] = proficiency.level[holds] >= required[position[holds]]
    holders = np.bincount(position[holds], minlength=len(group_key))
    holder_person = np.full(len(group_key), -1, dtype=np.int64)
    holder_person[position[holds]] = person[holds]

    out = []
    for g in np.flatnonzero(holders <= 1).tolist():
        unit, claim = divmod(int(group_key[g]), n_claims)
        out.append(SinglePoint(
            unit=unit, unit_name=snapshot.unit_name[unit], unit_external_id=snapshot.unit_external_id[unit],
            claim=snapshot.claims[claim], required=int(required[g]), people_requiring=int(requiring[g]),
            holders=int(holders[g]),
            holder=str(snapshot.person_name[holder_person[g]]) if holders[g] == 1 else None))
    out.sort(key=lambda s: (s.holders, -s.people_requiring, snapshot.unit_path[s.unit], s.claim.label))
    return out


def month_ends(start: date, months: int) -> list[date]:
    """The last day of `start`'s month and of the following `months - 1` months."""
    out = []
    year, month = start.year, start.month
    for _ in range(months):
        out.append(date(year, month, calendar.monthrange(year, month)[1]))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def _series(snapshot: Snapshot, dates: list[date], wanted_pairs: np.ndarray | None, tag: Any) -> LevelSeries:
    key = ("series", tuple(dates), tag)
    found = snapshot.derived.get(key)
    if found is None:
        found = levels_on_dates(snapshot.evidence, snapshot.evidence_policy, max(snapshot.n_claims, 1),
                                [d.toordinal() for d in dates], wanted_pairs)
        _remember(snapshot, key, found, SERIES_KEPT, "series")
    return found


@dataclass(frozen=True)
class ExpiryMonth:
    month: date  # first day of the month
    requirements: int  # requirements met now that stop being met during the month
    people: int
    top_competencies: list[tuple[str, int]]  # (FRAMEWORK:CODE, requirements lapsing)

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month.strftime("%Y-%m"), "requirements": self.requirements, "people": self.people,
                "competencies": [{"competency": label, "requirements": n} for label, n in self.top_competencies]}


@dataclass(frozen=True)
class ExpiryWaves:
    months: list[ExpiryMonth]
    rows: RowSet  # the lapsing requirement rows
    lapse_month: np.ndarray  # per row: 0..11
    valid_until: np.ndarray  # per row: the last valid day of the evidence that counts on the as-of date


def expiry_waves(snapshot: Snapshot, scope: Scope, months: int = HORIZON_MONTHS) -> ExpiryWaves:
    """Requirements met on the as-of date that stop being met in each of the next `months` months
    if nothing is renewed: the month in which the rollup, run on that month's last day, first falls
    below the required level (a lower-tier record taking over is accounted for)."""
    as_of = scope.filters.as_of
    gap_state = state(snapshot, as_of)
    rows = requirement_rows(snapshot, gap_state, scope)
    ends = month_ends(as_of, months)
    # Only a met requirement whose counted evidence ends within the horizon can lapse: until the
    # counted record expires it stays the best one (the set that counts only shrinks).
    horizon = ends[-1].toordinal()
    met = rows.take(rows.status == GAP_MET)
    met_valid_until, _ = evidence_details(gap_state, met)
    candidates = met.take(met_valid_until <= horizon)
    candidate_valid_until = met_valid_until[met_valid_until <= horizon]
    # One series serves every filter: all pairs whose counted evidence ends within the horizon
    # (the proficiency table is sorted by pair, so these keys come out sorted).
    proficiency = gap_state.proficiency
    wanted = proficiency.pair_key[(proficiency.winner >= 0) & (gap_state.prof_valid_until <= horizon)]
    series = _series(snapshot, ends, wanted, "expiry")
    levels = series.levels_of(series.positions(candidates.person, candidates.claim))  # [months, rows]
    below = levels < candidates.required[np.newaxis, :]
    lapses = below.any(axis=0)
    first = np.argmax(below, axis=0)
    lapsing = candidates.take(lapses)
    lapse_month = first[lapses]
    out = []
    for m, end in enumerate(ends):
        in_month = lapse_month == m
        claims = lapsing.claim[in_month]
        counts = np.bincount(claims, minlength=max(snapshot.n_claims, 1))
        top = np.argsort(-counts, kind="stable")[:5]
        out.append(ExpiryMonth(
            month=end.replace(day=1), requirements=int(in_month.sum()),
            people=len(np.unique(lapsing.person[in_month])),
            top_competencies=[(snapshot.claims[c].label, int(counts[c])) for c in top.tolist() if counts[c]]))
    return ExpiryWaves(months=out, rows=lapsing, lapse_month=lapse_month,
                       valid_until=candidate_valid_until[lapses])


def lowest_fit_roles(snapshot: Snapshot, gap_state: GapState, scope: Scope, limit: int = 10) -> list[RoleSummary]:
    roles = by_role(snapshot, gap_state, scope)
    return sorted(roles, key=lambda r: (r.average_fit, -r.people, r.name))[:limit]


# ---------------------------------------------------------------- coverage over time

@dataclass(frozen=True)
class CoveragePoint:
    day: date
    requirements: int
    met: int
    projected: bool  # after the as-of date: no new evidence assumed

    @property
    def share(self) -> float:
        return self.met / self.requirements if self.requirements else 1.0


def coverage_over_time(snapshot: Snapshot, scope: Scope, months_back: int = 12,
                       months_forward: int = 12) -> list[CoveragePoint]:
    """Share of today's requirements met at each month end around the as-of date.

    Back in time this is "today's organisation against the evidence it had then"; forward it is
    a projection with no new evidence, so it only ever falls (the expiry waves, accumulated)."""
    as_of = scope.filters.as_of
    gap_state = state(snapshot, as_of)
    rows = requirement_rows(snapshot, gap_state, scope)
    first_back = as_of.replace(day=1)
    for _ in range(months_back):
        first_back = (first_back - timedelta(days=1)).replace(day=1)
    past = [d for d in month_ends(first_back, months_back) if d < as_of]
    future = month_ends(as_of, months_forward + 1)[1:] if months_forward else []
    dates = [*past, as_of, *future]
    # Every pair any requirement names, whatever the filters: one series serves every filter.
    series = _series(snapshot, dates, _required_pairs(snapshot, gap_state), "coverage")
    levels = series.levels_of(series.positions(rows.person, rows.claim))
    met = (levels >= rows.required[np.newaxis, :]).sum(axis=1)
    return [CoveragePoint(day=d, requirements=len(rows), met=int(met[i]), projected=d > as_of)
            for i, d in enumerate(dates)]


def _required_pairs(snapshot: Snapshot, gap_state: GapState) -> np.ndarray:
    assigned = gap_state.assigned
    return sorted_unique(assigned.person.astype(np.int64) * max(snapshot.n_claims, 1) + assigned.claim)


# ---------------------------------------------------------------- profiling

@dataclass(frozen=True)
class Candidate:
    person: int
    employee_id: str
    name: str
    unit: str
    fit: float
    ready: bool
    holds_role: bool
    weighted_gap: int
    weighted_required: int
    gaps: list[PersonLine] = field(default_factory=list)  # unmet lines only

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.employee_id, "person_name": self.name, "unit": self.unit,
                "fit": round(self.fit, 4), "ready": self.ready, "holds_role": self.holds_role,
                "gaps": [{k: v for k, v in g.as_dict().items() if k not in {"person", "person_name", "unit"}}
                         for g in self.gaps]}


@dataclass(frozen=True)
class BestFit:
    role: int
    as_of: date
    considered: int
    candidates: list[Candidate]

    def as_dict(self, snapshot: Snapshot) -> dict[str, Any]:
        return {"role": snapshot.role_external_id[self.role], "role_name": snapshot.role_name[self.role],
                "as_of": self.as_of.isoformat(), "considered": self.considered,
                "candidates": [c.as_dict() for c in self.candidates]}


def best_fit(snapshot: Snapshot, scope: Scope, role: int, top: int = 10, exclude_holders: bool = False) -> BestFit:
    """Everyone in scope measured against `role`'s whole profile; the `top` best, ranked by fit
    (then smaller weighted gap, then name), each with the requirements they do not yet meet."""
    gap_state = state(snapshot, scope.filters.as_of)
    people = np.flatnonzero(scope.people_mask(snapshot))
    holders = np.zeros(snapshot.n_people, dtype=bool)
    holders[snapshot.assign_person[snapshot.assign_role == role]] = True
    if exclude_holders:
        people = people[~holders[people]]
    lines = snapshot.role_lines(role)
    k = lines.stop - lines.start
    person = np.repeat(people, k)
    claim = np.tile(snapshot.line_claim[lines], len(people))
    rows = _rows(gap_state.proficiency, person, claim, np.tile(snapshot.line_required[lines], len(people)),
                 np.tile(snapshot.line_essential[lines], len(people)))
    group = np.repeat(np.arange(len(people), dtype=np.int64), k)
    fit = fit_per_person_role(group, rows.required, rows.essential, rows.gap, len(people))
    names = snapshot.person_name[people].astype(str)
    order = np.lexsort((names, fit.weighted_gap, -fit.fit))[:max(top, 0)]
    candidates = []
    for i in order.tolist():
        p = int(people[i])
        own = rows.take(slice(i * k, (i + 1) * k))
        unmet = own.take(own.status != GAP_MET)
        candidates.append(Candidate(
            person=p, employee_id=str(snapshot.person_employee_id[p]), name=str(snapshot.person_name[p]),
            unit=snapshot.unit_name[snapshot.person_unit[p]], fit=float(fit.fit[i]), ready=bool(fit.ready[i]),
            holds_role=bool(holders[p]), weighted_gap=int(fit.weighted_gap[i]),
            weighted_required=int(fit.weighted_required[i]),
            gaps=person_lines(snapshot, gap_state, unmet, with_competency=True)))
    return BestFit(role=role, as_of=scope.filters.as_of, considered=len(people), candidates=candidates)


@dataclass(frozen=True)
class LevelCount:
    level: int
    people: int
    requiring: int  # of them, people whose roles ask for this competency


@dataclass(frozen=True)
class LevelDistribution:
    claim: Claim
    unit: str | None
    as_of: date
    levels: list[LevelCount]  # level 0 counts everyone without a level, split below
    no_evidence: int
    expired: int
    people: int
    required_levels: dict[int, int]  # required level -> people whose roles ask it

    def as_dict(self) -> dict[str, Any]:
        return {"framework": self.claim.framework, "competency": self.claim.code,
                "competency_name": self.claim.name, "context": self.claim.context, "unit": self.unit,
                "as_of": self.as_of.isoformat(), "people": self.people, "no_evidence": self.no_evidence,
                "expired": self.expired,
                "levels": [{"level": c.level, "people": c.people, "requiring": c.requiring} for c in self.levels],
                "required_levels": {str(k): v for k, v in sorted(self.required_levels.items())}}


def level_distribution(snapshot: Snapshot, scope: Scope, claim: int) -> LevelDistribution:
    """How many people in scope are at each level of one competency on the as-of date."""
    gap_state = state(snapshot, scope.filters.as_of)
    people = np.flatnonzero(scope.people_mask(snapshot))
    level, status, _ = gap_state.proficiency.lookup(people, np.full(len(people), claim, dtype=np.int64))
    top = max(int(snapshot.claim_max_level[claim]), int(level.max()) if len(level) else 0)
    counts = np.bincount(level, minlength=top + 1)
    merged = gap_state.merged
    needs = merged.take((merged.claim == claim) & scope.people_mask(snapshot)[merged.person])
    requiring_people = np.zeros(snapshot.n_people, dtype=bool)
    requiring_people[needs.person] = True
    requiring = np.bincount(level[requiring_people[people]], minlength=top + 1)
    unit = scope.filters.unit
    return LevelDistribution(
        claim=snapshot.claims[claim], unit=snapshot.unit_external_id[unit] if unit is not None else None,
        as_of=scope.filters.as_of,
        levels=[LevelCount(level=v, people=int(counts[v]), requiring=int(requiring[v])) for v in range(top + 1)],
        no_evidence=int(((level == 0) & (status == 0)).sum()), expired=int((status == PROFICIENCY_EXPIRED).sum()),
        people=len(people),
        required_levels={int(r): int(n) for r, n in zip(*np.unique(needs.required, return_counts=True))})




class LazyLines:
    """Drill-down rows as a sequence that builds only the slice asked for (a page), not all of them.

    Behaves enough like a queryset for Django's Paginator and django-ninja's pagination."""

    def __init__(self, snapshot: Snapshot, gap_state: GapState, rows: RowSet, with_competency: bool = False) -> None:
        self.snapshot = snapshot
        self.gap_state = gap_state
        self.rows = rows
        self.with_competency = with_competency

    def all(self) -> LazyLines:
        return self

    def count(self) -> int:
        return len(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def lines(self, page: slice) -> list[PersonLine]:
        return person_lines(self.snapshot, self.gap_state, self.rows.take(page), self.with_competency)

    def __getitem__(self, page: slice) -> list[PersonLine]:
        if not isinstance(page, slice):
            raise TypeError("LazyLines only takes slices")
        return self.lines(page)

    def dicts(self, page: slice) -> list[dict[str, Any]]:
        return [line.as_dict() for line in self.lines(page)]
