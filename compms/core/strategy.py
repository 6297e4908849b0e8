"""Strategic gap: who will still hold a competency by a target's due date, coverage over time, and
what-if scenarios on an in-memory copy of the organisation (DESIGN.md "Strategic gap").

No Django here: the strategy app loads plain arrays and dictionaries and hands them to this module.

The rule for supply
-------------------
A target asks for ``headcount`` people at ``level`` L or above in competency c, within a scope
(a unit subtree), by a due date D. Today is T (D is taken as T when the due date has passed).

Only evidence known today is used: recorded on or before T, active, and valid on T. Let R(b) be the
person's proficiency computed *as of T* from those records whose ``valid_until`` is absent or on/after
b. R(T) is today's proficiency; R(b) for b > T is what today's evidence will still show on day b, once
the records ending before b have lapsed (this is ``rollup_arrays`` with an adjusted validity mask).

A person's *assured level* up to a day t is ``min(R(b) for T <= b <= t)``: the lowest level their
current evidence shows on any day of the period. R only changes on the day after some record's last
valid day, so the minimum is taken over T and those days ("breakpoints"), never day by day.

- supply = people in scope whose assured level up to D is >= L: they hold L today and, with no new
  evidence, still hold it every day until the due date;
- gap = max(0, headcount - supply);
- pipeline = people in scope whose assured level up to D is exactly L - 1 and who have an open
  development need for c (the caller decides who has one);
- coverage at a day t in [T, D] = people in scope whose assured level up to t is >= L.

Why the minimum over the period rather than R(D) alone: the rollup ranks evidence by assurance, so a
stronger but lower record (an assessor's 2) can hide a weaker higher one (a manager's 3). When the
assessor's record lapses, R rises to 3: by R(D) alone the person would count as supply without anyone
having shown anything new, and coverage would rise as evidence expires. Taking the minimum counts
only what the evidence supports throughout, so coverage over time never rises without new evidence
(tests check this against a day-by-day scalar rollup), and the series ends exactly at the supply.
When no record of a person lapses before D (the usual case) the assured level is simply R(T) = R(D).

Demand from roles
-----------------
``requirement_demand`` compares the positions' requirement profiles with the people in a scope, per
competency and required level as a staircase: for each level r some role requires, demand(r) =
positions needing c at r *or more*, supply(r) = people holding c at r or more today. Counting "or more"
on both sides keeps the lines consistent: a position needing 3 also needs someone at 2 or above.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

import numpy as np

from compms.core.dates import NO_EXPIRY, add_months
from compms.core.gaparrays import EvidenceArrays, rollup_arrays
from compms.core.rollup import POLICIES, POLICY_DEFAULT, check_policy

# Coverage charts stay readable, and cheap, whatever the horizon: beyond this many monthly points
# the step grows to two, three ... months.
MAX_COVERAGE_POINTS: Final = 120


# --- Dates ------------------------------------------------------------------------------------


def monthly_points(start: date, end: date, max_points: int = MAX_COVERAGE_POINTS) -> list[date]:
    """``start``, then every month after it (counted from ``start``) before ``end``, then ``end``.

    A due date already past gives just ``[start]``. Long horizons step by several months so that
    at most ``max_points`` points come back; ``start`` and ``end`` are always the first and last.
    """
    if end <= start:
        return [start]
    months = (end.year - start.year) * 12 + (end.month - start.month)
    step = max(1, math.ceil(months / max(1, max_points - 2)))
    points = [start]
    offset = step
    while (day := add_months(start, offset)) < end:
        points.append(day)
        offset += step
    points.append(end)
    return points


# --- Level timelines ----------------------------------------------------------------------------


def _pair_key(person_idx: np.ndarray, comp_idx: np.ndarray, n_comps: int) -> np.ndarray:
    return person_idx.astype(np.int64) * n_comps + comp_idx.astype(np.int64)


@dataclass(frozen=True)
class LevelTimeline:
    """R(b) per (person, competency) pair at each breakpoint b in [today, horizon].

    Rows are sorted by (pair, breakpoint); every pair with any evidence valid today has a row at
    ``today_ord``. Pairs without rows hold level 0 throughout. ``comp_idx`` may stand for a
    competency x context claim, as in ``gaparrays``.
    """

    n_people: int
    n_comps: int
    today_ord: int
    horizon_ord: int
    pair_key: np.ndarray  # int64, sorted with breakpoint_ord
    breakpoint_ord: np.ndarray  # int64
    level: np.ndarray  # int16

    @property
    def person_idx(self) -> np.ndarray:
        return self.pair_key // self.n_comps

    @property
    def comp_idx(self) -> np.ndarray:
        return self.pair_key % self.n_comps

    def _rows(self, comp: int, until_ord: int) -> np.ndarray:
        if until_ord > self.horizon_ord:
            raise ValueError(f"until {until_ord} is beyond the timeline's horizon {self.horizon_ord}")
        if not 0 <= comp < self.n_comps:
            raise ValueError(f"comp must lie in [0, {self.n_comps}), got {comp}")
        return np.flatnonzero((self.comp_idx == comp) & (self.breakpoint_ord <= until_ord))

    def assured_levels(self, comp: int, until_ord: int) -> np.ndarray:
        """Per person (int16, length ``n_people``): the lowest level shown on any day in [today, until]."""
        rows = self._rows(comp, until_ord)
        levels = np.zeros(self.n_people, dtype=np.int16)
        if len(rows) == 0:
            return levels
        person = self.person_idx[rows]
        # Rows are sorted by pair, so each person's rows form one run: one reduceat gives the minimum.
        starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
        levels[person[starts]] = np.minimum.reduceat(self.level[rows], starts)
        return levels

    def levels_on(self, comp: int, day_ord: int) -> np.ndarray:
        """Per person: R(day), the level today's evidence shows on that day (not the minimum so far)."""
        rows = self._rows(comp, day_ord)
        levels = np.zeros(self.n_people, dtype=np.int16)
        if len(rows) == 0:
            return levels
        person = self.person_idx[rows]
        # The last breakpoint on or before the day holds the level of that day.
        ends = np.flatnonzero(np.r_[person[1:] != person[:-1], True])
        levels[person[ends]] = self.level[rows][ends]
        return levels

    def lapse_ords(self, comp: int, threshold: int, until_ord: int) -> np.ndarray:
        """Per person (int64): the first day in [today, until] their level is below ``threshold``.

        ``NO_EXPIRY`` when it stays at or above the threshold throughout; ``today_ord`` for everyone
        below it today (including people with no evidence at all).
        """
        if threshold <= 0:
            return np.full(self.n_people, NO_EXPIRY, dtype=np.int64)
        rows = self._rows(comp, until_ord)
        lapse = np.full(self.n_people, self.today_ord, dtype=np.int64)
        lapse[np.unique(self.person_idx[rows])] = NO_EXPIRY
        below = rows[self.level[rows] < threshold]
        if len(below):
            person, first = np.unique(self.person_idx[below], return_index=True)
            lapse[person] = self.breakpoint_ord[below][first]
        return lapse


