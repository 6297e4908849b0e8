"""Assessment against the standard: drafts stay drafts until every criterion is met (under enough
different conditions); a complete one becomes exactly one assessor evidence record; the assessor
needs current cover and may not assess themself; HR grants and ends registrations on a page."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.assessments.models import Assessment
from compms.evidence import services as evidence_services
from compms.evidence.models import AssessorRegistration, Evidence
from compms.frameworks.models import LevelIndicator
from compms.organisation.models import Context

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def criteria(org) -> list[LevelIndicator]:
    """Pump maintenance has one indicator at each of levels 1, 2 and 3: level 2 is shown by the first two."""
    return [LevelIndicator.objects.create(competency=org.p, level=level, text=text) for level, text in
            [(1, "Names the parts of a pump"), (2, "Replaces a seal under supervision"), (3, "Overhauls a pump")]]


@pytest.fixture
def south(org) -> Context:
    return Context.objects.create(code="south-site", name="South site")


@pytest.fixture
def registered(org):
    return evidence_services.register_assessor(SYSTEM, person=org.ava, competency=org.p, max_level=3,
                                               valid_until=dt.date(2026, 12, 31))


def open_draft(api, level: int = 2):
    return api("assessor").post("/api/v1/assessments", {"employee_id": "E-KIM", "framework": "OPS",
                                                        "competency": "P", "level": level})


def record(api, assessment_id: int, indicator: LevelIndicator, contexts=("north-site",), met: bool = True):
    return api("assessor").put(f"/api/v1/assessments/{assessment_id}/criteria/{indicator.pk}",
                               {"met": met, "method": "observation", "contexts": list(contexts), "note": "ok"})


def test_incomplete_assessment_stays_draft_and_submit_names_the_missing_criterion(org, criteria, registered, api):
    opened = open_draft(api)
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert [c["text"] for c in body["criteria"]] == ["Names the parts of a pump", "Replaces a seal under supervision"]
    assert record(api, body["id"], criteria[0]).status_code == 200
    refused = api("assessor").post(f"/api/v1/assessments/{body['id']}/submit")
    assert refused.status_code == 400
    assert "Replaces a seal under supervision" in str(refused.json()["detail"])
    assert "Names the parts" not in str(refused.json()["detail"])
    assert Assessment.objects.get().status == "draft"
    assert not Evidence.objects.exists()


def test_a_criterion_recorded_as_not_met_blocks_submission(org, criteria, registered, api):
    body = open_draft(api).json()
    record(api, body["id"], criteria[0])
    record(api, body["id"], criteria[1], met=False)
    refused = api("assessor").post(f"/api/v1/assessments/{body['id']}/submit")
    assert refused.status_code == 400 and "is not met" in str(refused.json()["detail"])


def test_two_conditions_needed_one_given_is_refused(org, criteria, registered, south, api):
    assert api("competency_manager").put("/api/v1/assessment-standards", {
        "framework": "OPS", "competency": "P", "min_conditions": 2}).status_code == 200
    body = open_draft(api).json()
    record(api, body["id"], criteria[0], contexts=["north-site", "south-site"])
    record(api, body["id"], criteria[1], contexts=["north-site"])
    refused = api("assessor").post(f"/api/v1/assessments/{body['id']}/submit")
    assert refused.status_code == 400
    detail = str(refused.json()["detail"])
    assert "Replaces a seal under supervision" in detail and "2 different ones" in detail
    assert not Evidence.objects.exists()
    # The second condition completes it.
    record(api, body["id"], criteria[1], contexts=["north-site", "south-site"])
    assert api("assessor").post(f"/api/v1/assessments/{body['id']}/submit").status_code == 200


def test_only_competency_managers_set_the_standard(org, api):
    assert api("manager").put("/api/v1/assessment-standards", {
        "framework": "OPS", "competency": "P", "min_conditions": 2}).status_code == 403


def test_complete_assessment_writes_exactly_one_assessor_record_and_becomes_read_only(org, criteria, registered,
                                                                                       api):
    body = open_draft(api).json()
    record(api, body["id"], criteria[0])
    record(api, body["id"], criteria[1])
    done = api("assessor").post(f"/api/v1/assessments/{body['id']}/submit")
    assert done.status_code == 200, done.content
    evidence = Evidence.objects.get()
    assert (evidence.person, evidence.level, evidence.source, evidence.assessor, evidence.assessed_on,
            evidence.context) == (org.kim, 2, "assessor", org.ava, TODAY, org.site)
    assert "observation" in evidence.note
    assert done.json()["status"] == "submitted" and done.json()["evidence_id"] == evidence.pk
    # Read-only afterwards: neither a criterion nor a second submit changes anything.
    assert record(api, body["id"], criteria[0], met=False).status_code == 409
    assert api("assessor").post(f"/api/v1/assessments/{body['id']}/submit").status_code == 409
    assert Evidence.objects.count() == 1


def test_assessor_without_registration_is_refused(org, criteria, api):
    refused = open_draft(api)
    assert refused.status_code == 403
    assert "Pump maintenance" in refused.json()["detail"] and "limit is 0" in refused.json()["detail"]
    assert not Assessment.objects.exists()


def test_expired_registration_is_refused(org, criteria, api):
    evidence_services.register_assessor(SYSTEM, person=org.ava, competency=org.p, max_level=3,
                                        valid_until=dt.date(2026, 3, 1))
    AssessorRegistration.objects.update(valid_until=dt.date(2026, 2, 28))
    refused = open_draft(api)
    assert refused.status_code == 403 and "ended on 2026-02-28" in refused.json()["detail"]


def test_registration_lapsing_between_open_and_submit_refuses_submission(org, criteria, registered, api, on_day):
    body = open_draft(api).json()
    record(api, body["id"], criteria[0])
    record(api, body["id"], criteria[1])
    on_day(dt.date(2027, 1, 5))
    refused = api("assessor").post(f"/api/v1/assessments/{body['id']}/submit")
    assert refused.status_code == 403 and not Evidence.objects.exists()


def test_registration_below_the_level_is_refused(org, criteria, api):
    evidence_services.register_assessor(SYSTEM, person=org.ava, competency=org.p, max_level=1)
    assert open_draft(api, level=2).status_code == 403
    assert open_draft(api, level=1).status_code == 201


def test_self_assessment_is_refused(org, criteria, registered, api):
    refused = api("assessor").post("/api/v1/assessments", {"employee_id": "E-AVA", "framework": "OPS",
                                                           "competency": "P", "level": 2})
    assert refused.status_code == 403 and "yourself" in refused.json()["detail"]


def test_who_sees_an_assessment(org, criteria, registered, api):
    body = open_draft(api).json()
    url = f"/api/v1/assessments/{body['id']}"
    assert api("assessor").get(url).status_code == 200
    assert api("hr").get(url).status_code == 200
    assert api("employee").get(url).status_code == 404  # Kim's own, but still a draft
    assert api("manager").get(url).status_code == 404
    record(api, body["id"], criteria[0])
    record(api, body["id"], criteria[1])
    api("assessor").post(f"/api/v1/assessments/{body['id']}/submit")
    assert api("employee").get(url).status_code == 200
    assert api("manager").get(url).status_code == 404
    assert [a["id"] for a in api("employee").get("/api/v1/assessments").json()] == [body["id"]]
    # Only the assessor records criteria, even HR, who sees it.
    assert api("hr").put(f"{url}/criteria/{criteria[0].pk}", {"met": True, "method": "observation"}).status_code \
        == 409  # submitted by now: read-only for everyone


def test_only_the_assessor_records_criteria_of_a_draft(org, criteria, registered, api):
    body = open_draft(api).json()
    hr_try = api("hr").put(f"/api/v1/assessments/{body['id']}/criteria/{criteria[0].pk}",
                           {"met": True, "method": "observation", "contexts": ["north-site"]})
    assert hr_try.status_code == 403
    assert api("hr").post(f"/api/v1/assessments/{body['id']}/submit").status_code == 403


def test_own_verified_level_at_least_as_high_is_enough_without_registration(org, criteria, add, api):
    add(org.ava, org.p, 2, "certificate", dt.date(2025, 6, 1))
    assert open_draft(api, level=2).status_code == 201
    assert open_draft(api, level=3).status_code == 403


def test_unknown_method_or_context_is_a_400_naming_the_field(org, criteria, registered, api):
    body = open_draft(api).json()
    bad = api("assessor").put(f"/api/v1/assessments/{body['id']}/criteria/{criteria[0].pk}",
                              {"met": True, "method": "guessing"})
    assert bad.status_code == 400 and "method" in bad.json()["detail"]
    bad = api("assessor").put(f"/api/v1/assessments/{body['id']}/criteria/{criteria[0].pk}",
                              {"met": True, "method": "observation", "contexts": ["moon"]})
    assert bad.status_code == 400 and "contexts" in bad.json()["detail"]
    # A level 3 indicator is not a criterion of a level 2 assessment.
    assert record(api, body["id"], criteria[2]).status_code == 404


def test_assessor_completes_an_assessment_on_the_pages(org, criteria, registered, login_client):
    client = login_client("assessor")
    opened = client.post("/assessments/", {"person": "E-KIM", "competency": org.p.pk, "level": 2})
    assert opened.status_code == 302
    assessment = Assessment.objects.get()
    page = client.get(opened["Location"]).content.decode()
    assert "Pump maintenance" in page and "Kim" in page and "Replaces a seal under supervision" in page
    for indicator in criteria[:2]:
        prefix = f"c{indicator.pk}"
        client.post(f"/assessments/{assessment.pk}/criteria/{indicator.pk}/", {
            f"{prefix}-met": "on", f"{prefix}-method": "questioning", f"{prefix}-contexts": [org.site.pk]})
    assert client.post(f"/assessments/{assessment.pk}/submit/").status_code == 302
    assert Evidence.objects.get().source == "assessor"
    assert "Assessor evidence recorded at level 2" in client.get(f"/assessments/{assessment.pk}/").content.decode()


def test_page_refuses_submitting_an_incomplete_draft_and_names_what_is_missing(org, criteria, registered,
                                                                              login_client):
    client = login_client("assessor")
    client.post("/assessments/", {"person": "E-KIM", "competency": org.p.pk, "level": 2})
    assessment = Assessment.objects.get()
    refused = client.post(f"/assessments/{assessment.pk}/submit/")
    assert refused.status_code == 400
    assert "Names the parts of a pump" in refused.content.decode()
    assert Assessment.objects.get().status == "draft"


def test_registration_page_grants_and_ends_a_registration(org, login_client):
    client = login_client("hr")
    granted = client.post("/assessments/registrations/", {"person": "E-AVA", "competency": org.p.pk,
                                                          "max_level": 3, "valid_until": "2026-12-31",
                                                          "note": "Trained 2026"})
    assert granted.status_code == 302
    registration = AssessorRegistration.objects.get()
    assert (registration.person, registration.max_level, registration.valid_until) == (
        org.ava, 3, dt.date(2026, 12, 31))
    listing = client.get("/assessments/registrations/", {"state": "current"}).content.decode()
    assert "Ava Assessor" in listing and "Pump maintenance" in listing
    assert client.post(f"/assessments/registrations/{registration.pk}/end/").status_code == 302
    registration.refresh_from_db()
    assert registration.valid_until == dt.date(2026, 2, 28)
    assert "Ava Assessor" not in listed(client, "current")
    assert "Ava Assessor" in listed(client, "expired")


def listed(client, state: str) -> str:
    """The registrations section of the page (after any flash message naming the person)."""
    page = client.get("/assessments/registrations/", {"state": state}).content.decode()
    return page.split("<h2>Registrations</h2>", 1)[1]


def test_registration_page_is_refused_for_a_manager(org, login_client):
    client = login_client("manager")
    assert client.get("/assessments/registrations/").status_code == 403
    assert client.post("/assessments/registrations/", {"person": "E-AVA", "competency": org.p.pk,
                                                       "max_level": 3}).status_code == 403
    assert not AssessorRegistration.objects.exists()


def test_bad_input_when_opening_is_a_400_naming_the_field(org, criteria, registered, api):
    def opened(**payload):
        return api("assessor").post("/api/v1/assessments", {"employee_id": "E-KIM", "framework": "OPS",
                                                            "competency": "P", "level": 2, **payload})

    assert "level" in opened(level=0).json()["detail"]
    assert "level" in opened(level=9).json()["detail"]
    assert "employee_id" in opened(employee_id="E-NOBODY").json()["detail"]
    assert "competency" in opened(competency="NOPE").json()["detail"]
    assert opened(level=0).status_code == 400
    # Q has no level indicators at all: nothing to assess against.
    assert "no level indicators" in str(opened(competency="Q").json()["detail"])
    assert api("assessor").post("/api/v1/assessments/0/submit").status_code == 404
    assert api("assessor").get("/api/v1/assessments", status="x" * 300).json() == []
    assert not Assessment.objects.exists()
