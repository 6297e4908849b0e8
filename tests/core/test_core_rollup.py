"""Rollup of evidence into proficiency: DESIGN.md worked example, edge cases, properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compms.core.rollup import (
    POLICIES,
    SOURCES,
    EvidenceFact,
    Proficiency,
    rollup,
)
from tests.core.core_strategies import AS_OF, evidence_lists, self_facts

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# Kim's evidence for competency P (DESIGN.md worked example).
KIM_P = [
    EvidenceFact(level=3, source="manager", recorded_on=date(2025, 10, 1), evidence_id=1),
    EvidenceFact(level=4, source="self", recorded_on=date(2026, 1, 5), evidence_id=2),
    EvidenceFact(
        level=2,
        source="assessor",
        recorded_on=date(2024, 2, 1),
        valid_until=date(2026, 2, 28),
        evidence_id=3,
    ),
]
KIM_Q = [
    EvidenceFact(level=1, source="test", recorded_on=date(2026, 2, 1), evidence_id=4),
    EvidenceFact(level=2, source="test", recorded_on=date(2026, 2, 1), evidence_id=5),
]


# --- DESIGN.md worked example ---------------------------------------------------------


def test_kim_p_on_1_march_falls_back_to_the_manager_record_once_the_assessor_lapsed() -> None:
    assert rollup(KIM_P, date(2026, 3, 1)) == Proficiency(
        level=3,
        status="held",
        verified=True,
        source="manager",
        valid_until=None,
        evidence_date=date(2025, 10, 1),
        evidence_id=1,
    )


def test_kim_q_tie_on_date_takes_the_higher_level() -> None:
    proficiency = rollup(KIM_Q, date(2026, 3, 1))
    assert (proficiency.level, proficiency.source, proficiency.evidence_id) == (2, "test", 5)
    assert proficiency.verified


def test_kim_p_on_15_february_the_assessor_still_counts_and_tier_1_wins() -> None:
    proficiency = rollup(KIM_P, date(2026, 2, 15))
    assert (proficiency.level, proficiency.source, proficiency.status) == (2, "assessor", "held")
    assert proficiency.valid_until == date(2026, 2, 28)


def test_colleague_with_only_an_expired_certificate_is_expired_at_level_0() -> None:
    certificate = EvidenceFact(
        level=3, source="certificate", recorded_on=date(2024, 1, 31), valid_until=date(2026, 1, 31)
    )
    proficiency = rollup([certificate], date(2026, 3, 1))
    assert (proficiency.level, proficiency.status, proficiency.verified) == (0, "expired", False)
    assert proficiency.source is None


def test_no_evidence_at_all_is_none_at_level_0() -> None:
    assert rollup([], date(2026, 3, 1)) == Proficiency(
        level=0,
        status="none",
        verified=False,
        source=None,
        valid_until=None,
        evidence_date=None,
        evidence_id=None,
    )


# --- Step 1 filters -----------------------------------------------------------------------


def test_evidence_counts_on_its_valid_until_day_and_lapses_the_day_after() -> None:
    certificate = EvidenceFact(
        level=4, source="certificate", recorded_on=date(2025, 1, 1), valid_until=date(2026, 2, 28)
    )
    assert rollup([certificate], date(2026, 2, 28)).level == 4
    after = rollup([certificate], date(2026, 3, 1))
    assert (after.level, after.status) == (0, "expired")


def test_revoked_and_superseded_evidence_is_ignored() -> None:
    base = EvidenceFact(level=1, source="manager", recorded_on=date(2025, 1, 1))
    revoked = EvidenceFact(level=5, source="assessor", recorded_on=date(2025, 6, 1), revoked=True)
    superseded = EvidenceFact(
        level=4, source="assessor", recorded_on=date(2025, 7, 1), superseded=True
    )
    for policy in POLICIES:
        result = rollup([base, revoked, superseded], AS_OF, policy)
        assert (result.level, result.source) == (1, "manager"), policy


def test_revoked_or_superseded_expired_evidence_does_not_make_the_status_expired() -> None:
    lapsed = dict(source="certificate", recorded_on=date(2024, 1, 1), valid_until=date(2025, 1, 1))
    facts = [
        EvidenceFact(level=3, revoked=True, **lapsed),
        EvidenceFact(level=3, superseded=True, **lapsed),
    ]
    assert rollup(facts, AS_OF).status == "none"


def test_evidence_recorded_after_the_as_of_date_is_ignored() -> None:
    early = EvidenceFact(level=2, source="test", recorded_on=date(2026, 2, 28))
    later = EvidenceFact(level=5, source="assessor", recorded_on=date(2026, 3, 2))
    assert rollup([early, later], date(2026, 3, 1)).level == 2
    assert rollup([later], date(2026, 3, 1)).status == "none"
    # Recorded on the as-of date itself counts.
    assert rollup([early, later], date(2026, 3, 2)).level == 5


def test_expired_evidence_recorded_after_as_of_does_not_count_as_expired() -> None:
    future = EvidenceFact(
        level=3, source="assessor", recorded_on=date(2026, 3, 5), valid_until=date(2026, 2, 1)
    )
    assert rollup([future], date(2026, 3, 1)).status == "none"


def test_some_held_evidence_means_held_even_if_a_stronger_record_expired() -> None:
    facts = [
        EvidenceFact(
            level=5, source="assessor", recorded_on=date(2024, 1, 1), valid_until=date(2025, 1, 1)
        ),
        EvidenceFact(level=1, source="experience", recorded_on=date(2024, 6, 1)),
    ]
    result = rollup(facts, AS_OF)
    assert (result.level, result.status, result.source) == (1, "held", "experience")


# --- Verification ----------------------------------------------------------------------


def test_self_assessment_alone_is_held_but_unverified() -> None:
    result = rollup([EvidenceFact(level=3, source="self", recorded_on=date(2026, 1, 1))], AS_OF)
    assert (result.level, result.status, result.verified) == (3, "held", False)


def test_experience_is_verified_and_beats_a_higher_later_self_assessment() -> None:
    facts = [
        EvidenceFact(level=1, source="experience", recorded_on=date(2025, 1, 1)),
        EvidenceFact(level=5, source="self", recorded_on=date(2026, 1, 1)),
    ]
    result = rollup(facts, AS_OF)
    assert (result.level, result.verified, result.source) == (1, True, "experience")


# --- Policies on one hand-worked set ----------------------------------------------------

# As of 2026-03-01 every record below counts.
MIXED = [
    EvidenceFact(level=2, source="assessor", recorded_on=date(2025, 1, 1), evidence_id=10),
    EvidenceFact(level=4, source="manager", recorded_on=date(2025, 6, 1), evidence_id=11),
    EvidenceFact(level=3, source="experience", recorded_on=date(2025, 9, 1), evidence_id=12),
    EvidenceFact(level=5, source="self", recorded_on=date(2025, 9, 1), evidence_id=13),
]


@pytest.mark.parametrize(
    ("policy", "level", "source", "verified"),
    [
        ("default", 2, "assessor", True),  # best tier present, even though oldest and lowest
        ("verified_only", 2, "assessor", True),
        ("latest", 5, "self", False),  # 2025-09-01 tie: self 5 beats experience 3 on level
        ("highest", 5, "self", False),
    ],
)
def test_each_policy_on_the_mixed_set(policy: str, level: int, source: str, verified: bool) -> None:
    result = rollup(MIXED, AS_OF, policy)
    assert (result.level, result.source, result.verified) == (level, source, verified)


def test_latest_breaks_a_same_day_same_level_tie_towards_the_stronger_source() -> None:
    facts = [
        EvidenceFact(level=3, source="self", recorded_on=date(2026, 1, 1)),
        EvidenceFact(level=3, source="test", recorded_on=date(2026, 1, 1)),
    ]
    result = rollup(facts, AS_OF, "latest")
    assert (result.source, result.verified) == ("test", True)


def test_highest_reports_the_strongest_source_among_equal_levels() -> None:
    facts = [
        EvidenceFact(level=4, source="self", recorded_on=date(2026, 2, 1)),
        EvidenceFact(level=4, source="manager", recorded_on=date(2025, 2, 1)),
        EvidenceFact(level=1, source="assessor", recorded_on=date(2026, 2, 1)),
    ]
    result = rollup(facts, AS_OF, "highest")
    assert (result.level, result.source, result.verified) == (4, "manager", True)


def test_verified_only_ignores_self_entirely() -> None:
    self_only = [EvidenceFact(level=3, source="self", recorded_on=date(2026, 1, 1))]
    assert rollup(self_only, AS_OF, "default").level == 3
    assert rollup(self_only, AS_OF, "verified_only").status == "none"

    lapsed_manager = EvidenceFact(
        level=2, source="manager", recorded_on=date(2024, 1, 1), valid_until=date(2025, 1, 1)
    )
    result = rollup([*self_only, lapsed_manager], AS_OF, "verified_only")
    assert (result.level, result.status) == (0, "expired")

    lapsed_self = EvidenceFact(
        level=3, source="self", recorded_on=date(2024, 1, 1), valid_until=date(2025, 1, 1)
    )
    assert rollup([lapsed_self], AS_OF, "default").status == "expired"
    assert rollup([lapsed_self], AS_OF, "verified_only").status == "none"


def test_full_ties_prefer_longer_validity_then_source_order_then_higher_id() -> None:
    day = date(2026, 1, 1)
    short = EvidenceFact(level=3, source="assessor", recorded_on=day, valid_until=date(2026, 6, 1))
    forever = EvidenceFact(level=3, source="certificate", recorded_on=day)
    assert rollup([short, forever], AS_OF).source == "certificate"

    assessor = EvidenceFact(level=3, source="assessor", recorded_on=day, evidence_id=1)
    certificate = EvidenceFact(level=3, source="certificate", recorded_on=day, evidence_id=9)
    assert rollup([certificate, assessor], AS_OF).source == "assessor"

    first = EvidenceFact(level=3, source="test", recorded_on=day, evidence_id=7)
    second = EvidenceFact(level=3, source="test", recorded_on=day, evidence_id=8)
    assert rollup([second, first], AS_OF).evidence_id == 8


# --- Validation --------------------------------------------------------------------------


def test_unknown_policy_is_rejected_by_name() -> None:
    with pytest.raises(ValueError, match="'best_guess'"):
        rollup([], AS_OF, "best_guess")


def test_unknown_source_and_negative_level_are_rejected() -> None:
    with pytest.raises(ValueError, match="'boss'"):
        EvidenceFact(level=1, source="boss", recorded_on=AS_OF)
    with pytest.raises(ValueError, match="-1"):
        EvidenceFact(level=-1, source="self", recorded_on=AS_OF)


def test_sources_and_policies_are_the_documented_ones() -> None:
    assert SOURCES == (
        "assessor", "certificate", "manager", "test", "training", "experience", "self"
    )
    assert POLICIES == ("default", "latest", "highest", "verified_only")


# --- Properties ------------------------------------------------------------------------------


def _counts(fact: EvidenceFact, policy: str) -> bool:
    """Written out independently of the implementation: DESIGN.md step 1 (+ verified_only)."""
    return (
        not fact.revoked
        and not fact.superseded
        and fact.recorded_on <= AS_OF
        and (fact.valid_until is None or fact.valid_until >= AS_OF)
        and not (policy == "verified_only" and fact.source == "self")
    )


@PROPERTY_SETTINGS
@given(facts=evidence_lists, policy=st.sampled_from(POLICIES))
def test_result_comes_from_a_counted_record_or_is_level_0_none_or_expired(
    facts: list[EvidenceFact], policy: str
) -> None:
    result = rollup(facts, AS_OF, policy)
    counted = [fact for fact in facts if _counts(fact, policy)]
    if counted:
        assert result.status == "held"
        provenance = (
            result.level,
            result.source,
            result.evidence_date,
            result.valid_until,
            result.evidence_id,
        )
        assert provenance in {
            (f.level, f.source, f.recorded_on, f.valid_until, f.evidence_id) for f in counted
        }
        return
    assert (result.level, result.source, result.verified) == (0, None, False)
    would_count_but_lapsed = any(
        not f.revoked
        and not f.superseded
        and f.recorded_on <= AS_OF
        and f.valid_until is not None
        and f.valid_until < AS_OF
        and not (policy == "verified_only" and f.source == "self")
        for f in facts
    )
    assert result.status == ("expired" if would_count_but_lapsed else "none")


@PROPERTY_SETTINGS
@given(facts=evidence_lists)
def test_highest_is_the_maximum_counted_level(facts: list[EvidenceFact]) -> None:
    counted_levels = [fact.level for fact in facts if _counts(fact, "highest")]
    assert rollup(facts, AS_OF, "highest").level == max(counted_levels, default=0)
    for policy in POLICIES:
        assert rollup(facts, AS_OF, policy).level <= rollup(facts, AS_OF, "highest").level


@PROPERTY_SETTINGS
@given(facts=evidence_lists)
def test_default_is_unverified_exactly_when_only_self_evidence_counts(
    facts: list[EvidenceFact],
) -> None:
    result = rollup(facts, AS_OF)
    counted_sources = {fact.source for fact in facts if _counts(fact, "default")}
    if counted_sources:
        assert result.verified == (counted_sources != {"self"})


@PROPERTY_SETTINGS
@given(facts=evidence_lists, extra_self=self_facts)
def test_adding_self_evidence_never_changes_a_verified_default_result(
    facts: list[EvidenceFact], extra_self: EvidenceFact
) -> None:
    before = rollup(facts, AS_OF)
    if before.verified:
        assert rollup([*facts, extra_self], AS_OF) == before
    with_self = rollup([*facts, extra_self], AS_OF, "verified_only")
    assert with_self == rollup(facts, AS_OF, "verified_only")


@PROPERTY_SETTINGS
@given(data=st.data(), facts=evidence_lists, policy=st.sampled_from(POLICIES))
def test_input_order_never_matters(
    data: st.DataObject, facts: list[EvidenceFact], policy: str
) -> None:
    shuffled = data.draw(st.permutations(facts))
    assert rollup(shuffled, AS_OF, policy) == rollup(facts, AS_OF, policy)
