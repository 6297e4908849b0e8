"""Recording, correcting and reading evidence through the API, with who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compms.audit.models import AuditEntry
from compms.evidence.models import Evidence, EvidenceImmutable

D = dt.date
pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {"employee_id": "E-KIM", "framework": "OPS", "competency": "P", "level": 3, "source": "manager",
            "assessed_on": "2026-01-10"}
    data.update(overrides)
    return data


def test_a_manager_records_manager_evidence_for_a_report(org, api):
    response = api("manager").post("/api/v1/evidence", body(note="Observed a full service"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["person"], data["competency"], data["level"], data["source"], data["recorded_by"]) == (
        "E-KIM", "P", 3, "manager", "manager")
    assert AuditEntry.objects.filter(action="evidence.record", object_id=str(data["id"])).exists()
    profile = api("manager").get("/api/v1/people/E-KIM/proficiency").json()
    assert [(p["competency"], p["level"], p["verified"], p["source"]) for p in profile["proficiencies"]] == [
        ("P", 3, True, "manager")]


def test_a_manager_may_not_record_for_someone_outside_their_team_or_another_source(org, api):
    manager = api("manager")
    outside = manager.post("/api/v1/evidence", body(employee_id="E-OLU"))
    # Someone outside the team does not exist for this manager: the same answer as an unknown id.
    assert (outside.status_code, outside.json()["detail"]) == (404, "No such person.")
    assert manager.post("/api/v1/evidence", body(employee_id="E-NOBODY")).json() == outside.json()
    assert manager.post("/api/v1/evidence", body(source="certificate")).status_code == 403
    assert manager.post("/api/v1/evidence", body(employee_id="E-MO")).status_code == 403  # themselves
    assert Evidence.objects.count() == 0


def test_an_employee_may_not_record_evidence_not_even_self(org, api):
    employee = api("employee")
    assert employee.post("/api/v1/evidence", body(source="manager")).status_code == 403
    refused = employee.post("/api/v1/evidence", body(source="self"))
    assert refused.status_code == 403 and "claim" in refused.json()["detail"]


def test_hr_records_any_source_but_self(org, api):
    hr = api("hr")
    assert hr.post("/api/v1/evidence", body(employee_id="E-OLU", source="certificate",
                                            valid_until="2027-01-09")).status_code == 201
    assert hr.post("/api/v1/evidence", body(employee_id="E-OLU", source="self")).status_code == 403


def test_validation_names_the_field(org, api, on_day):
    on_day(D(2026, 3, 1))
    hr = api("hr")
    too_high = hr.post("/api/v1/evidence", body(level=6))
    assert too_high.status_code == 400 and "0..5" in too_high.json()["detail"]["level"][0]
    backwards = hr.post("/api/v1/evidence", body(valid_until="2026-01-09"))
    assert "before the assessment date" in backwards.json()["detail"]["valid_until"][0]
    future = hr.post("/api/v1/evidence", body(assessed_on="2026-03-02"))
    assert "future" in future.json()["detail"]["assessed_on"][0]
    assert Evidence.objects.count() == 0


def test_evidence_for_someone_who_left_is_refused(org, api):
    org.lee.active = False
    org.lee.save(update_fields=["active"])
    refused = api("hr").post("/api/v1/evidence", body(employee_id="E-LEE"))
    assert refused.status_code == 400 and "left" in refused.json()["detail"]["person"][0]


def test_an_employee_sees_their_own_evidence_only(org, api, add):
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    add(org.lee, org.p, 2, "manager", D(2025, 10, 1))
    employee = api("employee")
    own = employee.get("/api/v1/people/E-KIM/evidence")
    assert own.status_code == 200 and [e["level"] for e in own.json()["items"]] == [3]
    assert employee.get("/api/v1/people/E-LEE/evidence").status_code == 403
    lee_record = Evidence.objects.get(person=org.lee)
    assert employee.get(f"/api/v1/evidence/{lee_record.pk}").status_code == 403
    assert employee.get("/api/v1/people/E-LEE/proficiency").status_code == 403
    assert employee.get("/api/v1/people/NOBODY/evidence").status_code == 404


def test_supersede_keeps_the_history_and_a_second_correction_conflicts(org, api):
    manager = api("manager")
    first = manager.post("/api/v1/evidence", body(level=4)).json()
    corrected = manager.post(f"/api/v1/evidence/{first['id']}/supersede",
                             {"reason": "typed 4, meant 3", "level": 3, "assessed_on": "2026-01-10"})
    assert corrected.status_code == 201, corrected.content
    new = corrected.json()
    assert [(h["level"], h["status"]) for h in new["history"]] == [(4, "superseded"), (3, "active")]
    assert new["history"][0]["reason"] == "typed 4, meant 3"
    late = manager.post(f"/api/v1/evidence/{first['id']}/supersede",
                        {"reason": "again", "level": 2, "assessed_on": "2026-01-10"})
    assert late.status_code == 409
    profile = manager.get("/api/v1/people/E-KIM/proficiency").json()["proficiencies"]
    assert [p["level"] for p in profile] == [3]


def test_revoke_needs_a_reason_and_only_hr_or_the_recorder_may(org, api):
    record = api("manager").post("/api/v1/evidence", body()).json()
    assert api("hr").post(f"/api/v1/evidence/{record['id']}/revoke", {"reason": ""}).status_code == 400
    assert api("employee").post(f"/api/v1/evidence/{record['id']}/revoke", {"reason": "no"}).status_code == 403
    revoked = api("hr").post(f"/api/v1/evidence/{record['id']}/revoke", {"reason": "recorded for the wrong Kim"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert api("manager").get("/api/v1/people/E-KIM/proficiency").json()["proficiencies"] == []
    # Still there in the history, with why.
    listed = api("manager").get("/api/v1/people/E-KIM/evidence").json()["items"]
    assert [(e["status"], e["reason"]) for e in listed] == [("revoked", "recorded for the wrong Kim")]


def test_evidence_facts_cannot_be_edited_in_place(org, add):
    evidence = add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    evidence.level = 5
    with pytest.raises(EvidenceImmutable):
        evidence.save()


def test_an_attachment_is_stored_and_downloaded_by_those_who_may_see_it(org, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record = api("manager").post("/api/v1/evidence", body()).json()
    upload = SimpleUploadedFile("observation.txt", b"Serviced pump 3 unaided", content_type="text/plain")
    attached = api("manager").post_file(f"/api/v1/evidence/{record['id']}/attachments", {"file": upload})
    assert attached.status_code == 201, attached.content
    url = attached.json()["url"]
    download = api("employee").get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"Serviced pump 3 unaided"
    assert api("assessor").get(url).status_code == 403


def test_the_proficiency_endpoint_answers_for_a_past_date(org, api, add):
    add(org.kim, org.p, 2, "assessor", D(2024, 2, 1), D(2026, 2, 28))
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    past = api("employee").get("/api/v1/people/E-KIM/proficiency", as_of="2026-02-15").json()
    later = api("employee").get("/api/v1/people/E-KIM/proficiency", as_of="2026-03-01").json()
    assert [(p["level"], p["source"], p["valid_until"]) for p in past["proficiencies"]] == [
        (2, "assessor", "2026-02-28")]
    assert [(p["level"], p["source"]) for p in later["proficiencies"]] == [(3, "manager")]


def test_hr_manages_assessor_registrations(org, api):
    hr = api("hr")
    created = hr.post("/api/v1/assessor-registrations", {"employee_id": "E-AVA", "framework": "OPS",
                                                         "competency": "P", "max_level": 4})
    assert created.status_code == 201, created.content
    assert api("manager").post("/api/v1/assessor-registrations", {
        "employee_id": "E-AVA", "framework": "OPS", "competency": "P", "max_level": 4}).status_code == 403
    mine = api("assessor").get("/api/v1/assessor-registrations").json()["items"]
    assert [(r["competency"], r["max_level"], r["current"]) for r in mine] == [("P", 4, True)]
    ended = hr.post(f"/api/v1/assessor-registrations/{created.json()['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["current"] is False


def test_the_evidence_list_costs_the_same_queries_for_2_or_20_records(org, api, add):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = api("manager")
    manager.get("/api/v1/people/E-KIM/evidence")  # warm the token's last-used write

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager.get("/api/v1/people/E-KIM/evidence").status_code == 200
        return len(captured)

    for day in range(2):
        add(org.kim, org.p, 1, "manager", D(2025, 1, 1 + day))
    few = queries_for_list()
    for day in range(18):
        add(org.kim, org.q, 2, "test", D(2025, 2, 1 + day), context=org.site)
    assert queries_for_list() == few