def level_timeline(
    evidence: EvidenceArrays,
    n_people: int,
    n_comps: int,
    today_ord: int,
    horizon_ord: int,
    policy_of_comp: Sequence[str] | str = POLICY_DEFAULT,
) -> LevelTimeline:
    """R(b) for every pair and breakpoint, with one ``rollup_arrays`` call per rollup policy.

    Each breakpoint gets its own copy of the pair's evidence rows, masked to the records still valid
    on that day, and the copies are rolled up together as if each breakpoint were a person: the
    scalar rule stays in one place (``rollup``/``rollup_arrays``) and nothing loops per person.
    A pair with k records has at most k + 1 breakpoints, so the copies stay small.
    """
    horizon_ord = max(horizon_ord, today_ord)
    policies = [policy_of_comp] * n_comps if isinstance(policy_of_comp, str) else list(policy_of_comp)
    if len(policies) != n_comps:
        raise ValueError(f"policy_of_comp names {len(policies)} policies for {n_comps} competencies")
    for policy in policies:
        check_policy(policy)

    valid_today = (
        evidence.active
        & (evidence.recorded_ord <= today_ord)
        & (evidence.valid_until_ord >= today_ord)
    )
    rows = np.flatnonzero(valid_today)
    pair = _pair_key(evidence.person_idx[rows], evidence.comp_idx[rows], n_comps)
    order = np.argsort(pair, kind="stable")
    rows, pair = rows[order], pair[order]
    empty = LevelTimeline(
        n_people=n_people, n_comps=n_comps, today_ord=today_ord, horizon_ord=horizon_ord,
        pair_key=np.zeros(0, dtype=np.int64), breakpoint_ord=np.zeros(0, dtype=np.int64),
        level=np.zeros(0, dtype=np.int16),
    )
    if len(rows) == 0:
        return empty

    # Breakpoints: today for every pair, and the day after each record's last valid day when that
    # day falls on or before the horizon.
    valid_until = evidence.valid_until_ord[rows].astype(np.int64)
    lapsing = valid_until < horizon_ord
    # `pair` is sorted, so each pair's rows are one run: its start and length.
    pair_start = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    pair_count = np.diff(np.append(pair_start, len(pair)))
    unique_pairs = pair[pair_start]
    # Pack (pair, day offset from today) into one int64 so one 1-D unique sorts and dedups them;
    # offsets run 0..span-1 (today is 0, the latest breakpoint is the horizon).
    span = horizon_ord - today_ord + 1
    packed = np.sort(np.concatenate([
        unique_pairs * span,
        pair[lapsing] * span + (valid_until[lapsing] + 1 - today_ord),
    ]))
    # Sort then drop repeats: faster here than np.unique, which hashes.
    packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
    bp_pair, bp_ord = packed // span, packed % span + today_ord

    # One copy of the pair's rows per breakpoint: bp_of_copy[i] is the breakpoint, row_of_copy[i] the row.
    group = np.searchsorted(unique_pairs, bp_pair)
    copies = pair_count[group]
    bp_of_copy = np.repeat(np.arange(len(bp_pair)), copies)
    first_copy = np.repeat(np.cumsum(copies) - copies, copies)
    row_of_copy = rows[np.repeat(pair_start[group], copies) + np.arange(len(bp_of_copy)) - first_copy]
    still_valid = evidence.valid_until_ord[row_of_copy].astype(np.int64) >= bp_ord[bp_of_copy]

    policy_code = np.array([POLICIES.index(p) for p in policies], dtype=np.int8)
    policy_of_copy = policy_code[bp_pair[bp_of_copy] % n_comps]
    level_at = np.zeros(len(bp_pair), dtype=np.int16)
    for code in sorted(set(policy_code.tolist())):
        part = np.flatnonzero(policy_of_copy == code)
        if len(part) == 0:
            continue
        source_rows = row_of_copy[part]
        table = rollup_arrays(
            person_idx=bp_of_copy[part].astype(np.int64),
            comp_idx=np.zeros(len(part), dtype=np.int64),
            level=evidence.level[source_rows],
            source_code=evidence.source_code[source_rows],
            recorded_ord=evidence.recorded_ord[source_rows],
            valid_until_ord=evidence.valid_until_ord[source_rows],
            active_mask=still_valid[part],
            as_of_ord=today_ord,
            n_people=len(bp_pair),
            n_comps=1,
            policy=POLICIES[code],
            evidence_id=evidence.evidence_id[source_rows],
        )
        # Breakpoints whose records have all lapsed have no held row: level 0, as zeros already say.
        held = table.winner >= 0
        level_at[table.pair_key[held]] = table.level[held]
    return replace(empty, pair_key=bp_pair, breakpoint_ord=bp_ord, level=level_at)


