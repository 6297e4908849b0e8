"""Issue 10, items 3 and 11 for claims and evidence: an assessor sees only the claims they may verify; no
answer names a person the caller may not see; administrators may verify and reject; an assessor's own
successful verify or reject answers 200 with the result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from compms.access import SYSTEM
from compms.evidence import services
from compms.evidence.models import Claim

TODAY = dt.date(2026, 3, 1)
BODY = {"framework": "OPS", "competency": "P", "level": 2, "assessed_on": "2026-02-01"}


@pytest.fixture
def claims(org: Any, cast: Any, on_day: Any) -> dict[str, Claim]:
    """Ava may assess P up to level 3 and nothing else. Kim claims P 2 (hers to verify), Lee claims Q 1 (no
    cover for Q), Olu claims P 4 (above her cover)."""
    on_day(TODAY)
    services.register_assessor(SYSTEM, person=org.ava, competency=org.p, max_level=3)
    return {
        "kim": services.create_claim(cast.employee, competency=org.p, level=2),
        "lee": services.create_claim(SYSTEM, person=org.lee, competency=org.q, level=1),
        "olu": services.create_claim(SYSTEM, person=org.olu, competency=org.p, level=4),
    }


@pytest.mark.django_db
def test_an_assessor_lists_only_the_claims_they_may_verify(api: Any, claims: dict[str, Claim]) -> None:
    assessor = api("assessor")
    listed = assessor.get("/api/v1/claims").json()
    assert [(c["person"], c["competency"], c["level"]) for c in listed["items"]] == [("E-KIM", "P", 2)]
    assert listed["count"] == 1
    assert assessor.get(f"/api/v1/claims/{claims['lee'].pk}").status_code == 404
    assert assessor.get(f"/api/v1/claims/{claims['olu'].pk}").status_code == 404
    # HR still sees every claim.
    assert api("hr").get("/api/v1/claims").json()["count"] == 3


@pytest.mark.django_db
def test_the_review_page_shows_an_assessor_only_their_claims(login_client: Any, claims: dict[str, Claim]) -> None:
    page = login_client("assessor").get("/evidence/reviews/").content.decode()
    assert "Kim" in page
    assert "Lee" not in page and "Olu" not in page


@pytest.mark.django_db
def test_an_assessors_verify_answers_200_with_the_verified_claim(api: Any, claims: dict[str, Claim]) -> None:
    done = api("assessor").post(f"/api/v1/claims/{claims['kim'].pk}/verify", {"level": 2, "source": "assessor"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["person"], done.json()["reviewed_by"]) == ("verified", "E-KIM",
                                                                                          "assessor")
    # The claim stays visible to the one who reviewed it.
    assert api("assessor").get(f"/api/v1/claims/{claims['kim'].pk}").json()["status"] == "verified"


@pytest.mark.django_db
def test_an_assessors_reject_answers_200_with_the_rejected_claim(api: Any, claims: dict[str, Claim]) -> None:
    done = api("assessor").post(f"/api/v1/claims/{claims['kim'].pk}/reject", {"comment": "Not seen yet"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["review_comment"]) == ("rejected", "Not seen yet")


@pytest.mark.django_db
def test_an_administrator_may_verify_and_reject_any_claim(api: Any, claims: dict[str, Claim]) -> None:
    admin = api("administrator")
    verified = admin.post(f"/api/v1/claims/{claims['olu'].pk}/verify", {"level": 3})
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    evidence = services.Evidence.objects.get(pk=verified.json()["review_evidence"])
    assert (evidence.source, evidence.level, evidence.recorded_by.get_username()) == ("manager", 3, "administrator")
    rejected = admin.post(f"/api/v1/claims/{claims['lee'].pk}/reject", {"comment": "No proof attached"})
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")


@pytest.mark.django_db
def test_recording_evidence_names_nobody_the_caller_may_not_see(api: Any, org: Any) -> None:
    # An employee and a manager: someone outside their sight is "No such person", as an unknown id is.
    for who, target in (("employee", "E-OLU"), ("manager", "E-OLU"), ("employee", "E-LEE")):
        refused = api(who).post("/api/v1/evidence", {**BODY, "employee_id": target, "source": "manager"})
        assert (refused.status_code, refused.json()) == (404, {"detail": "No such person."}), (who, target)
    # An assessor may assess anyone, so Olu is in scope, but not as their manager: refused without a name.
    refused = api("assessor").post("/api/v1/evidence", {**BODY, "employee_id": "E-OLU", "source": "manager"})
    assert refused.status_code == 403
    assert "Olu" not in refused.json()["detail"] and "this person" in refused.json()["detail"]
    # Someone the caller may see is named.
    refused = api("manager").post("/api/v1/evidence", {**BODY, "employee_id": "E-KIM", "source": "certificate"})
    assert refused.status_code == 403 and "Kim" in refused.json()["detail"]


@pytest.mark.django_db
def test_a_leaver_the_assessor_may_not_see_is_not_named(api: Any, org: Any) -> None:
    from compms.organisation.models import Person

    Person.objects.filter(pk=org.olu.pk).update(active=False)
    refused = api("assessor").post("/api/v1/evidence", {**BODY, "employee_id": "E-OLU", "source": "assessor"})
    assert refused.status_code == 400
    assert "Olu" not in str(refused.json()) and "has left" in str(refused.json())
