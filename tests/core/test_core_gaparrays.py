"""The vectorised engine equals the scalar reference, and answers at organisation scale.

Equivalence with ``rollup`` / ``role_fit`` is the point of the engine, so here (unlike
elsewhere) the arrays are checked against the scalar code rather than worked numbers.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compms.core.dates import NO_EXPIRY, expiry_ordinal, expiry_ordinals, from_ordinal, ordinals
from compms.core.fit import GAP_STATUSES, Requirement, merge_requirements, role_fit
from compms.core.gaparrays import (
    GAP_EXPIRED,
    GAP_MET,
    GAP_MISSING,
    GAP_SHORT,
    PROFICIENCY_EXPIRED,
    PROFICIENCY_HELD,
    PROFICIENCY_NONE,
    EvidenceArrays,
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
from compms.core.rollup import (
    NO_PROFICIENCY,
    POLICIES,
    PROFICIENCY_STATUSES,
    EvidenceFact,
    Proficiency,
    rollup,
)
from tests.core.core_strategies import AS_OF, evidence_facts

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
N_PEOPLE, N_COMPS, N_UNITS = 4, 3, 2
AS_OF_ORD = AS_OF.toordinal()

EvidenceRow = tuple[int, int, EvidenceFact]
evidence_rows = st.lists(
    st.tuples(st.integers(0, N_PEOPLE - 1), st.integers(0, N_COMPS - 1), evidence_facts),
    max_size=24,
)
# A group is one person measured against one role profile (unique competencies).
GroupProfile = tuple[int, list[Requirement]]
group_profiles = st.lists(
    st.tuples(
        st.integers(0, N_PEOPLE - 1),
        st.lists(
            st.builds(
                Requirement,
                key=st.integers(0, N_COMPS - 1),
                required=st.integers(0, 5),
                criticality=st.sampled_from(["essential", "desirable"]),
            ),
            max_size=N_COMPS,
            unique_by=lambda requirement: requirement.key,
        ),
    ),
    max_size=6,
)
person_units = st.lists(st.integers(0, N_UNITS - 1), min_size=N_PEOPLE, max_size=N_PEOPLE)


def scalar_proficiencies(
    rows: list[EvidenceRow], policy: str
) -> dict[tuple[int, int], Proficiency]:
    return {
        (person, comp): rollup([f for p, c, f in rows if (p, c) == (person, comp)], AS_OF, policy)
        for person in range(N_PEOPLE)
        for comp in range(N_COMPS)
    }


def table_proficiency(
    table: ProficiencyTable, rows: list[EvidenceRow], person: int, comp: int
) -> Proficiency:
    """Rebuild a scalar Proficiency from the table; provenance comes via the winner row."""
    position = int(table.positions(np.array([person]), np.array([comp]))[0])
    if position < 0:
        return NO_PROFICIENCY
    status = PROFICIENCY_STATUSES[int(table.status[position])]
    winner = int(table.winner[position])
    fact = rows[winner][2] if winner >= 0 else None
    return Proficiency(
        level=int(table.level[position]),
        status=status,
        verified=bool(table.verified[position]),
        source=fact.source if fact else None,
        valid_until=fact.valid_until if fact else None,
        evidence_date=fact.recorded_on if fact else None,
        evidence_id=fact.evidence_id if fact else None,
    )


def requirement_rows(groups: list[GroupProfile]) -> tuple[RequirementRows, np.ndarray]:
    """Flatten group profiles into requirement rows plus each row's group index."""
    flat = [(g, person, r) for g, (person, profile) in enumerate(groups) for r in profile]
    rows = RequirementRows(
        person_idx=np.array([person for _, person, _ in flat], dtype=np.int32),
        comp_idx=np.array([r.key for _, _, r in flat], dtype=np.int32),
        required=np.array([r.required for _, _, r in flat], dtype=np.int16),
        essential=np.array([r.criticality == "essential" for _, _, r in flat], dtype=bool),
    )
    return rows, np.array([g for g, _, _ in flat], dtype=np.int64)


