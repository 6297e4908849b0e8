"""End to end through the API and the pages: request, approve, complete, gap closed; mandatory training."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.evidence.gaps import person_gaps
from compms.training import services
from compms.training.models import Enrolment, MandatoryTraining

D = dt.date
pytestmark = pytest.mark.django_db


def test_request_approve_complete_through_the_api_closes_kims_gap(torg, cast, api, session_of, on_day):
    session = session_of(capacity=1)
    employee, manager, hr = api("employee"), api("manager"), api("hr")
    created = employee.post("/api/v1/training/enrolments", {"session_id": session.pk, "reason": "P gap"})
    assert created.status_code == 201 and created.json()["status"] == "requested"
    enrolment_id = created.json()["id"]
    assert employee.post(f"/api/v1/training/enrolments/{enrolment_id}/approve").status_code == 403
    assert manager.post(f"/api/v1/training/enrolments/{enrolment_id}/approve").json()["status"] == "enrolled"

    lee = hr.post("/api/v1/training/enrolments", {"session_id": session.pk, "person_id": torg.lee.pk}).json()
    assert hr.post(f"/api/v1/training/enrolments/{lee['id']}/approve").json()["status"] == "waitlisted"
    detail = hr.get(f"/api/v1/training/sessions/{session.pk}").json()
    assert (detail["places_taken"], [e["person"] for e in detail["waiting_list"]]) == (1, ["Lee"])
    # Kim sees her own enrolment only.
    assert [e["person"] for e in employee.get(f"/api/v1/training/sessions/{session.pk}").json()["enrolments"]] == [
        "Kim"]

    on_day(D(2026, 3, 12))
    illegal = hr.post(f"/api/v1/training/enrolments/{lee['id']}/complete", {})
    assert illegal.status_code == 400 and "waitlisted cannot become completed" in str(illegal.json())
    done = hr.post(f"/api/v1/training/enrolments/{enrolment_id}/complete", {"completed_on": "2026-03-11"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    gaps = api("employee").get(f"/api/v1/people/{torg.kim.pk}/gaps", as_of="2026-03-12")
    if gaps.status_code == 200:
        line = gaps.json()["roles"][0]["requirements"][0]
        assert (line["status"], line["source"]) == ("met", "training")
    line = person_gaps(torg.kim, D(2026, 3, 12)).roles[0].requirements[0]
    assert (line.status, line.proficiency, line.gap) == ("met", 3, 0)


def test_only_hr_creates_sessions_through_the_api(torg, api, on_day):
    body = {"resource_id": torg.pump.pk, "starts_on": "2026-04-01", "capacity": 5, "place": "Room 1"}
    assert api("manager").post("/api/v1/training/sessions", body).status_code == 403
    created = api("hr").post("/api/v1/training/sessions", body)
    assert created.status_code == 201 and created.json()["ends_on"] == "2026-04-01"
    listed = api("employee").get("/api/v1/training/sessions", resource_id=torg.pump.pk).json()
    assert [item["place"] for item in listed["items"]] == ["Room 1"]
    assert api("outsider").get("/api/v1/training/sessions").status_code == 403


def test_mandatory_training_due_overdue_and_satisfied(torg, cast, api, session_of, on_day):
    rule = services.set_mandatory_training(cast.hr, role=torg.technician, resource=torg.pump, due_within_days=30,
                                           recurrence_months=12)
    MandatoryTraining.objects.filter(pk=rule.pk).update(created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    # Kim and Lee took their Technician positions on 2025-01-01: due 2025-01-31, overdue now.
    status = {r["person"]: r for r in api("hr").get("/api/v1/training/mandatory/status",
                                                    unit_id=torg.unit.pk).json()}
    assert {name: (r["status"], r["due_on"]) for name, r in status.items()} == {
        "Kim": ("overdue", "2025-01-31"), "Lee": ("overdue", "2025-01-31")}
    session = session_of()
    enrolment = services.approve_enrolment(services.request_enrolment(SYSTEM, person=torg.kim, session=session),
                                           cast.hr)
    on_day(D(2026, 3, 12))
    services.complete_enrolment(enrolment, cast.hr, completed_on=D(2026, 3, 11))
    # Recurrence (12 months) ends before validity (24 months): due again from 2027-02-09, overdue after 2027-03-11.
    rows = {r.person_name: r for r in services.mandatory_status(torg.unit.people.all(), D(2026, 3, 12))}
    assert (rows["Kim"].status, rows["Kim"].due_on, rows["Kim"].last_completed_on) == (
        "ok", D(2027, 3, 11), D(2026, 3, 11))
    assert services.mandatory_status(torg.unit.people.filter(pk=torg.kim.pk), D(2027, 2, 20))[0].status == "due"
    assert services.mandatory_status(torg.unit.people.filter(pk=torg.kim.pk), D(2027, 3, 12))[0].status == "overdue"
    # A manager sees their reports; an employee only themselves.
    assert {r["person"] for r in api("manager").get("/api/v1/training/mandatory/status").json()} == {"Kim", "Lee"}
    assert {r["person"] for r in api("employee").get("/api/v1/training/mandatory/status").json()} == {"Kim"}


def test_session_page_shows_approve_only_to_the_manager(torg, cast, login_client, session_of):
    session = session_of(capacity=1)
    enrolment = services.request_enrolment(cast.employee, person=torg.kim, session=session)
    page = login_client("employee").get(f"/training/sessions/{session.pk}/").content.decode()
    assert "Kim" in page and "Approve" not in page and "Withdraw" in page
    page = login_client("manager").get(f"/training/sessions/{session.pk}/").content.decode()
    assert "Approve" in page
    response = login_client("manager").post(f"/training/enrolments/{enrolment.pk}/approve")
    assert response.status_code == 302
    assert Enrolment.objects.get(pk=enrolment.pk).status == "enrolled"


def test_training_pages_render_for_each_role(torg, cast, login_client, session_of):
    session_of()
    for who in ("hr", "manager", "employee"):
        client = login_client(who)
        for url in ("/training/", "/training/mine/", "/training/mandatory/"):
            assert client.get(url).status_code == 200, (who, url)
    assert "New session" in login_client("hr").get("/training/").content.decode()
    assert "New session" not in login_client("employee").get("/training/").content.decode()
