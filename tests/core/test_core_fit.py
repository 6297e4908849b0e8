"""Requirement gaps, role fit, readiness and merged profiles."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compms.core.fit import (
    READY_FIT,
    WEIGHTS,
    Requirement,
    merge_requirements,
    role_fit,
)
from compms.core.rollup import (
    EXPIRED_PROFICIENCY,
    NO_PROFICIENCY,
    EvidenceFact,
    Proficiency,
    rollup,
)
from tests.core.core_strategies import AS_OF

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

TECHNICIAN = [
    Requirement(key="P", required=3, criticality="essential"),
    Requirement(key="Q", required=2, criticality="desirable"),
]
KIM_EVIDENCE = {
    "P": [
        EvidenceFact(level=3, source="manager", recorded_on=date(2025, 10, 1)),
        EvidenceFact(level=4, source="self", recorded_on=date(2026, 1, 5)),
        EvidenceFact(
            level=2, source="assessor", recorded_on=date(2024, 2, 1), valid_until=date(2026, 2, 28)
        ),
    ],
    "Q": [
        EvidenceFact(level=1, source="test", recorded_on=date(2026, 2, 1)),
        EvidenceFact(level=2, source="test", recorded_on=date(2026, 2, 1)),
    ],
}


def held(level: int, source: str = "manager") -> Proficiency:
    return Proficiency(
        level=level,
        status="held",
        verified=source != "self",
        source=source,
        valid_until=None,
        evidence_date=date(2025, 1, 1),
        evidence_id=None,
    )


def kim_on(as_of: date) -> dict[str, Proficiency]:
    return {key: rollup(facts, as_of) for key, facts in KIM_EVIDENCE.items()}


# --- DESIGN.md worked example ------------------------------------------------------------


def test_kim_on_1_march_meets_both_and_is_ready() -> None:
    result = role_fit(TECHNICIAN, kim_on(date(2026, 3, 1)))
    assert result.fit == 1.0
    assert result.ready
    assert (result.weighted_gap, result.weighted_required) == (0, 11)
    p, q = result.gaps
    assert (p.key, p.proficiency, p.gap, p.status, p.verified, p.source) == (
        "P", 3, 0, "met", True, "manager"
    )
    assert (q.key, q.proficiency, q.gap, q.status) == ("Q", 2, 0, "met")


def test_kim_on_15_february_is_short_one_level_of_p_and_not_ready() -> None:
    result = role_fit(TECHNICIAN, kim_on(date(2026, 2, 15)))
    p = result.gaps[0]
    assert (p.proficiency, p.gap, p.status, p.source) == (2, 1, "short", "assessor")
    assert p.valid_until == date(2026, 2, 28)
    assert (result.weighted_gap, result.weighted_required) == (3, 11)
    assert result.fit == pytest.approx(0.727, abs=5e-4)
    assert result.fit == 1 - 3 / 11
    assert not result.ready


def test_colleague_with_expired_certificate_is_expired_and_one_without_evidence_missing() -> None:
    certificate = EvidenceFact(
        level=3, source="certificate", recorded_on=date(2024, 1, 31), valid_until=date(2026, 1, 31)
    )
    expired = role_fit(TECHNICIAN, {"P": rollup([certificate], date(2026, 3, 1))})
    assert (expired.gaps[0].proficiency, expired.gaps[0].status) == (0, "expired")
    # Q has no evidence at all: the mapping simply lacks it.
    assert expired.gaps[1].status == "missing"
    # Fit = 1 - (3x3 + 1x2)/11 = 0.
    assert expired.fit == 0.0

    nothing = role_fit(TECHNICIAN, {})
    assert [gap.status for gap in nothing.gaps] == ["missing", "missing"]
    assert [gap.gap for gap in nothing.gaps] == [3, 2]


# --- Gap status decisions --------------------------------------------------------------


def test_held_below_the_required_level_is_short_even_if_a_higher_record_expired() -> None:
    facts = [
        EvidenceFact(
            level=4,
            source="certificate",
            recorded_on=date(2023, 1, 1),
            valid_until=date(2025, 1, 1),
        ),
        EvidenceFact(level=1, source="self", recorded_on=date(2025, 6, 1)),
    ]
    gap = role_fit([Requirement("P", 3, "essential")], {"P": rollup(facts, AS_OF)}).gaps[0]
    assert (gap.proficiency, gap.gap, gap.status, gap.verified) == (1, 2, "short", False)


def test_an_evidenced_level_0_is_short_not_missing() -> None:
    gap = role_fit([Requirement("P", 2, "desirable")], {"P": held(0, "assessor")}).gaps[0]
    assert (gap.gap, gap.status) == (2, "short")


def test_exceeding_the_required_level_is_met_with_no_negative_gap() -> None:
    result = role_fit([Requirement("P", 2, "essential")], {"P": held(5)})
    assert (result.gaps[0].gap, result.gaps[0].status, result.fit) == (0, "met", 1.0)


def test_a_required_level_of_0_is_met_by_nobody_having_evidence() -> None:
    result = role_fit([Requirement("P", 0, "essential")], {})
    assert result.gaps[0].status == "met"
    assert (result.fit, result.ready) == (1.0, True)


# --- Fit and readiness ----------------------------------------------------------------------


def test_weights_and_threshold_are_the_documented_ones() -> None:
    assert WEIGHTS == {"essential": 3, "desirable": 1}
    assert READY_FIT == 0.9


def test_a_role_with_no_requirements_has_fit_1_and_is_ready() -> None:
    result = role_fit([], {"P": held(3)})
    assert (result.fit, result.ready, result.gaps) == (1.0, True, ())


def test_fit_exactly_at_the_threshold_is_ready() -> None:
    # sum(w*r) = 3x3 + 1x1 = 10; Q missing -> sum(w*gap) = 1; fit = 1 - 1/10 = 0.9.
    requirements = [Requirement("P", 3, "essential"), Requirement("Q", 1, "desirable")]
    result = role_fit(requirements, {"P": held(3)})
    assert (result.weighted_gap, result.weighted_required) == (1, 10)
    assert result.ready


def test_just_below_the_threshold_is_not_ready() -> None:
    # 31 desirable level-1 requirements, 4 missing: fit = 27/31 = 0.871.
    requirements = [Requirement(i, 1, "desirable") for i in range(31)]
    result = role_fit(requirements, {i: held(1) for i in range(27)})
    assert result.fit == pytest.approx(27 / 31)
    assert not result.ready
    # 3 missing: 28/31 = 0.903, ready.
    assert role_fit(requirements, {i: held(1) for i in range(28)}).ready


def test_an_unmet_essential_blocks_readiness_even_at_fit_0_9() -> None:
    # Essential E (r=1, weight 3) missing: gap 3 of sum(w*r) = 3 + 27 = 30 -> fit 0.9.
    requirements = [Requirement("E", 1, "essential"), Requirement("D", 27, "desirable")]
    result = role_fit(requirements, {"D": held(27)})
    assert result.fit == pytest.approx(0.9)
    assert not result.ready


def test_a_requirement_listed_twice_is_rejected() -> None:
    with pytest.raises(ValueError, match="'P'"):
        role_fit([Requirement("P", 1, "essential"), Requirement("P", 2, "desirable")], {})


def test_bad_requirements_are_rejected() -> None:
    with pytest.raises(ValueError, match="'critical'"):
        Requirement("P", 1, "critical")
    with pytest.raises(ValueError, match="-2"):
        Requirement("P", -2, "essential")


# --- Several roles ----------------------------------------------------------------------


def test_merge_takes_the_highest_level_and_essential_if_any_role_says_so() -> None:
    operator = [Requirement("P", 2, "essential"), Requirement("Q", 3, "desirable")]
    supervisor = [Requirement("P", 4, "desirable"), Requirement("R", 1, "desirable")]
    assert merge_requirements([operator, supervisor]) == [
        Requirement("P", 4, "essential"),
        Requirement("Q", 3, "desirable"),
        Requirement("R", 1, "desirable"),
    ]


def test_merge_of_nothing_is_empty() -> None:
    assert merge_requirements([]) == []
    assert merge_requirements([[], []]) == []


# --- Properties ------------------------------------------------------------------------------

requirement_lists = st.lists(
    st.builds(
        Requirement,
        key=st.sampled_from("ABCDEF"),
        required=st.integers(0, 5),
        criticality=st.sampled_from(["essential", "desirable"]),
    ),
    max_size=6,
    unique_by=lambda requirement: requirement.key,
)
proficiency_maps = st.dictionaries(
    st.sampled_from("ABCDEF"),
    st.one_of(
        st.builds(held, level=st.integers(0, 5), source=st.sampled_from(["manager", "self"])),
        st.just(NO_PROFICIENCY),
        st.just(EXPIRED_PROFICIENCY),
    ),
)


@PROPERTY_SETTINGS
@given(requirements=requirement_lists, proficiencies=proficiency_maps)
def test_fit_is_within_0_and_1_and_is_1_exactly_when_nothing_is_short(
    requirements: list[Requirement], proficiencies: dict[str, Proficiency]
) -> None:
    result = role_fit(requirements, proficiencies)
    assert 0.0 <= result.fit <= 1.0
    if sum(WEIGHTS[r.criticality] * r.required for r in requirements) > 0:
        assert (result.fit == 1.0) == all(gap.gap == 0 for gap in result.gaps)
    for requirement, gap in zip(requirements, result.gaps, strict=True):
        level = proficiencies.get(requirement.key, NO_PROFICIENCY).level
        assert gap.gap == max(0, requirement.required - level)
        assert (gap.status == "met") == (level >= requirement.required)
    if result.ready:
        assert result.fit >= 0.9 - 1e-12
        assert all(gap.status == "met" for gap in result.gaps if gap.criticality == "essential")


@PROPERTY_SETTINGS
@given(profiles=st.lists(requirement_lists, max_size=4), proficiencies=proficiency_maps)
def test_merged_profile_gaps_cover_every_role(
    profiles: list[list[Requirement]], proficiencies: dict[str, Proficiency]
) -> None:
    merged = merge_requirements(profiles)
    assert len({r.key for r in merged}) == len(merged)
    merged_gap = {gap.key: gap for gap in role_fit(merged, proficiencies).gaps}
    for profile in profiles:
        for gap in role_fit(profile, proficiencies).gaps:
            # The merged requirement is at least as demanding as every role's.
            assert merged_gap[gap.key].gap >= gap.gap
            if gap.criticality == "essential":
                assert merged_gap[gap.key].criticality == "essential"
