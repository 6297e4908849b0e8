"""Readiness bands, hours to close a gap, bench strength and the 9-box, on hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from compms.core.readiness import (
    DEFAULT_HOURS_PER_LEVEL,
    READY_1_2_YEARS,
    READY_3_PLUS_YEARS,
    READY_NOW,
    Outcome,
    bench_of,
    box_label,
    career_score,
    effective_readiness,
    hours_table,
    hours_to_close,
    nine_box,
    profile_similarity,
    readiness,
    readiness_codes,
)


def test_a_met_gap_needs_no_hours() -> None:
    assert hours_to_close(3, 3, []) == 0
    assert hours_to_close(4, 3, []) == 0


def test_without_resources_each_level_costs_the_default() -> None:
    assert hours_to_close(1, 4, []) == 3 * DEFAULT_HOURS_PER_LEVEL


def test_the_cheapest_chain_of_resources_is_taken() -> None:
    # From 1 to 4: course A (1->3, 30 h) then the default step 3->4 (40 h) = 70 h, beaten by
    # A then course B (3->5, 20 h, capped at the required 4) = 50 h.
    outcomes = [Outcome("P", 1, 3, 30), Outcome("P", 3, 5, 20), Outcome("P", 0, 4, 200)]
    assert hours_to_close(1, 4, outcomes) == 50
    # Someone at 0 cannot take A (entry 1): default 0->1 (40) + 30 + 20 = 90 beats the 200 h course.
    assert hours_to_close(0, 4, outcomes) == 90


def test_hours_table_agrees_with_the_scalar_path() -> None:
    outcomes = [Outcome("P", 1, 3, 30), Outcome("P", 3, 5, 20)]
    table = hours_table(outcomes, 5)
    for current in range(6):
        for required in range(6):
            assert table[current, required] == hours_to_close(current, required, outcomes)


def test_readiness_bands() -> None:
    # Technician: P essential 3 (w 3), Q desirable 2 (w 1): weighted required 11.
    assert readiness(0, 11, True, 0) == READY_NOW
    # Q one short: fit 10/11 = 0.909 and essentials met: ready now even with hours outstanding.
    assert readiness(1, 11, True, 40) == READY_NOW
    # P one short (essential unmet): 40 h at 8 h a month = 5 months -> 1-2 years.
    assert readiness(3, 11, False, 40) == READY_1_2_YEARS
    # 24 months exactly is still "soon"; one hour more is not.
    assert readiness(9, 11, False, 192) == READY_1_2_YEARS
    assert readiness(9, 11, False, 193) == READY_3_PLUS_YEARS
    # a faster pace brings it back
    assert readiness(9, 11, False, 193, pace_hours_per_month=16) == READY_1_2_YEARS


def test_vectorised_readiness_matches() -> None:
    codes = readiness_codes(np.array([True, False, False]), np.array([500.0, 192.0, 193.0]))
    assert codes.tolist() == [0, 1, 2]


def test_bench_strength_and_flag() -> None:
    bench = bench_of([READY_NOW, READY_1_2_YEARS, READY_1_2_YEARS, READY_3_PLUS_YEARS])
    assert (bench.ready_now, bench.ready_soon, bench.ready_later) == (1, 2, 1)
    assert not bench.flagged and bench.strength == "adequate"
    empty = bench_of([READY_3_PLUS_YEARS])
    assert empty.flagged and empty.strength == "none"
    assert bench_of([READY_1_2_YEARS]).strength == "weak"
    assert bench_of([READY_NOW, READY_NOW]).strength == "strong"
    with pytest.raises(ValueError):
        bench_of(["soonish"])


def test_an_override_wins_but_only_when_given() -> None:
    assert effective_readiness(READY_3_PLUS_YEARS, READY_NOW) == READY_NOW
    assert effective_readiness(READY_3_PLUS_YEARS, None) == READY_3_PLUS_YEARS


def test_nine_box_numbering_and_names() -> None:
    assert nine_box(1, 1) == 1
    assert nine_box(3, 1) == 3
    assert nine_box(1, 3) == 7
    assert nine_box(3, 3) == 9
    assert box_label(3, 3) == "Star"
    assert box_label(2, 2) == "Core player"
    with pytest.raises(ValueError):
        nine_box(0, 2)


def test_profile_similarity() -> None:
    assert profile_similarity({"P": 3, "Q": 2}, {"P": 3, "Q": 2}) == pytest.approx(1.0)
    assert profile_similarity({"P": 3}, {"Q": 2}) == 0.0
    # (3*3) / (sqrt(13) * 3) = 0.832
    assert profile_similarity({"P": 3, "Q": 2}, {"P": 3}) == pytest.approx(3 / 13 ** 0.5)
    assert profile_similarity({}, {"P": 1}) == 0.0
    assert career_score(1.0, 0.5) == 0.75
