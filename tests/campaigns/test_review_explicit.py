"""An audit review that cannot rubber-stamp: it starts from current evidence, writes only the lines the
manager confirms (each with its own comment), refuses lines resting on a certificate or an assessor, and
closes only the claims its own audit raised.

Kim (Technician) needs P at 3, Q at 2 and P at north-site at 2: three lines on her review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from compms.access import SYSTEM
from compms.campaigns import services
from compms.campaigns.models import Audit, Participant
from compms.evidence import services as evidence_services
from compms.evidence.models import Claim, Evidence
from compms.organisation.models import Requirement

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def three_lines(org) -> None:
    Requirement.objects.create(role=org.technician, competency=org.p, competency_uuid=org.p.uuid, level=2,
                               criticality="essential", manual=True, context=org.site)


def suffix(competency, context=None) -> str:
    return f"{competency.uuid.hex}-{context.pk if context else 0}"


def launch(login_client) -> Audit:
    response = login_client("hr").post("/campaigns/", {"name": "Spring audit", "deadline": "2026-04-30",
                                                       "roles": ["TECH"]})
    assert response.status_code == 302
    return Audit.objects.get()


def kim_in(audit: Audit, org) -> Participant:
    return Participant.objects.get(audit=audit, person=org.kim)


def test_confirming_one_of_three_lines_writes_one_record_with_its_own_comment(org, three_lines, login_client):
    audit = launch(login_client)
    login_client("employee").post(f"/campaigns/{audit.pk}/self-assessment/", {
        f"level-{suffix(org.p)}": "3", f"level-{suffix(org.q)}": "2", f"level-{suffix(org.p, org.site)}": "2"})
    assert Claim.objects.filter(person=org.kim, status="pending").count() == 3
    kim = kim_in(audit, org)
    review_url = f"/campaigns/{audit.pk}/review/{kim.pk}/"
    page = login_client("manager").get(review_url).content.decode()
    assert page.count('value="confirm"') == 3 and page.count('value="keep" checked') == 3  # nothing pre-confirmed

    # As a browser posts it: every select has a value, every comment box is sent, one line is confirmed.
    response = login_client("manager").post(review_url, {
        f"decision-{suffix(org.p)}": "confirm", f"level-{suffix(org.p)}": "3",
        f"comment-{suffix(org.p)}": "Overhauled pump 4 unaided",
        f"decision-{suffix(org.q)}": "keep", f"level-{suffix(org.q)}": "2",
        f"comment-{suffix(org.q)}": "Ask again after the QA course",
        f"level-{suffix(org.p, org.site)}": "2", f"comment-{suffix(org.p, org.site)}": ""})
    assert response.status_code == 302

    written = list(Evidence.objects.filter(person=org.kim, source="manager"))
    assert [(e.competency_id, e.context_id, e.level, e.note) for e in written] == [
        (org.p.pk, None, 3, "Overhauled pump 4 unaided")]
    assert written[0].valid_until is None
    statuses = {(c.competency_id, c.context_id): c.status for c in Claim.objects.filter(person=org.kim)}
    assert statuses == {(org.p.pk, None): "verified", (org.q.pk, None): "pending",
                        (org.p.pk, org.site.pk): "pending"}
    assert Claim.objects.get(person=org.kim, competency=org.p, context=None).review_comment == \
        "Overhauled pump 4 unaided"
    kim.refresh_from_db()
    assert kim.reviewed_at is not None


def test_an_expired_certificate_cannot_be_confirmed_by_the_manager(org, add, login_client):
    # Kim's isolation-style competency: proven by a certificate that lapsed a month ago.
    add(org.kim, org.p, 3, "certificate", dt.date(2024, 2, 1), valid_until=dt.date(2026, 1, 31))
    audit = launch(login_client)
    kim = kim_in(audit, org)
    review_url = f"/campaigns/{audit.pk}/review/{kim.pk}/"

    page = login_client("manager").get(review_url).content.decode()
    p_row = page.split('data-code="P"')[1].split("</tr>")[0]
    assert "certificate expired 2026-01-31" in p_row
    assert "Cannot be confirmed by a manager" in p_row and "needs a certificate or an assessor" in p_row
    assert 'value="confirm"' not in p_row
    q_row = page.split('data-code="Q"')[1].split("</tr>")[0]
    assert 'value="confirm"' in q_row

    # Posting the confirmation anyway (a crafted form) is refused and writes nothing.
    response = login_client("manager").post(review_url, {
        f"decision-{suffix(org.p)}": "confirm", f"level-{suffix(org.p)}": "3",
        f"decision-{suffix(org.q)}": "confirm", f"level-{suffix(org.q)}": "2"})
    assert response.status_code == 400
    assert "P Pump maintenance rests on expired certificate evidence" in response.content.decode()
    assert not Evidence.objects.filter(source="manager").exists()

    # The service refuses it whoever calls, even the system.
    for actor in (org.mo.user, SYSTEM):
        with pytest.raises(PermissionDenied, match="P Pump maintenance .*needs a certificate or an assessor"):
            services.review_participant(actor, kim, {(org.p.uuid, None): services.RowDecision("confirm", 3)})
    assert not Evidence.objects.filter(source="manager").exists()


def test_a_current_assessor_record_is_not_overwritten_either(org, add):
    add(org.kim, org.p, 2, "assessor", dt.date(2025, 6, 1))
    audit = services.launch_audit(SYSTEM, name="Spring audit", deadline=dt.date(2026, 4, 30),
                                  roles=[org.technician])
    kim = kim_in(audit, org)
    with pytest.raises(PermissionDenied, match="rests on assessor evidence"):
        services.review_participant(org.mo.user, kim, {(org.p.uuid, None): services.RowDecision("confirm", 4)})


def test_an_older_pending_claim_from_outside_the_audit_stays_pending(org, login_client):
    # Before the audit Kim claimed Q at 1 on her profile; her audit self-assessment then claims P at 3
    # (Q is skipped: a claim is already pending for it).
    older = evidence_services.create_claim(org.kim.user, competency=org.q, level=1, note="from my profile")
    audit = launch(login_client)
    login_client("employee").post(f"/campaigns/{audit.pk}/self-assessment/", {
        f"level-{suffix(org.p)}": "3", f"level-{suffix(org.q)}": "2"})
    kim = kim_in(audit, org)
    assert list(kim.claims.values_list("competency_id", flat=True)) == [org.p.pk]

    response = login_client("manager").post(f"/campaigns/{audit.pk}/review/{kim.pk}/", {
        f"decision-{suffix(org.p)}": "confirm", f"level-{suffix(org.p)}": "3",
        f"decision-{suffix(org.q)}": "confirm", f"level-{suffix(org.q)}": "2", f"comment-{suffix(org.q)}": "QA ok"})
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.status == "pending" and older.review_evidence is None
    assert Claim.objects.get(person=org.kim, competency=org.p).status == "verified"
    q_manager = Evidence.objects.get(person=org.kim, competency=org.q, source="manager")
    assert (q_manager.level, q_manager.note) == (2, "QA ok")


def test_not_yet_rejects_this_audits_claim_and_writes_no_evidence(org, login_client):
    audit = launch(login_client)
    login_client("employee").post(f"/campaigns/{audit.pk}/self-assessment/", {f"level-{suffix(org.p)}": "4"})
    kim = kim_in(audit, org)
    before = Evidence.objects.count()
    response = login_client("manager").post(f"/campaigns/{audit.pk}/review/{kim.pk}/", {
        f"decision-{suffix(org.p)}": "not_yet", f"level-{suffix(org.p)}": "4",
        f"comment-{suffix(org.p)}": "Not yet unaided on the big pumps"})
    assert response.status_code == 302
    claim = Claim.objects.get(person=org.kim)
    assert (claim.status, claim.review_comment) == ("rejected", "Not yet unaided on the big pumps")
    assert Evidence.objects.count() == before  # the self record is revoked, nothing is added


def test_confirm_without_a_valid_level_names_the_line(org, login_client):
    audit = launch(login_client)
    kim = kim_in(audit, org)
    response = login_client("manager").post(f"/campaigns/{audit.pk}/review/{kim.pk}/", {
        f"decision-{suffix(org.q)}": "confirm", f"level-{suffix(org.q)}": "9"})
    assert response.status_code == 400
    assert "Choose a level 0..5 to confirm Q" in response.content.decode()
    assert not Evidence.objects.exists()