# --- Rollup ------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(rows=evidence_rows)
def test_rollup_arrays_equals_scalar_rollup_for_every_pair_and_policy(
    rows: list[EvidenceRow],
) -> None:
    evidence = EvidenceArrays.from_facts(rows)
    people, comps = np.divmod(np.arange(N_PEOPLE * N_COMPS), N_COMPS)
    for policy in POLICIES:
        table = evidence.rollup(AS_OF_ORD, N_PEOPLE, N_COMPS, policy)
        assert np.all(np.diff(table.pair_key) > 0), "pairs must be sorted and unique"
        expected = scalar_proficiencies(rows, policy)
        for (person, comp), proficiency in expected.items():
            got = table_proficiency(table, rows, person, comp)
            assert got == proficiency, (policy, person, comp)
        # Pairs in the table are exactly those with something held or expired.
        assert len(table.pair_key) == sum(p.status != "none" for p in expected.values())

        level, status, verified = table.lookup(people, comps)
        assert [
            (int(lv), PROFICIENCY_STATUSES[code], bool(ver))
            for lv, code, ver in zip(level, status, verified, strict=True)
        ] == [
            (expected[(p, c)].level, expected[(p, c)].status, expected[(p, c)].verified)
            for p, c in zip(people.tolist(), comps.tolist(), strict=True)
        ]
        dense = table.dense_levels(comps=[2, 0])
        assert dense.tolist() == [
            [expected[(person, 2)].level, expected[(person, 0)].level] for person in range(N_PEOPLE)
        ]


def test_rollup_arrays_on_the_worked_example() -> None:
    # Kim = person 0; P = comp 0, Q = comp 1; the colleague = person 1; person 2 has nothing.
    rows: list[EvidenceRow] = [
        (0, 0, EvidenceFact(3, "manager", date(2025, 10, 1))),
        (0, 0, EvidenceFact(4, "self", date(2026, 1, 5))),
        (0, 0, EvidenceFact(2, "assessor", date(2024, 2, 1), valid_until=date(2026, 2, 28))),
        (0, 1, EvidenceFact(1, "test", date(2026, 2, 1))),
        (0, 1, EvidenceFact(2, "test", date(2026, 2, 1))),
        (1, 0, EvidenceFact(3, "certificate", date(2024, 1, 31), valid_until=date(2026, 1, 31))),
    ]
    evidence = EvidenceArrays.from_facts(rows)
    people, comps = np.array([0, 0, 1, 2]), np.array([0, 1, 0, 0])

    march = evidence.rollup(date(2026, 3, 1).toordinal(), n_people=3, n_comps=2)
    level, status, verified = march.lookup(people, comps)
    assert level.tolist() == [3, 2, 0, 0]
    assert status.tolist() == [
        PROFICIENCY_HELD, PROFICIENCY_HELD, PROFICIENCY_EXPIRED, PROFICIENCY_NONE
    ]
    assert verified.tolist() == [True, True, False, False]
    kim_p = int(march.positions(np.array([0]), np.array([0]))[0])
    assert rows[int(march.winner[kim_p])][2].source == "manager"

    february = evidence.rollup(date(2026, 2, 15).toordinal(), n_people=3, n_comps=2)
    assert february.lookup(people, comps)[0].tolist() == [2, 2, 0, 0]

    # Technician: P essential 3, Q desirable 2, for Kim (group 0) and the colleague (group 1).
    required = RequirementRows(
        person_idx=np.array([0, 0, 1, 1], dtype=np.int32),
        comp_idx=np.array([0, 1, 0, 1], dtype=np.int32),
        required=np.array([3, 2, 3, 2], dtype=np.int16),
        essential=np.array([True, False, True, False]),
    )
    for table, fit, ready in [(march, 1.0, True), (february, 1 - 3 / 11, False)]:
        gaps = requirement_gaps_arrays(
            required.person_idx, required.comp_idx, required.required, table
        )
        result = fit_per_person_role(
            required.person_idx, required.required, required.essential, gaps.gap, n_groups=2
        )
        assert (result.fit[0], bool(result.ready[0])) == (fit, ready)
    # 15 February: Kim short on P; the colleague's certificate lapsed on 31 January.
    assert gaps.status.tolist() == [GAP_SHORT, GAP_MET, GAP_EXPIRED, GAP_MISSING]
    march_gaps = requirement_gaps_arrays(
        required.person_idx, required.comp_idx, required.required, march
    )
    assert march_gaps.status.tolist() == [GAP_MET, GAP_MET, GAP_EXPIRED, GAP_MISSING]


