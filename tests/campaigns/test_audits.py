"""Competency audits: launch for a scope, self-assess, manager review, progress per unit, close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from compms.campaigns.models import Audit, Participant, SnapshotLine
from compms.evidence.models import Claim, Evidence

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def audit(org, login_client) -> Audit:
    response = login_client("hr").post("/campaigns/", {"name": "Spring audit", "deadline": "2026-04-30",
                                                       "roles": ["TECH"]})
    assert response.status_code == 302
    return Audit.objects.get()


def key(competency) -> str:
    return f"level-{competency.uuid.hex}-0"


def test_hr_launch_invites_the_role_holders(audit, org):
    assert set(audit.participants.values_list("person__employee_id", flat=True)) == {"E-KIM", "E-LEE", "E-OLU"}


def test_only_hr_launches(org, login_client):
    response = login_client("manager").post("/campaigns/", {"name": "x", "deadline": "2026-04-30", "roles": ["TECH"]})
    assert response.status_code == 403
    assert not Audit.objects.exists()


def test_self_assessment_then_review_then_progress_and_snapshot(audit, org, login_client):
    employee = login_client("employee")
    assert "Spring audit" in employee.get("/campaigns/").content.decode()
    employee.post(f"/campaigns/{audit.pk}/self-assessment/", {key(org.p): "3", key(org.q): "", "note": "ok"})
    claim = Claim.objects.get(person=org.kim)
    assert (claim.competency_id, claim.level, claim.status) == (org.p.pk, 3, "pending")

    hr = login_client("hr")
    page = hr.get(f"/campaigns/{audit.pk}/").content.decode()
    assert "<td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">0</td>" in page

    kim = Participant.objects.get(audit=audit, person=org.kim)
    manager = login_client("manager")
    # Each line is confirmed explicitly (the old form saved every prefilled level in one click).
    manager.post(f"/campaigns/{audit.pk}/review/{kim.pk}/", {
        f"decision-{org.p.uuid.hex}-0": "confirm", key(org.p): "2", f"comment-{org.p.uuid.hex}-0": "seen",
        f"decision-{org.q.uuid.hex}-0": "confirm", key(org.q): "1"})
    claim.refresh_from_db()
    assert claim.status == "verified" and claim.review_evidence.level == 2
    assert Evidence.objects.filter(person=org.kim, source="manager", competency=org.q, level=1).exists()
    hr = login_client("hr")  # one test client: log in again after the manager
    page = hr.get(f"/campaigns/{audit.pk}/").content.decode()
    assert "<td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">1</td>" in page

    hr.post(f"/campaigns/{audit.pk}/close/")
    audit.refresh_from_db()
    assert audit.status == "closed"
    lines = {(line.person_id, line.competency_uuid): line for line in SnapshotLine.objects.filter(audit=audit)}
    assert len(lines) == 6  # three people x P and Q
    p_line = lines[(org.kim.pk, org.p.uuid)]
    assert (p_line.required, p_line.level, p_line.status, p_line.verified) == (3, 2, "short", True)
    assert lines[(org.lee.pk, org.p.uuid)].status == "missing"
    # A closed audit takes no more self-assessments.
    response = login_client("employee").post(f"/campaigns/{audit.pk}/self-assessment/", {key(org.q): "2"})
    assert response.status_code == 400


def test_only_the_manager_reviews(audit, org, login_client):
    olu = Participant.objects.get(audit=audit, person=org.olu)
    assert login_client("manager").get(f"/campaigns/{audit.pk}/review/{olu.pk}/").status_code == 404
    kim = Participant.objects.get(audit=audit, person=org.kim)
    assert login_client("employee").get(f"/campaigns/{audit.pk}/review/{kim.pk}/").status_code == 404


def test_audit_reminders(audit, org, login_client):
    from compms.organisation.models import Person

    Person.objects.filter(pk__in=[org.kim.pk, org.lee.pk]).update(email="x@example.org")
    Person.objects.filter(pk=org.mo.pk).update(email="mo@example.org")
    login_client("employee").post(f"/campaigns/{audit.pk}/self-assessment/", {key(org.p): "3"})
    mail.outbox.clear()
    call_command("remind", "--audits")
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["CompMS: 1 self-assessment(s) waiting for your review",
                        "CompMS: your self-assessment for Spring audit is due 2026-04-30"]
