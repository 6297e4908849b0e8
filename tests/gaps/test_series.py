"""Proficiency on many dates at once (compms.gaps.series) equals the rollup run date by date.

No database: random evidence arrays, several rollup policies mixed by competency, dates around the
records so that ties, expiry on the boundary day and evidence recorded later all occur.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compms.core.gaparrays import EvidenceArrays, rollup_arrays
from compms.core.rollup import POLICIES, SOURCES, EvidenceFact
from compms.gaps.series import in_sorted, levels_on_dates, sorted_unique

BASE = date(2026, 3, 1)
N_PEOPLE, N_COMPS = 3, 4

records = st.lists(
    st.tuples(
        st.integers(0, N_PEOPLE - 1), st.integers(0, N_COMPS - 1),
        st.builds(EvidenceFact, level=st.integers(0, 5), source=st.sampled_from(SOURCES),
                  recorded_on=st.integers(-8, 3).map(lambda d: BASE + timedelta(days=d)),
                  valid_until=st.none() | st.integers(-5, 5).map(lambda d: BASE + timedelta(days=d)),
                  revoked=st.sampled_from([False, False, False, True]),
                  evidence_id=st.none() | st.integers(1, 5))),
    max_size=40)


@settings(max_examples=150, deadline=None)
@given(records, st.lists(st.sampled_from(range(len(POLICIES))), min_size=N_COMPS, max_size=N_COMPS),
       st.lists(st.integers(-9, 6), min_size=1, max_size=6))
def test_levels_on_many_dates_equal_the_rollup_of_each_date(rows, policy_of_comp, offsets):
    evidence = EvidenceArrays.from_facts(rows)
    policy = np.array([policy_of_comp[c] for c in evidence.comp_idx.tolist()], dtype=np.int8)
    days = [BASE + timedelta(days=d) for d in offsets]

    series = levels_on_dates(evidence, policy, N_COMPS, [d.toordinal() for d in days])

    for d, day in enumerate(days):
        for code in set(policy_of_comp):
            comps = [c for c in range(N_COMPS) if policy_of_comp[c] == code]
            mask = np.isin(evidence.comp_idx, comps)
            table = rollup_arrays(evidence.person_idx[mask], evidence.comp_idx[mask], evidence.level[mask],
                                  evidence.source_code[mask], evidence.recorded_ord[mask],
                                  evidence.valid_until_ord[mask], evidence.active[mask], day.toordinal(),
                                  N_PEOPLE, N_COMPS, POLICIES[code], evidence.evidence_id[mask])
            people = np.repeat(np.arange(N_PEOPLE), len(comps))
            claims = np.tile(np.array(comps, dtype=np.int64), N_PEOPLE)
            level, status, _ = table.lookup(people, claims)
            columns = series.positions(people, claims)
            ours_level = series.levels_of(columns)[d]
            ours_status = series.statuses_of(columns)[d]
            assert ours_level.tolist() == level.tolist(), (day, POLICIES[code])
            assert ours_status.tolist() == status.tolist(), (day, POLICIES[code])


def test_only_the_wanted_pairs_are_rolled_up():
    rows = [(0, 0, EvidenceFact(level=3, source="assessor", recorded_on=BASE)),
            (1, 2, EvidenceFact(level=4, source="self", recorded_on=BASE))]
    evidence = EvidenceArrays.from_facts(rows)

    series = levels_on_dates(evidence, np.zeros(2, dtype=np.int8), N_COMPS, [BASE.toordinal()],
                             wanted_pairs=np.array([1 * N_COMPS + 2], dtype=np.int64))

    assert series.pair_key.tolist() == [1 * N_COMPS + 2]
    assert series.level.tolist() == [[4]]


def test_sorted_unique_and_membership_agree_with_numpy():
    values = np.array([5, 3, 5, 9, 0, 3], dtype=np.int64)
    keys = sorted_unique(values)
    assert keys.tolist() == [0, 3, 5, 9]
    assert in_sorted(np.array([3, 4, 9, 10]), keys).tolist() == [True, False, True, False]
    assert in_sorted(np.array([1]), np.zeros(0, dtype=np.int64)).tolist() == [False]