def test_rollup_arrays_with_no_evidence_is_an_empty_table() -> None:
    table = EvidenceArrays.from_facts([]).rollup(AS_OF_ORD, n_people=2, n_comps=2)
    assert len(table.pair_key) == 0
    level, status, verified = table.lookup(np.array([0, 1]), np.array([1, 0]))
    assert (level.tolist(), status.tolist(), verified.tolist()) == ([0, 0], [0, 0], [False, False])
    assert table.dense_levels().tolist() == [[0, 0], [0, 0]]


def test_rollup_arrays_rejects_bad_input() -> None:
    evidence = EvidenceArrays.from_facts([(1, 1, EvidenceFact(2, "test", AS_OF))])
    with pytest.raises(ValueError, match="'newest'"):
        evidence.rollup(AS_OF_ORD, 2, 2, policy="newest")
    with pytest.raises(ValueError, match="person_idx"):
        evidence.rollup(AS_OF_ORD, n_people=1, n_comps=2)
    with pytest.raises(ValueError, match="comp_idx"):
        evidence.rollup(AS_OF_ORD, n_people=2, n_comps=1)
    with pytest.raises(ValueError, match="differ in length"):
        rollup_arrays(
            person_idx=np.array([0]),
            comp_idx=np.array([0, 0]),
            level=np.array([1]),
            source_code=np.array([0]),
            recorded_ord=np.array([AS_OF_ORD]),
            valid_until_ord=np.array([NO_EXPIRY]),
            active_mask=np.array([True]),
            as_of_ord=AS_OF_ORD,
            n_people=1,
            n_comps=1,
        )


def test_date_helpers_round_trip_and_map_no_expiry_to_none() -> None:
    day = date(2026, 2, 28)
    assert from_ordinal(expiry_ordinal(day)) == day
    assert expiry_ordinal(None) == NO_EXPIRY
    assert from_ordinal(NO_EXPIRY) is None
    assert ordinals([day]).tolist() == [day.toordinal()]
    assert expiry_ordinals([None, day]).tolist() == [NO_EXPIRY, day.toordinal()]
    assert NO_EXPIRY > date.max.toordinal()


# --- Gaps and fit ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(rows=evidence_rows, groups=group_profiles, policy=st.sampled_from(POLICIES))
def test_gaps_and_fit_arrays_equal_role_fit_per_group(
    rows: list[EvidenceRow], groups: list[GroupProfile], policy: str
) -> None:
    table = EvidenceArrays.from_facts(rows).rollup(AS_OF_ORD, N_PEOPLE, N_COMPS, policy)
    proficiency = scalar_proficiencies(rows, policy)
    requirements, group_idx = requirement_rows(groups)
    gaps = requirement_gaps_arrays(
        requirements.person_idx, requirements.comp_idx, requirements.required, table
    )
    # One spare group with no requirements at all: fit 1.0, ready.
    fits = fit_per_person_role(
        group_idx, requirements.required, requirements.essential, gaps.gap, n_groups=len(groups) + 1
    )
    assert (fits.fit[-1], bool(fits.ready[-1])) == (1.0, True)

    row = 0
    for g, (person, profile) in enumerate(groups):
        expected = role_fit(profile, {comp: proficiency[(person, comp)] for comp in range(N_COMPS)})
        assert fits.fit[g] == expected.fit
        assert bool(fits.ready[g]) == expected.ready
        assert (fits.weighted_gap[g], fits.weighted_required[g]) == (
            expected.weighted_gap, expected.weighted_required
        )
        for gap in expected.gaps:
            assert (
                int(gaps.proficiency[row]),
                int(gaps.gap[row]),
                GAP_STATUSES[gaps.status[row]],
                bool(gaps.verified[row]),
            ) == (gap.proficiency, gap.gap, gap.status, gap.verified)
            row += 1


