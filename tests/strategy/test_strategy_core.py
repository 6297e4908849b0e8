"""The strategic gap engine (compms.core.strategy) without a database: hand-worked cases, and the
timeline checked against the scalar rollup day by day."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compms.core import strategy as engine
from compms.core.dates import NO_EXPIRY
from compms.core.gaparrays import EvidenceArrays
from compms.core.rollup import POLICIES, SOURCES, EvidenceFact, rollup

TODAY = date(2026, 3, 1)
DUE = date(2026, 12, 31)


def timeline_of(rows: list[tuple[int, int, EvidenceFact]], n_people: int, horizon: date = DUE,
                policy: str = "default", n_comps: int = 1) -> engine.LevelTimeline:
    return engine.level_timeline(EvidenceArrays.from_facts(rows), n_people, n_comps, TODAY.toordinal(),
                                 horizon.toordinal(), policy)


def ords(days: list[date]) -> list[int]:
    return [day.toordinal() for day in days]


# ---------------------------------------------------------------- hand-worked timelines

def test_evidence_expiring_before_the_due_date_leaves_supply_but_counts_today() -> None:
    # Ann: certificate 3, never expires. Ben: certificate 4, last valid 2026-09-30. Cat: manager 2.
    timeline = timeline_of([
        (0, 0, EvidenceFact(3, "certificate", date(2025, 1, 10))),
        (1, 0, EvidenceFact(4, "certificate", date(2025, 1, 10), valid_until=date(2026, 9, 30))),
        (2, 0, EvidenceFact(2, "manager", date(2025, 6, 1))),
    ], n_people=4)
    points = engine.monthly_points(TODAY, DUE)
    result = engine.target_gap(timeline, 0, 3, 5, np.ones(4, dtype=bool), DUE.toordinal(), ords(points))

    assert (result.supply_today, result.supply, result.gap) == (2, 1, 4)
    by_day = {date.fromordinal(day): supply for day, supply in result.coverage}
    # Ben's certificate still counts on its last day (30 September) and is gone from 1 October.
    assert by_day[date(2026, 9, 1)] == 2
    assert by_day[date(2026, 10, 1)] == 1
    assert result.coverage[-1] == (DUE.toordinal(), 1)
    # Cat is one level short; Dan (no evidence) is three short.
    assert result.one_level_short == 1
    assert result.pipeline == 0  # no need callback: nobody is in the pipeline


def test_certificate_valid_on_the_due_date_itself_counts() -> None:
    timeline = timeline_of([(0, 0, EvidenceFact(3, "certificate", date(2025, 1, 1), valid_until=DUE))], 1)
    result = engine.target_gap(timeline, 0, 3, 1, np.ones(1, dtype=bool), DUE.toordinal(), [DUE.toordinal()])
    assert result.supply == 1


def test_a_lower_stronger_record_lapsing_does_not_raise_supply() -> None:
    # DESIGN.md's Kim: manager 3 (no expiry), self 4, assessor 2 valid until 2026-06-30. Today the
    # assessor's 2 wins (tier 1); from 1 July the manager's 3 would. Kim never shows 3 throughout.
    rows = [
        (0, 0, EvidenceFact(3, "manager", date(2025, 10, 1))),
        (0, 0, EvidenceFact(4, "self", date(2026, 1, 5))),
        (0, 0, EvidenceFact(2, "assessor", date(2024, 2, 1), valid_until=date(2026, 6, 30))),
    ]
    timeline = timeline_of(rows, 1)
    assert timeline.levels_on(0, TODAY.toordinal())[0] == 2
    assert timeline.levels_on(0, date(2026, 7, 1).toordinal())[0] == 3
    assert timeline.assured_levels(0, DUE.toordinal())[0] == 2
    result = engine.target_gap(timeline, 0, 3, 1, np.ones(1, dtype=bool), DUE.toordinal(),
                               ords(engine.monthly_points(TODAY, DUE)), lambda idx: idx)
    assert result.supply == 0
    assert [supply for _, supply in result.coverage] == [0] * len(result.coverage)
    # Kim is exactly one level short by the due date and has a need: she is the pipeline.
    assert (result.one_level_short, result.pipeline) == (1, 1)


def test_pipeline_counts_only_people_exactly_one_level_short_with_a_need() -> None:
    timeline = timeline_of([
        (0, 0, EvidenceFact(2, "manager", date(2025, 1, 1))),  # one short, has a need
        (1, 0, EvidenceFact(2, "manager", date(2025, 1, 1))),  # one short, no need
        (2, 0, EvidenceFact(1, "manager", date(2025, 1, 1))),  # two short, has a need
        (3, 0, EvidenceFact(3, "manager", date(2025, 1, 1))),  # meets it
    ], 4)
    asked: list[list[int]] = []

    def needs(indices: np.ndarray) -> np.ndarray:
        asked.append(sorted(indices.tolist()))
        return np.isin(indices, [0, 2])

    result = engine.target_gap(timeline, 0, 3, 2, np.ones(4, dtype=bool), DUE.toordinal(), [], needs)
    assert asked == [[0, 1]]  # only the one-short people are asked about
    assert (result.one_level_short, result.pipeline, result.supply, result.gap) == (2, 1, 1, 1)


def test_people_outside_the_scope_do_not_count() -> None:
    timeline = timeline_of([
        (0, 0, EvidenceFact(4, "certificate", date(2025, 1, 1))),
        (1, 0, EvidenceFact(4, "certificate", date(2025, 1, 1))),
    ], 2)
    result = engine.target_gap(timeline, 0, 3, 2, np.array([True, False]), DUE.toordinal(), [])
    assert (result.supply, result.gap) == (1, 1)


def test_revoked_future_and_already_expired_evidence_never_counts() -> None:
    timeline = timeline_of([
        (0, 0, EvidenceFact(4, "certificate", date(2025, 1, 1), revoked=True)),
        (1, 0, EvidenceFact(4, "certificate", TODAY + timedelta(days=1))),
        (2, 0, EvidenceFact(4, "certificate", date(2024, 1, 1), valid_until=TODAY - timedelta(days=1))),
    ], 3)
    assert timeline.assured_levels(0, DUE.toordinal()).tolist() == [0, 0, 0]


def test_competencies_keep_their_own_rollup_policy() -> None:
    # Competency 0 uses "highest", competency 1 "default": the same two records give 4 and 2.
    facts = [EvidenceFact(4, "self", date(2025, 1, 1)), EvidenceFact(2, "assessor", date(2025, 2, 1))]
    rows = [(0, comp, fact) for comp in (0, 1) for fact in facts]
    timeline = engine.level_timeline(EvidenceArrays.from_facts(rows), 1, 2, TODAY.toordinal(), DUE.toordinal(),
                                     ["highest", "default"])
    assert timeline.levels_on(0, TODAY.toordinal())[0] == 4
    assert timeline.levels_on(1, TODAY.toordinal())[0] == 2


def test_a_due_date_already_past_is_measured_today() -> None:
    timeline = timeline_of([(0, 0, EvidenceFact(3, "manager", date(2025, 1, 1)))], 1, horizon=TODAY)
    result = engine.target_gap(timeline, 0, 3, 1, np.ones(1, dtype=bool), date(2025, 6, 1).toordinal(),
                               ords(engine.monthly_points(TODAY, date(2025, 6, 1))))
    assert (result.supply, result.coverage) == (1, ((TODAY.toordinal(), 1),))


def test_lapse_dates() -> None:
    timeline = timeline_of([
        (0, 0, EvidenceFact(3, "certificate", date(2025, 1, 1), valid_until=date(2026, 5, 31))),
        (1, 0, EvidenceFact(3, "certificate", date(2025, 1, 1))),
    ], 3)
    lapse = timeline.lapse_ords(0, 3, DUE.toordinal())
    assert lapse.tolist() == [date(2026, 6, 1).toordinal(), NO_EXPIRY, TODAY.toordinal()]


# ---------------------------------------------------------------- dates

def test_monthly_points_clamp_to_the_end_of_short_months() -> None:
    assert engine.monthly_points(date(2026, 1, 31), date(2026, 5, 15)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 15)]


def test_monthly_points_of_a_long_horizon_stay_few_and_keep_both_ends() -> None:
    points = engine.monthly_points(TODAY, date(2046, 3, 1))
    assert len(points) <= engine.MAX_COVERAGE_POINTS
    assert (points[0], points[-1]) == (TODAY, date(2046, 3, 1))
    assert points == sorted(set(points))


# ---------------------------------------------------------------- against the scalar rollup

HORIZON_DAYS = 40
facts_near_today = st.builds(
    EvidenceFact,
    level=st.integers(0, 5),
    source=st.sampled_from(SOURCES),
    recorded_on=st.integers(-30, 2).map(lambda d: TODAY + timedelta(days=d)),
    valid_until=st.none() | st.integers(-3, HORIZON_DAYS + 3).map(lambda d: TODAY + timedelta(days=d)),
    revoked=st.sampled_from([False, False, False, True]),
    superseded=st.sampled_from([False, False, False, True]),
    evidence_id=st.none() | st.integers(1, 5),
)
evidence_rows = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1), facts_near_today), max_size=20)


@settings(max_examples=80, deadline=None)
@given(rows=evidence_rows, policy=st.sampled_from(POLICIES), threshold=st.integers(1, 5))
def test_timeline_equals_the_scalar_rollup_day_by_day(rows: list[tuple[int, int, EvidenceFact]], policy: str,
                                                      threshold: int) -> None:
    horizon = TODAY + timedelta(days=HORIZON_DAYS)
    timeline = engine.level_timeline(EvidenceArrays.from_facts(rows), 4, 2, TODAY.toordinal(),
                                     horizon.toordinal(), policy)
    days = [TODAY + timedelta(days=d) for d in range(HORIZON_DAYS + 1)]
    for comp in (0, 1):
        for person in range(4):
            # What today's evidence shows on each day: records known today, rolled up as of that day.
            known = [fact for p, c, fact in rows if p == person and c == comp and fact.recorded_on <= TODAY]
            daily = [rollup(known, day, policy).level for day in days]
            for i in (0, 9, 25, HORIZON_DAYS):
                assert timeline.levels_on(comp, days[i].toordinal())[person] == daily[i]
                assert timeline.assured_levels(comp, days[i].toordinal())[person] == min(daily[:i + 1])
        # Coverage never rises without new evidence, and ends at the supply.
        result = engine.target_gap(timeline, comp, threshold, 3, np.ones(4, dtype=bool), horizon.toordinal(),
                                   ords(days))
        series = [supply for _, supply in result.coverage]
        assert all(later <= earlier for earlier, later in pairwise(series))
        assert series[-1] == result.supply


# ---------------------------------------------------------------- scenarios in memory

def snapshot() -> engine.OrgSnapshot:
    # Units: 1 HQ > 2 Plant > 3 Line; 1 HQ > 4 Lab. Roles 10 and 11.
    return engine.OrgSnapshot(
        unit_path={1: "/1/", 2: "/1/2/", 3: "/1/2/3/", 4: "/1/4/"},
        person_unit={100: 1, 101: 2, 102: 3, 103: 4},
        positions={(10, 2): 2, (10, 3): 1, (11, 4): 1},
    )


def test_closing_a_unit_takes_its_subtree_people_and_positions() -> None:
    before = snapshot()
    outcome = engine.apply_changes(before, [engine.Change(kind=engine.CLOSE_UNIT, unit_id=2)])
    after = outcome.snapshot
    assert set(after.unit_path) == {1, 4}
    assert after.person_unit == {100: 1, 103: 4}
    assert after.positions == {(11, 4): 1}
    assert outcome.notes == ()
    assert before == snapshot()  # the input is untouched


def test_adding_and_removing_positions() -> None:
    outcome = engine.apply_changes(snapshot(), [
        engine.Change(kind=engine.ADD_POSITIONS, unit_id=4, role_id=10, count=20),
        engine.Change(kind=engine.REMOVE_POSITIONS, unit_id=2, role_id=10, count=5, label="Remove 5 in Plant"),
        engine.Change(kind=engine.CLOSE_UNIT, unit_id=4),
        engine.Change(kind=engine.ADD_POSITIONS, unit_id=4, role_id=10, count=1, label="Add 1 in Lab"),
    ])
    assert outcome.snapshot.positions == {(10, 3): 1}
    assert outcome.notes == ("Remove 5 in Plant: only 2 such positions to remove.",
                             "Add 1 in Lab: the unit is closed or unknown by this step, so it changes nothing.")


def test_requirement_demand_is_a_staircase_of_or_more() -> None:
    # Role 10 needs competency 0 at 2 (3 positions), role 11 needs it at 3 (1 position); people hold 3, 2, 2, 1.
    demand = engine.position_demand(snapshot().positions, {10: [(0, 2)], 11: [(0, 3)]})
    assert demand == {(0, 2): 3, (0, 3): 1}
    lines = engine.requirement_demand(demand, {0: np.array([3, 2, 2, 1])})
    assert [(line.level, line.demand, line.supply, line.gap) for line in lines] == [(2, 4, 3, 1), (3, 1, 1, 0)]


def test_a_change_needs_a_role_and_count_unless_it_closes_a_unit() -> None:
    with pytest.raises(ValueError):
        engine.Change(kind=engine.ADD_POSITIONS, unit_id=1, role_id=None, count=3)
    with pytest.raises(ValueError):
        engine.Change(kind="move_people", unit_id=1)
