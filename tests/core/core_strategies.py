"""Hypothesis strategies shared by the core tests (imported as a sibling module).

Dates are drawn from a few days around one as-of date so that ties on date, expiry on
the boundary day and evidence recorded after the as-of date all happen often.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from compms.core.rollup import SOURCES, EvidenceFact

AS_OF = date(2026, 3, 1)


def days_from_as_of(low: int, high: int) -> st.SearchStrategy[date]:
    return st.integers(low, high).map(lambda offset: AS_OF + timedelta(days=offset))


evidence_facts: st.SearchStrategy[EvidenceFact] = st.builds(
    EvidenceFact,
    level=st.integers(0, 5),
    source=st.sampled_from(SOURCES),
    recorded_on=days_from_as_of(-6, 2),
    valid_until=st.none() | days_from_as_of(-3, 3),
    # Mostly live records, so that the rollup has something to rank.
    revoked=st.sampled_from([False, False, False, True]),
    superseded=st.sampled_from([False, False, False, True]),
    # Few distinct ids, and None, so that full ties reach the evidence-id tie-break.
    evidence_id=st.none() | st.integers(1, 4),
)

evidence_lists = st.lists(evidence_facts, max_size=8)

# The same records, all made self-assessments.
self_facts: st.SearchStrategy[EvidenceFact] = evidence_facts.map(
    lambda fact: EvidenceFact(
        level=fact.level,
        source="self",
        recorded_on=fact.recorded_on,
        valid_until=fact.valid_until,
        revoked=fact.revoked,
        superseded=fact.superseded,
        evidence_id=fact.evidence_id,
    )
)