def test_fit_arrays_readiness_at_the_threshold() -> None:
    # Group 0: essential r=3 met, desirable r=1 short by 1 -> 1 - 1/10 = 0.9 exactly: ready.
    # Group 1: essential r=1 short by 1 (3), desirable r=27 met -> 1 - 3/30 = 0.9: not
    #          ready, an essential is unmet.
    # Group 2: 31 desirable r=1, 4 short -> 27/31 = 0.871: not ready.
    # Group 3: no requirements: fit 1, ready.
    group = np.array([0, 0, 1, 1, *([2] * 31)])
    required = np.array([3, 1, 1, 27, *([1] * 31)])
    essential = np.array([True, False, True, False, *([False] * 31)])
    gap = np.array([0, 1, 1, 0, *([1] * 4), *([0] * 27)])
    result = fit_per_person_role(group, required, essential, gap, n_groups=4)
    assert result.weighted_gap.tolist() == [1, 3, 4, 0]
    assert result.weighted_required.tolist() == [10, 30, 31, 0]
    assert result.fit.tolist() == pytest.approx([0.9, 0.9, 27 / 31, 1.0])
    assert result.ready.tolist() == [True, False, False, True]


@PROPERTY_SETTINGS
@given(groups=group_profiles)
def test_merge_requirement_rows_equals_merge_requirements_per_person(
    groups: list[GroupProfile],
) -> None:
    requirements, _ = requirement_rows(groups)
    merged = merge_requirement_rows(requirements, N_COMPS)
    got = {
        (int(p), int(c)): (int(r), "essential" if e else "desirable")
        for p, c, r, e in zip(
            merged.person_idx, merged.comp_idx, merged.required, merged.essential, strict=True
        )
    }
    expected = {
        (person, r.key): (r.required, r.criticality)
        for person in range(N_PEOPLE)
        for r in merge_requirements(profile for p, profile in groups if p == person)
    }
    assert got == expected
    assert len(got) == len(merged)


