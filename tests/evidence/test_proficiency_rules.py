"""The rollup rules, checked through the database on cases worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.evidence import proficiency as prof
from compms.evidence.models import CurrentProficiency, Evidence
from compms.evidence.services import revoke_evidence, supersede_evidence

D = dt.date
pytestmark = pytest.mark.django_db


def level_of(person, competency, as_of, context=None):
    found = prof.proficiency_as_of(person.pk, as_of)
    return found.get((competency.uuid, context.pk if context else None))


def test_best_tier_beats_a_higher_level_from_a_weaker_tier(org, add):
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    add(org.kim, org.p, 4, "self", D(2026, 1, 5))
    add(org.kim, org.p, 2, "assessor", D(2024, 2, 1), D(2026, 2, 28))
    # 15 February: the assessor record (tier 1) still counts, so its 2 wins over the manager's 3.
    p = level_of(org.kim, org.p, D(2026, 2, 15))
    assert (p.level, p.source, p.verified, p.status) == (2, "assessor", True, "held")


def test_expired_evidence_stops_counting_the_day_after_valid_until(org, add):
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    add(org.kim, org.p, 2, "assessor", D(2024, 2, 1), D(2026, 2, 28))
    assert level_of(org.kim, org.p, D(2026, 2, 28)).source == "assessor"  # its last valid day
    after = level_of(org.kim, org.p, D(2026, 3, 1))
    assert (after.level, after.source) == (3, "manager")


def test_a_tie_on_date_in_the_same_tier_goes_to_the_higher_level(org, add):
    add(org.kim, org.q, 1, "test", D(2026, 2, 1))
    add(org.kim, org.q, 2, "test", D(2026, 2, 1))
    add(org.kim, org.q, 1, "training", D(2026, 1, 1))
    p = level_of(org.kim, org.q, D(2026, 3, 1))
    assert (p.level, p.source, p.evidence_date) == (2, "test", D(2026, 2, 1))


def test_the_most_recent_in_the_best_tier_wins_even_if_lower(org, add):
    add(org.kim, org.q, 4, "certificate", D(2024, 5, 1))
    add(org.kim, org.q, 2, "assessor", D(2025, 5, 1))
    assert level_of(org.kim, org.q, D(2026, 1, 1)).level == 2


def test_only_an_expired_certificate_gives_level_0_expired(org, add):
    add(org.lee, org.p, 3, "certificate", D(2024, 1, 31), D(2026, 1, 31))
    p = level_of(org.lee, org.p, D(2026, 3, 1))
    assert (p.level, p.status, p.verified) == (0, "expired", False)


def test_self_assessment_alone_is_unverified(org, add):
    add(org.kim, org.q, 4, "self", D(2026, 1, 5))
    p = level_of(org.kim, org.q, D(2026, 3, 1))
    assert (p.level, p.verified, p.source) == (4, False, "self")
    add(org.kim, org.q, 1, "experience", D(2025, 1, 5))
    p = level_of(org.kim, org.q, D(2026, 3, 1))
    assert (p.level, p.verified, p.source) == (1, True, "experience")


def test_an_as_of_date_in_the_past_ignores_later_evidence(org, add):
    add(org.kim, org.p, 1, "manager", D(2024, 6, 1))
    add(org.kim, org.p, 3, "manager", D(2025, 6, 1))
    assert level_of(org.kim, org.p, D(2024, 5, 31)) is None  # nothing shown yet
    assert level_of(org.kim, org.p, D(2025, 5, 31)).level == 1
    assert level_of(org.kim, org.p, D(2025, 6, 1)).level == 3


def test_revoked_evidence_is_ignored_and_kept_in_the_history(org, add):
    add(org.kim, org.p, 2, "manager", D(2025, 1, 1))
    wrong = add(org.kim, org.p, 5, "certificate", D(2025, 6, 1))
    assert level_of(org.kim, org.p, D(2026, 1, 1)).level == 5
    revoke_evidence(wrong, SYSTEM, reason="certificate belongs to another Kim")
    assert level_of(org.kim, org.p, D(2026, 1, 1)).level == 2
    stored = Evidence.objects.get(pk=wrong.pk)
    assert (stored.status, stored.reason, stored.level) == ("revoked", "certificate belongs to another Kim", 5)
    assert CurrentProficiency.objects.get(person=org.kim, competency_uuid=org.p.uuid).level == 2


def test_a_superseded_record_is_replaced_by_its_correction(org, add):
    typo = add(org.kim, org.p, 4, "manager", D(2025, 1, 1))
    fixed = supersede_evidence(typo, SYSTEM, reason="typed 4 for 2", level=2, assessed_on=D(2025, 1, 1))
    assert level_of(org.kim, org.p, D(2026, 1, 1)).level == 2
    old = Evidence.objects.get(pk=typo.pk)
    assert (old.status, old.superseded_by_id, old.reason) == ("superseded", fixed.pk, "typed 4 for 2")
    assert (fixed.level, fixed.source, fixed.status) == (2, "manager", "active")


def test_evidence_in_a_context_is_a_separate_claim(org, add):
    add(org.kim, org.p, 4, "manager", D(2025, 1, 1), context=org.site)
    assert level_of(org.kim, org.p, D(2026, 1, 1)) is None
    assert level_of(org.kim, org.p, D(2026, 1, 1), org.site).level == 4


def test_the_framework_policy_is_used(org, add):
    org.framework.rollup_policy = "highest"
    org.framework.save(update_fields=["rollup_policy"])
    add(org.kim, org.p, 2, "assessor", D(2025, 1, 1))
    add(org.kim, org.p, 4, "self", D(2025, 2, 1))
    p = level_of(org.kim, org.p, D(2026, 1, 1))
    assert (p.level, p.verified) == (4, False)
    assert CurrentProficiency.objects.get(person=org.kim, competency_uuid=org.p.uuid).level == 4
    prof.rebuild_all()  # the array engine picks the framework's policy too
    assert CurrentProficiency.objects.get(person=org.kim, competency_uuid=org.p.uuid).level == 4


def test_the_stored_current_row_follows_every_write(org, add, on_day):
    on_day(D(2026, 3, 1))
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    row = CurrentProficiency.objects.get(person=org.kim, competency_uuid=org.p.uuid)
    assert (row.level, row.source, row.verified, row.status) == (3, "manager", True, "held")
    add(org.kim, org.p, 4, "self", D(2026, 1, 5))
    row.refresh_from_db()
    assert (row.level, row.source) == (3, "manager")
    cert = add(org.kim, org.p, 5, "certificate", D(2026, 2, 1), D(2026, 6, 30))
    row.refresh_from_db()
    assert (row.level, row.source, row.valid_until, row.evidence_id) == (5, "certificate", D(2026, 6, 30), cert.pk)


def test_reading_today_treats_a_stored_row_whose_evidence_lapsed_as_expired(org, add, on_day):
    on_day(D(2026, 2, 15))
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    add(org.kim, org.p, 2, "assessor", D(2024, 2, 1), D(2026, 2, 28))
    add(org.lee, org.p, 3, "certificate", D(2024, 1, 31), D(2026, 2, 28))
    stored = {(r.person_id, r.level, r.source) for r in CurrentProficiency.objects.all()}
    assert stored == {(org.kim.pk, 2, "assessor"), (org.lee.pk, 3, "certificate")}

    on_day(D(2026, 3, 1))  # nothing written since; both winners lapsed yesterday
    now = prof.current_proficiencies([org.kim.pk, org.lee.pk])
    kim = now[(org.kim.pk, org.p.uuid, None)]
    lee = now[(org.lee.pk, org.p.uuid, None)]
    assert (kim.level, kim.source, kim.status) == (3, "manager", "held")
    assert (lee.level, lee.status) == (0, "expired")
    # The nightly sweep writes the same answer back.
    assert prof.refresh_lapsed() == 2
    stored = {(r.person_id, r.level, r.status) for r in CurrentProficiency.objects.all()}
    assert stored == {(org.kim.pk, 3, "held"), (org.lee.pk, 0, "expired")}


def test_bulk_rebuild_agrees_with_the_incremental_rows(org, add, on_day):
    on_day(D(2026, 3, 1))
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    add(org.kim, org.p, 4, "self", D(2026, 1, 5))
    add(org.kim, org.p, 2, "assessor", D(2024, 2, 1), D(2026, 2, 28))
    add(org.kim, org.q, 1, "test", D(2026, 2, 1))
    add(org.kim, org.q, 2, "test", D(2026, 2, 1))
    add(org.lee, org.p, 3, "certificate", D(2024, 1, 31), D(2026, 1, 31))
    add(org.lee, org.q, 2, "self", D(2026, 1, 31), context=org.site)
    gone = add(org.olu, org.q, 5, "certificate", D(2026, 1, 31))
    revoke_evidence(gone, SYSTEM, reason="duplicate")

    def snapshot():
        return {(r.person_id, r.competency_uuid, r.context_id, r.level, r.status, r.verified, r.source,
                 r.evidence_id, r.valid_until, r.evidence_date) for r in CurrentProficiency.objects.all()
                if r.status != "none"}

    incremental = snapshot()
    assert prof.rebuild_all() == len(incremental)
    assert snapshot() == incremental
