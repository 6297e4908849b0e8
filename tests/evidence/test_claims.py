"""Self-assessment claims: an employee claims, their manager or an assessor verifies or rejects,
two reviewers at once cannot both win, and an assessor cannot confirm above their own level."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections

from compms.evidence import proficiency as prof
from compms.evidence import services
from compms.evidence.models import Claim, Evidence

D = dt.date
TODAY = D(2026, 3, 1)


@pytest.fixture
def claim(org, cast, on_day):
    on_day(TODAY)
    return services.create_claim(cast.employee, competency=org.p, level=3, note="I service the pumps weekly")


@pytest.mark.django_db
def test_a_claim_records_unverified_self_evidence_and_waits(org, claim):
    evidence = Evidence.objects.get(pk=claim.self_evidence_id)
    assert (evidence.source, evidence.level, evidence.person_id, evidence.assessed_on) == ("self", 3, org.kim.pk, TODAY)
    assert claim.status == "pending"
    p = prof.proficiency_as_of(org.kim.pk)[(org.p.uuid, None)]
    assert (p.level, p.verified) == (3, False)


@pytest.mark.django_db
def test_the_manager_verifies_at_the_level_they_judge(org, cast, claim):
    services.verify_claim(claim, cast.manager, level=2, comment="Seen on the job; not yet unsupervised")
    claim.refresh_from_db()
    review = Evidence.objects.get(pk=claim.review_evidence_id)
    assert (claim.status, claim.reviewed_by, review.source, review.level) == ("verified", cast.manager, "manager", 2)
    p = prof.proficiency_as_of(org.kim.pk)[(org.p.uuid, None)]
    assert (p.level, p.verified, p.source) == (2, True, "manager")


@pytest.mark.django_db
def test_an_employee_cannot_verify_their_own_claim(cast, claim):
    with pytest.raises(PermissionDenied, match="your own claim"):
        services.verify_claim(claim, cast.employee, level=3)
    claim.refresh_from_db()
    assert claim.status == "pending"


@pytest.mark.django_db
def test_someone_who_is_neither_manager_nor_assessor_cannot_verify(cast, claim):
    with pytest.raises(PermissionDenied):
        services.verify_claim(claim, cast.competency_manager, level=3)


@pytest.mark.django_db
def test_rejecting_needs_a_comment_and_withdraws_the_self_level(org, cast, claim):
    with pytest.raises(services.ValidationError):
        services.reject_claim(claim, cast.manager, comment=" ")
    services.reject_claim(claim, cast.manager, comment="Not seen this yet")
    claim.refresh_from_db()
    evidence = Evidence.objects.get(pk=claim.self_evidence_id)
    assert (claim.status, claim.review_comment) == ("rejected", "Not seen this yet")
    assert (evidence.status, evidence.reason) == ("revoked", "Claim rejected: Not seen this yet")
    assert (org.p.uuid, None) not in {k for k, p in prof.proficiency_as_of(org.kim.pk).items() if p.level}


@pytest.mark.django_db
def test_an_assessor_cannot_verify_above_their_own_level(org, cast, claim, add):
    add(org.ava, org.p, 2, "certificate", D(2025, 1, 1))  # Ava holds P at 2, verified
    with pytest.raises(PermissionDenied, match="only up to level 2"):
        services.verify_claim(claim, cast.assessor, level=3, source="assessor")
    services.verify_claim(claim, cast.assessor, level=2, source="assessor")
    claim.refresh_from_db()
    review = Evidence.objects.get(pk=claim.review_evidence_id)
    assert (review.source, review.level, review.assessor_id) == ("assessor", 2, org.ava.pk)


@pytest.mark.django_db
def test_an_unverified_self_level_does_not_qualify_an_assessor(org, cast, claim, add):
    add(org.ava, org.p, 5, "self", D(2025, 1, 1))
    with pytest.raises(PermissionDenied, match="only up to level 0"):
        services.verify_claim(claim, cast.assessor, level=1, source="assessor")


@pytest.mark.django_db
def test_a_registration_lets_an_assessor_verify_up_to_its_level_until_it_ends(org, cast, claim):
    registration = services.register_assessor(cast.hr, person=org.ava, competency=org.p, max_level=3,
                                              valid_until=D(2026, 12, 31))
    assert services.assessor_limit(org.ava, org.p.uuid) == 3
    services.end_registration(registration, cast.hr)
    assert services.assessor_limit(org.ava, org.p.uuid) == 0
    with pytest.raises(PermissionDenied):
        services.verify_claim(claim, cast.assessor, level=3, source="assessor")
    services.register_assessor(cast.hr, person=org.ava, competency=org.p, max_level=4)
    services.verify_claim(claim, cast.assessor, level=3, source="assessor")


@pytest.mark.django_db
def test_only_hr_registers_assessors(org, cast):
    with pytest.raises(PermissionDenied):
        services.register_assessor(cast.manager, person=org.ava, competency=org.p, max_level=3)


@pytest.mark.django_db
def test_the_second_of_two_reviewers_gets_a_conflict_and_nothing_is_lost(org, cast, claim):
    # Both reviewers opened the pending claim; the manager acts first.
    seen_by_assessor = Claim.objects.get(pk=claim.pk)
    services.register_assessor(cast.hr, person=org.ava, competency=org.p, max_level=5)
    services.verify_claim(claim, cast.manager, level=3)
    # Closed, the claim is no longer the assessor's to see, nor is who closed it; HR sees both.
    with pytest.raises(services.Conflict, match="already verified by someone else"):
        services.verify_claim(seen_by_assessor, cast.assessor, level=2, source="assessor")
    with pytest.raises(services.Conflict, match="already verified by manager"):
        services.reject_claim(seen_by_assessor, cast.hr, comment="late")
    # The conditional update itself refuses a stale pending claim (the guard a real race hits).
    with pytest.raises(services.Conflict):
        services._close_claim(seen_by_assessor, cast.assessor, Claim.Status.REJECTED, "late")
    claim.refresh_from_db()
    assert (claim.status, claim.reviewed_by) == ("verified", cast.manager)
    assert Evidence.objects.filter(person=org.kim, source__in=["manager", "assessor"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_the_same_moment_on_postgresql(org, cast, claim, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is covered by the conditional-update test")
    services.register_assessor(cast.hr, person=org.ava, competency=org.p, max_level=5)
    close = services._close_claim

    def slow_close(*args, **kwargs):
        close(*args, **kwargs)
        # Hold the row lock a moment so the other reviewer's UPDATE has to wait for this commit.
        threading.Event().wait(0.3)

    monkeypatch.setattr(services, "_close_claim", slow_close)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def review(name, user, source):
        try:
            start.wait()
            services.verify_claim(Claim.objects.get(pk=claim.pk), user, level=2, source=source)
            outcomes[name] = "verified"
        except services.Conflict:
            outcomes[name] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=review, args=("manager", cast.manager, "manager")),
               threading.Thread(target=review, args=("assessor", cast.assessor, "assessor"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes.values()) == ["conflict", "verified"]
    assert Evidence.objects.filter(person=org.kim, source__in=["manager", "assessor"]).count() == 1
    assert Claim.objects.get(pk=claim.pk).status == "verified"


# ---------------------------------------------------------------- through the API

@pytest.mark.django_db
def test_claim_workflow_through_the_api(org, api, on_day):
    on_day(TODAY)
    employee, manager = api("employee"), api("manager")
    created = employee.post("/api/v1/claims", {"framework": "OPS", "competency": "Q", "level": 2,
                                               "note": "I run the checks"})
    assert created.status_code == 201, created.content
    claim_id = created.json()["id"]
    assert employee.post(f"/api/v1/claims/{claim_id}/verify", {"level": 2}).status_code == 403
    queue = manager.get("/api/v1/claims", status="pending").json()["items"]
    assert [c["id"] for c in queue] == [claim_id]
    verified = manager.post(f"/api/v1/claims/{claim_id}/verify", {"level": 2, "comment": "Confirmed"})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    again = manager.post(f"/api/v1/claims/{claim_id}/reject", {"comment": "changed my mind"})
    assert again.status_code == 409
    assert "already verified" in again.json()["detail"]


@pytest.mark.django_db
def test_an_assessor_cannot_verify_above_their_level_through_the_api(org, api, cast, on_day, add):
    on_day(TODAY)
    add(org.ava, org.q, 1, "certificate", D(2025, 1, 1))
    # A claim above the assessor's cover is not theirs to see (issue 10: assessors see only claims they may verify).
    above = services.create_claim(cast.employee, competency=org.q, level=2)
    assert api("assessor").post(f"/api/v1/claims/{above.pk}/verify", {"level": 2}).status_code == 404
    services.reject_claim(above, cast.manager, comment="not yet")
    # One within it may not be verified at a level above it.
    claim = services.create_claim(cast.employee, competency=org.q, level=1)
    refused = api("assessor").post(f"/api/v1/claims/{claim.pk}/verify", {"level": 2, "source": "assessor"})
    assert refused.status_code == 403
    assert "only up to level 1" in refused.json()["detail"]
    claim.refresh_from_db()
    assert claim.status == "pending"