# --- Aggregates ------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(
    rows=evidence_rows,
    groups=group_profiles,
    units=person_units,
    policy=st.sampled_from(POLICIES),
)
def test_aggregates_equal_sums_over_each_persons_merged_gaps(
    rows: list[EvidenceRow], groups: list[GroupProfile], units: list[int], policy: str
) -> None:
    table = EvidenceArrays.from_facts(rows).rollup(AS_OF_ORD, N_PEOPLE, N_COMPS, policy)
    proficiency = scalar_proficiencies(rows, policy)
    requirements, _ = requirement_rows(groups)
    merged = merge_requirement_rows(requirements, N_COMPS)
    gaps = requirement_gaps_arrays(merged.person_idx, merged.comp_idx, merged.required, table)
    person_unit = np.array(units, dtype=np.int32)

    by_comp = aggregate_by_competency(merged.comp_idx, gaps.gap, gaps.status, N_COMPS)
    by_unit = aggregate_by_unit(merged.person_idx, gaps.gap, gaps.status, person_unit, N_UNITS)
    heatmap = aggregate_by_unit_competency(
        merged.person_idx, merged.comp_idx, gaps.gap, gaps.status, person_unit, N_UNITS, N_COMPS
    )

    # Person-level answers from the scalar code, summed by hand.
    comp_counts: Counter[tuple[str, int]] = Counter()
    unit_counts: Counter[tuple[str, int]] = Counter()
    cell_counts: Counter[tuple[str, int, int]] = Counter()
    for person in range(N_PEOPLE):
        profile = merge_requirements(profile for p, profile in groups if p == person)
        result = role_fit(profile, {c: proficiency[(person, c)] for c in range(N_COMPS)})
        unit = units[person]
        for gap in result.gaps:
            facts = {
                "required": 1,
                "met": int(gap.status == "met"),
                "levels_short": gap.gap,
                "held_below": int(gap.status == "short"),
                "missing": int(gap.status == "missing"),
                "expired": int(gap.status == "expired"),
            }
            for name, value in facts.items():
                comp_counts[(name, gap.key)] += value
                unit_counts[(name, unit)] += value
                cell_counts[(name, unit, gap.key)] += value

    for c in range(N_COMPS):
        assert by_comp.people_required[c] == comp_counts[("required", c)]
        assert by_comp.people_met[c] == comp_counts[("met", c)]
        assert by_comp.people_short[c] == comp_counts[("required", c)] - comp_counts[("met", c)]
        assert by_comp.levels_short[c] == comp_counts[("levels_short", c)]
        assert by_comp.held_below[c] == comp_counts[("held_below", c)]
        assert by_comp.missing[c] == comp_counts[("missing", c)]
        assert by_comp.expired[c] == comp_counts[("expired", c)]
    for u in range(N_UNITS):
        assert by_unit.requirements[u] == unit_counts[("required", u)]
        assert by_unit.met[u] == unit_counts[("met", u)]
        assert by_unit.levels_short[u] == unit_counts[("levels_short", u)]
        assert by_unit.missing[u] == unit_counts[("missing", u)]
        assert by_unit.expired[u] == unit_counts[("expired", u)]
        for c in range(N_COMPS):
            assert heatmap.requirements[u, c] == cell_counts[("required", u, c)]
            assert heatmap.met[u, c] == cell_counts[("met", u, c)]
            assert heatmap.levels_short[u, c] == cell_counts[("levels_short", u, c)]
            assert heatmap.missing[u, c] == cell_counts[("missing", u, c)]
            assert heatmap.expired[u, c] == cell_counts[("expired", u, c)]


def test_aggregates_on_a_hand_worked_organisation() -> None:
    # Unit 0: persons 0, 1; unit 1: person 2. Rows: (person, comp, required) -> proficiency.
    person = np.array([0, 0, 1, 2, 2])
    comp = np.array([0, 1, 0, 0, 1])
    gap = np.array([0, 2, 3, 1, 0])
    status = np.array([GAP_MET, GAP_SHORT, GAP_EXPIRED, GAP_MISSING, GAP_MET])
    by_comp = aggregate_by_competency(comp, gap, status, n_comps=3)
    assert by_comp.people_required.tolist() == [3, 2, 0]
    assert by_comp.people_short.tolist() == [2, 1, 0]
    assert by_comp.levels_short.tolist() == [4, 2, 0]
    assert (by_comp.missing.tolist(), by_comp.expired.tolist()) == ([1, 0, 0], [1, 0, 0])
    by_unit = aggregate_by_unit(person, gap, status, np.array([0, 0, 1]), n_units=2)
    assert (by_unit.requirements.tolist(), by_unit.met.tolist()) == ([3, 2], [1, 1])
    heatmap = aggregate_by_unit_competency(person, comp, gap, status, np.array([0, 0, 1]), 2, 3)
    assert heatmap.requirements.tolist() == [[2, 1, 0], [1, 1, 0]]
    assert heatmap.met.tolist() == [[1, 0, 0], [0, 1, 0]]


# --- Scale ------------------------------------------------------------------------------------


