"""Property: the check says "authorised" on a day only if the grant is in force and every requirement is
held on that day at its level with verified evidence, and it never authorises without naming no reason."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given
from hypothesis import strategies as st

from compms.authorisations import rules
from compms.core.rollup import NO_PROFICIENCY, STATUS_EXPIRED, STATUS_HELD, STATUS_NONE, Proficiency

DAY = dt.date(2026, 3, 1)
COMPETENCIES = [uuid.UUID(int=n) for n in range(1, 4)]

needs_strategy = st.lists(
    st.builds(rules.Need, competency_uuid=st.sampled_from(COMPETENCIES), context_id=st.sampled_from([None, 7]),
              level=st.integers(1, 5), code=st.just("C"), name=st.just("Competency")),
    min_size=1, max_size=4, unique_by=lambda n: (n.competency_uuid, n.context_id))
proficiency_strategy = st.one_of(
    st.just(NO_PROFICIENCY),
    st.builds(Proficiency, level=st.integers(0, 5), status=st.sampled_from([STATUS_HELD, STATUS_EXPIRED, STATUS_NONE]),
              verified=st.booleans(), source=st.sampled_from(["certificate", "self", "manager"]),
              valid_until=st.one_of(st.none(), st.dates(DAY, DAY + dt.timedelta(days=800))),
              evidence_date=st.just(DAY), evidence_id=st.integers(1, 100)))
held_strategy = st.dictionaries(st.tuples(st.sampled_from(COMPETENCIES), st.sampled_from([None, 7])),
                                proficiency_strategy, max_size=6)
grant_strategy = st.one_of(st.none(), st.builds(
    rules.GrantState, granted_on=st.dates(DAY - dt.timedelta(days=400), DAY + dt.timedelta(days=5)),
    valid_until=st.one_of(st.none(), st.dates(DAY - dt.timedelta(days=30), DAY + dt.timedelta(days=400))),
    manual_state=st.sampled_from([rules.MANUAL_ACTIVE, rules.MANUAL_SUSPENDED, rules.MANUAL_REVOKED])))


def met(need: rules.Need, held: dict) -> bool:
    p = held.get((need.competency_uuid, need.context_id), NO_PROFICIENCY)
    return p.status == STATUS_HELD and p.verified and p.level >= need.level


@given(needs_strategy, held_strategy, grant_strategy)
def test_authorised_only_if_every_requirement_is_met_that_day(needs, held, grant):
    decision = rules.decide(needs, held, grant, DAY)
    in_force = (grant is not None and grant.granted_on <= DAY and grant.manual_state == rules.MANUAL_ACTIVE
                and (grant.valid_until is None or grant.valid_until >= DAY))
    assert decision.authorised == (in_force and all(met(n, held) for n in needs))
    assert decision.authorised == (not decision.reasons)
    if not decision.authorised:
        assert decision.valid_until is None
    short = [n for n in needs if not met(n, held)]
    assert [r.competency for r in decision.reasons if r.competency] == [n.code for n in short]


@given(needs_strategy, held_strategy, grant_strategy, st.sampled_from(COMPETENCIES), st.integers(0, 5))
def test_lowering_a_held_level_never_turns_no_into_yes(needs, held, grant, competency, level):
    before = rules.decide(needs, held, grant, DAY).authorised
    key = (competency, None)
    if key in held and held[key].level > level:
        lowered = dict(held)
        old = held[key]
        lowered[key] = Proficiency(level=level, status=old.status, verified=old.verified, source=old.source,
                                   valid_until=old.valid_until, evidence_date=old.evidence_date,
                                   evidence_id=old.evidence_id)
        assert rules.decide(needs, lowered, grant, DAY).authorised <= before