# --- Targets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetGap:
    """One target measured: ``coverage`` is ``(day ordinal, supply on that day)``, first today, last the due date."""

    level: int
    demand: int
    supply_today: int
    supply: int
    gap: int
    one_level_short: int
    pipeline: int
    coverage: tuple[tuple[int, int], ...]


def target_gap(
    timeline: LevelTimeline,
    comp: int,
    level: int,
    headcount: int,
    in_scope: np.ndarray,
    due_ord: int,
    points_ord: Sequence[int],
    open_needs: Callable[[np.ndarray], np.ndarray] | None = None,
) -> TargetGap:
    """Supply, gap, pipeline and coverage of one target (rules in the module docstring).

    ``in_scope`` is a bool per person. ``open_needs`` receives the indices of the in-scope people
    exactly one level short by the due date and returns those of them with an open development need
    (indices or a bool mask over its input); without it the pipeline is 0. Points outside
    [today, due] are clamped into it.
    """
    if level < 1:
        raise ValueError(f"a target level is at least 1, got {level}")
    if headcount < 0:
        raise ValueError(f"a headcount cannot be negative, got {headcount}")
    if len(in_scope) != timeline.n_people:
        raise ValueError(f"in_scope has {len(in_scope)} entries for {timeline.n_people} people")
    due_ord = min(max(due_ord, timeline.today_ord), timeline.horizon_ord)
    lapse = timeline.lapse_ords(comp, level, due_ord)[in_scope]
    # supply(t) = people whose first day below the level is after t; one sort, then a search per point.
    lapse_sorted = np.sort(lapse)

    def supply_on(day_ord: int) -> int:
        return int(len(lapse_sorted) - np.searchsorted(lapse_sorted, day_ord, side="right"))

    coverage = tuple(
        (point, supply_on(point))
        for point in (min(max(p, timeline.today_ord), due_ord) for p in points_ord)
    )
    supply = supply_on(due_ord)
    assured = timeline.assured_levels(comp, due_ord)
    short_by_one = np.flatnonzero(in_scope & (assured == level - 1))
    pipeline = 0
    if open_needs is not None and len(short_by_one):
        chosen = np.asarray(open_needs(short_by_one))
        pipeline = int(chosen.sum()) if chosen.dtype == bool else len(np.intersect1d(chosen, short_by_one))
    return TargetGap(
        level=level,
        demand=headcount,
        supply_today=supply_on(timeline.today_ord),
        supply=supply,
        gap=max(0, headcount - supply),
        one_level_short=len(short_by_one),
        pipeline=pipeline,
        coverage=coverage,
    )


