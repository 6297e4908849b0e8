"""The competence profile, self-assessment claims and the review queue, as users meet them."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.evidence.models import Claim, Evidence

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


def test_profile_shows_level_source_expiry_and_gap(org, add, login_client):
    add(org.kim, org.p, 3, "manager", dt.date(2025, 10, 1))
    add(org.kim, org.q, 2, "certificate", dt.date(2025, 1, 1), valid_until=dt.date(2026, 1, 31))
    page = login_client("manager").get("/evidence/people/E-KIM/").content.decode()
    row_p = page.split('data-code="P"')[1].split("</tr>")[0]
    assert "<strong>3</strong>" in row_p and "manager" in row_p and "verified" in row_p
    assert "status-met" in row_p
    row_q = page.split('data-code="Q"')[1].split("</tr>")[0]
    assert "expired" in row_q  # a lapsed certificate reads as expired, not missing


def test_history_shows_a_revoked_record_with_its_reason(org, add, login_client):
    from compms.evidence.services import revoke_evidence

    record = add(org.kim, org.p, 4, "manager", dt.date(2025, 10, 1))
    revoke_evidence(record, SYSTEM, reason="Recorded against the wrong person")
    page = login_client("employee").get("/evidence/me/").content.decode()
    assert "Recorded against the wrong person" in page and "revoked" in page


def test_employee_cannot_see_a_colleagues_profile(org, login_client):
    client = login_client("employee")
    assert client.get("/evidence/people/E-LEE/").status_code == 404
    assert client.get("/evidence/people/E-KIM/").status_code == 200
    assert client.get("/evidence/people/NOBODY/").status_code == 404


def test_person_page_has_a_competence_section(org, add, login_client):
    page = login_client("manager").get("/organisation/people/E-KIM/").content.decode()
    assert 'id="person-competence"' in page
    assert "/evidence/people/E-KIM/" in page
    assert "2 gaps" in page  # neither P nor Q held yet


def test_employee_claims_a_level_and_the_profile_shows_it_pending(org, login_client):
    client = login_client("employee")
    response = client.post("/evidence/claims/", {"competency": org.p.pk, "level": 3, "note": "Ran the pumps"})
    assert response.status_code == 302
    claim = Claim.objects.get(person=org.kim)
    assert claim.status == "pending" and claim.level == 3
    page = client.get("/evidence/me/").content.decode()
    assert "claim of level 3 pending review" in page and "unverified" in page


def test_claim_with_an_attachment_keeps_the_file(org, login_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login_client("employee")
    upload = SimpleUploadedFile("cert.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    client.post("/evidence/claims/", {"competency": org.p.pk, "level": 2, "attachment": upload})
    evidence = Claim.objects.get(person=org.kim).self_evidence
    assert [a.name for a in evidence.attachments.all()] == ["cert.pdf"]


def test_manager_verifies_a_claim_at_another_level(org, login_client):
    login_client("employee").post("/evidence/claims/", {"competency": org.p.pk, "level": 4})
    claim = Claim.objects.get()
    manager = login_client("manager")
    queue = manager.get("/evidence/reviews/").content.decode()
    assert f'id="claim-{claim.pk}"' in queue
    manager.post(f"/evidence/reviews/{claim.pk}/", {f"c{claim.pk}-action": "verify", f"c{claim.pk}-level": 3,
                                                   f"c{claim.pk}-source": "manager"})
    claim.refresh_from_db()
    assert claim.status == "verified"
    assert claim.review_evidence.source == "manager" and claim.review_evidence.level == 3
    page = manager.get("/evidence/people/E-KIM/").content.decode()
    row_p = page.split('data-code="P"')[1].split("</tr>")[0]
    assert "<strong>3</strong>" in row_p and "ev-verified" in row_p


def test_employee_cannot_verify_their_own_claim(org, login_client):
    client = login_client("employee")
    client.post("/evidence/claims/", {"competency": org.p.pk, "level": 4})
    claim = Claim.objects.get()
    assert f'id="claim-{claim.pk}"' not in client.get("/evidence/reviews/").content.decode()
    response = client.post(f"/evidence/reviews/{claim.pk}/", {f"c{claim.pk}-action": "verify"}, follow=True)
    claim.refresh_from_db()
    assert claim.status == "pending"
    assert "cannot verify or reject your own claim" in response.content.decode()


def test_reject_needs_a_comment_and_revokes_the_self_assessment(org, login_client):
    login_client("employee").post("/evidence/claims/", {"competency": org.p.pk, "level": 5})
    claim = Claim.objects.get()
    manager = login_client("manager")
    manager.post(f"/evidence/reviews/{claim.pk}/", {f"c{claim.pk}-action": "reject"})
    claim.refresh_from_db()
    assert claim.status == "pending"
    manager.post(f"/evidence/reviews/{claim.pk}/", {f"c{claim.pk}-action": "reject",
                                                   f"c{claim.pk}-comment": "Not seen at level 5"})
    claim.refresh_from_db()
    assert claim.status == "rejected"
    assert Evidence.objects.get(pk=claim.self_evidence_id).status == "revoked"


def test_second_reviewer_gets_a_clear_conflict_message(org, login_client):
    from compms.evidence.services import register_assessor, verify_claim

    register_assessor(SYSTEM, person=org.ava, competency=org.p, max_level=3)  # so the claim was Ava's to see
    login_client("employee").post("/evidence/claims/", {"competency": org.p.pk, "level": 2})
    claim = Claim.objects.get()
    verify_claim(claim, org.mo.user)  # the manager, in another tab
    page = login_client("assessor").post(f"/evidence/reviews/{claim.pk}/", {
        f"c{claim.pk}-action": "verify", f"c{claim.pk}-source": "assessor"}, follow=True).content.decode()
    # The claim is no longer Ava's to see, so neither is who closed it.
    assert "already verified by someone else" in page and "manager" not in page.split("already verified")[1][:40]
    assert Evidence.objects.filter(source="assessor").count() == 0


def test_assessor_may_not_verify_above_what_they_may_assess(org, login_client):
    from compms.evidence.services import register_assessor

    login_client("employee").post("/evidence/claims/", {"competency": org.p.pk, "level": 3})
    claim = Claim.objects.get()
    assessor = login_client("assessor")
    # Beyond their cover the claim is not theirs to see at all.
    assert assessor.post(f"/evidence/reviews/{claim.pk}/", {
        f"c{claim.pk}-action": "verify", f"c{claim.pk}-source": "assessor"}).status_code == 404
    register_assessor(SYSTEM, person=org.ava, competency=org.p, max_level=3)
    page = assessor.post(f"/evidence/reviews/{claim.pk}/", {
        f"c{claim.pk}-action": "verify", f"c{claim.pk}-source": "assessor", f"c{claim.pk}-level": 4},
        follow=True).content.decode()
    assert "only up to level 3" in page
    claim.refresh_from_db()
    assert claim.status == "pending"