# --- What-if scenarios on an in-memory organisation ---------------------------------------------------

ADD_POSITIONS: Final = "add_positions"
REMOVE_POSITIONS: Final = "remove_positions"
CLOSE_UNIT: Final = "close_unit"
CHANGE_KINDS: Final[tuple[str, ...]] = (ADD_POSITIONS, REMOVE_POSITIONS, CLOSE_UNIT)


@dataclass(frozen=True)
class OrgSnapshot:
    """What scenarios change, as plain values: unit paths ("/1/5/"), the unit of each active person,
    and the number of positions per (role id, unit id)."""

    unit_path: Mapping[int, str]
    person_unit: Mapping[int, int]
    positions: Mapping[tuple[int, int], int]

    def units_under(self, unit_id: int) -> set[int]:
        """The unit and every unit below it (empty when the unit is not in the snapshot)."""
        prefix = self.unit_path.get(unit_id)
        if prefix is None:
            return set()
        return {pk for pk, path in self.unit_path.items() if path.startswith(prefix)}

    def people_under(self, unit_id: int | None) -> set[int]:
        """Active people in a unit's subtree; everyone when ``unit_id`` is None (the whole organisation)."""
        if unit_id is None:
            return set(self.person_unit)
        units = self.units_under(unit_id)
        return {person for person, unit in self.person_unit.items() if unit in units}

    def positions_under(self, unit_id: int | None) -> dict[tuple[int, int], int]:
        if unit_id is None:
            return dict(self.positions)
        units = self.units_under(unit_id)
        return {key: count for key, count in self.positions.items() if key[1] in units}


@dataclass(frozen=True)
class Change:
    """One scenario step: add or remove ``count`` positions of ``role_id`` in ``unit_id``, or close the
    unit ``unit_id`` with everything under it."""

    kind: str
    unit_id: int
    role_id: int | None = None
    count: int = 0
    label: str = ""  # how the caller names the step in notes ("20 x Technician in Plant A")

    def __post_init__(self) -> None:
        if self.kind not in CHANGE_KINDS:
            raise ValueError(f"unknown change {self.kind!r}; expected one of {CHANGE_KINDS}")
        if self.kind != CLOSE_UNIT and (self.role_id is None or self.count < 1):
            raise ValueError(f"{self.kind} needs a role and a count of at least 1")


@dataclass(frozen=True)
class ScenarioOutcome:
    snapshot: OrgSnapshot
    notes: tuple[str, ...] = field(default=())


def apply_changes(snapshot: OrgSnapshot, changes: Iterable[Change]) -> ScenarioOutcome:
    """The organisation as the scenario would leave it, on new dictionaries (the input is untouched).

    Changes apply in order. Closing a unit takes its subtree's units, people and positions out of the
    organisation. Removing more positions than the unit has removes those it has; adding to or
    removing from a unit already closed (or unknown) does nothing. Each of these is explained in
    ``notes`` so the comparison page can say why a step had less effect than asked.
    """
    unit_path = dict(snapshot.unit_path)
    person_unit = dict(snapshot.person_unit)
    positions = dict(snapshot.positions)
    notes: list[str] = []
    for change in changes:
        name = change.label or f"{change.kind} in unit {change.unit_id}"
        if change.unit_id not in unit_path:
            notes.append(f"{name}: the unit is closed or unknown by this step, so it changes nothing.")
            continue
        if change.kind == CLOSE_UNIT:
            prefix = unit_path[change.unit_id]
            closed = {pk for pk, path in unit_path.items() if path.startswith(prefix)}
            for pk in closed:
                del unit_path[pk]
            person_unit = {person: unit for person, unit in person_unit.items() if unit not in closed}
            positions = {key: count for key, count in positions.items() if key[1] not in closed}
            continue
        key = (int(change.role_id), change.unit_id)  # type: ignore[arg-type]  # checked in __post_init__
        if change.kind == ADD_POSITIONS:
            positions[key] = positions.get(key, 0) + change.count
            continue
        existing = positions.get(key, 0)
        if existing < change.count:
            notes.append(f"{name}: only {existing} such position{'s' if existing != 1 else ''} to remove.")
        remaining = existing - min(existing, change.count)
        if remaining:
            positions[key] = remaining
        else:
            positions.pop(key, None)
    return ScenarioOutcome(
        snapshot=OrgSnapshot(unit_path=unit_path, person_unit=person_unit, positions=positions),
        notes=tuple(notes),
    )


# --- Demand from role requirements -----------------------------------------------------------------


@dataclass(frozen=True)
class DemandLine:
    """Positions needing competency ``key`` at ``level`` or more, against people holding it at that level or more."""

    key: int
    level: int
    demand: int
    supply: int

    @property
    def gap(self) -> int:
        return max(0, self.demand - self.supply)


def position_demand(
    positions: Mapping[tuple[int, int], int],
    role_requirements: Mapping[int, Iterable[tuple[int, int]]],
) -> dict[tuple[int, int], int]:
    """Positions per (competency key, required level): each position counts once for each line of its
    role's profile. ``role_requirements`` maps a role id to ``(key, level)`` lines."""
    demand: dict[tuple[int, int], int] = {}
    profiles = {role: list(lines) for role, lines in role_requirements.items()}
    for (role_id, _unit_id), count in positions.items():
        for key, level in profiles.get(role_id, ()):
            if level >= 1 and count > 0:
                demand[(key, level)] = demand.get((key, level), 0) + count
    return demand


def requirement_demand(
    demand: Mapping[tuple[int, int], int],
    levels_of_key: Mapping[int, np.ndarray],
) -> list[DemandLine]:
    """The staircase per competency key (see the module docstring), sorted by key then level.

    ``levels_of_key[key]`` holds the level of each person in scope (missing key: nobody holds it).
    """
    lines: list[DemandLine] = []
    for key in sorted({k for k, _ in demand}):
        required = sorted(level for k, level in demand if k == key)
        levels = np.sort(np.asarray(levels_of_key.get(key, np.zeros(0, dtype=np.int16))))
        for level in required:
            positions_needing = sum(count for (k, r), count in demand.items() if k == key and r >= level)
            holders = int(len(levels) - np.searchsorted(levels, level, side="left"))
            lines.append(DemandLine(key=key, level=level, demand=positions_needing, supply=holders))
    return lines
