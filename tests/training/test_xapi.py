"""xAPI statements: validation against the spec's own examples and the LRS conformance templates,
mapping to people and resources, idempotent re-sends and conflicts."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid

import pytest

from compms.evidence.models import Evidence
from compms.training.models import Completion, XapiActivity, XapiStatement

pytestmark = pytest.mark.django_db
URL = "/api/v1/xapi/statements"
TEMPLATES = "xapi/lrs-conformance-v1_0_3-templates"
COURSE = "https://lms.example.com/courses/pump-101"


def load(shared_data, name):
    return json.loads((shared_data / name).read_text())


def statement_with(shared_data, **parts):
    """The conformance suite's default statement with some parts replaced by template files."""
    statement = load(shared_data, f"{TEMPLATES}/statements/default.json")
    for key, file_name in parts.items():
        statement[key] = load(shared_data, file_name)
    return statement


def completed(actor, activity=COURSE, **extra):
    return {"id": str(uuid.uuid4()), "actor": actor, "timestamp": "2026-03-11T09:30:00Z",
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
            "object": {"id": activity, "objectType": "Activity"}, **extra}


@pytest.fixture
def lrs(api, torg, on_day):
    """The learning platform's integration user (HR) and the course mapped to PUMP-101."""
    XapiActivity.objects.create(activity_id=COURSE, resource=torg.pump)
    on_day(dt.date(2026, 3, 12))
    return api("hr")


def test_the_spec_appendix_examples_are_stored_as_one_batch(lrs, shared_data):
    examples = load(shared_data, "xapi/xapi-spec-1.0.3-appendixA-examples.json")
    response = lrs.post(URL, examples)
    assert response.status_code == 200, response.content
    assert response.json() == ["fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "7ccd3322-e1a5-411a-a67d-6a735c76f119",
                               "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"]
    # None is a completion (sent, attempted, attended): stored, no evidence.
    assert set(XapiStatement.objects.values_list("outcome", flat=True)) == {"not_completion"}
    assert not Evidence.objects.exists()
    one = lrs.get(URL, statementId="7ccd3322-e1a5-411a-a67d-6a735c76f119").json()
    assert one["result"]["score"] == {"scaled": 0.95} and one["actor"]["mbox"] == "mailto:example.learner@adlnet.gov"


VALID_STATEMENT_TEMPLATES = ["default", "attachment", "context", "context_sans_objectType", "result", "unicode",
                             "object_agent_default", "object_group_default", "object_statementref",
                             "object_substatement_default", "voiding"]
# What each refused template gets wrong, checked by reading the file.
INVALID_STATEMENT_TEMPLATES = {
    "no_actor": "statement[0]: actor is missing",
    "no_verb": "statement[0]: verb is missing",
    "no_object": "statement[0]: object is missing",
    "actor": "statement[0].actor: an Agent needs exactly one of mbox, mbox_sha1sum, openid, account (found none)",
    "verb": "statement[0].verb: id is missing",
    "object_activity": "statement[0].object: id is missing",
    "object_actor": "statement[0].object: an Agent needs exactly one",
    "object_statementref_no_id": "statement[0].object: a StatementRef needs an id",
    "object_substatement": "statement[0].object: actor is missing",
    "authority": "statement[0].authority: an Agent needs exactly one",
    "multiple_actor": "property 'actor' appears more than once",
}


@pytest.mark.parametrize("name", VALID_STATEMENT_TEMPLATES)
def test_valid_conformance_statements_are_accepted(lrs, shared_data, name):
    response = lrs.post(URL, load(shared_data, f"{TEMPLATES}/statements/{name}.json"))
    assert response.status_code == 200, response.content
    assert XapiStatement.objects.filter(statement_id=response.json()[0]).exists()


@pytest.mark.parametrize("name", sorted(INVALID_STATEMENT_TEMPLATES))
def test_invalid_conformance_statements_are_refused_and_nothing_is_stored(lrs, shared_data, name):
    # Sent raw: multiple_actor.json only shows its fault before a JSON parser drops the duplicate.
    body = (shared_data / f"{TEMPLATES}/statements/{name}.json").read_bytes()
    response = lrs.client.post(URL, body, content_type="application/json", **lrs.headers)
    assert response.status_code == 400
    assert INVALID_STATEMENT_TEMPLATES[name] in response.json()["detail"]
    assert not XapiStatement.objects.exists()


@pytest.mark.parametrize(("part", "file_name", "error"), [
    ("actor", "agents/account_no_homepage.json", "statement[0].actor.account: homePage is missing"),
    ("actor", "agents/account_no_name.json", "statement[0].actor.account: name is missing"),
    ("verb", "verbs/no_id.json", "statement[0].verb: id is missing"),
    ("object", "activities/no_id.json", "statement[0].object: id is missing"),
    ("object", "activities/name_invalid.json", "statement[0].object.definition.name.something: is not a language"),
    ("object", "activities/description_invalid.json", "definition.description.something: is not a language tag"),
    ("object", "activities/string_name.json", "definition.name: must be a JSON object"),
    ("object", "activities/numeric_name.json", "definition.name: must be a JSON object"),
    ("object", "activities/interaction_type_invalid_string.json", "'should error' is not one of"),
    ("object", "activities/interaction_type_invalid_iri.json", "'ab=c://should.fail.com' is not one of"),
    ("object", "activities/interaction_type_invalid_numeric.json", "12345 is not one of"),
    ("object", "activities/interaction_type_invalid_object.json", "{'test': 'value'} is not one of"),
    ("context", "contexts/invalid_activity.json", "contextActivities.consequences: is not parent, grouping"),
    ("context", "contexts/instructor.json", "statement[0].context.instructor: an Agent needs exactly one"),
    ("context", "contexts/team.json", "statement[0].context.team: an anonymous Group needs a non-empty member"),
])
def test_invalid_templates_in_a_statement_are_refused(lrs, shared_data, part, file_name, error):
    response = lrs.post(URL, [statement_with(shared_data, **{part: f"{TEMPLATES}/{file_name}"})])
    assert response.status_code == 400
    assert error in response.json()["detail"]
    assert not XapiStatement.objects.exists()


@pytest.mark.parametrize(("part", "file_name"), [
    ("actor", "agents/account.json"), ("actor", "agents/mbox_sha1sum.json"), ("actor", "agents/openid.json"),
    ("verb", "verbs/no_display.json"), ("object", "activities/no_definition.json"),
    ("object", "activities/no_objectType.json"), ("object", "activities/likert.json"),
    ("result", "results/default.json"), ("context", "contexts/all_activities.json"),
    ("context", "contexts/no_platform.json"),
])
def test_valid_templates_in_a_statement_are_accepted(lrs, shared_data, part, file_name):
    # Not every no_* template is invalid: a verb without display, an activity without definition
    # and a context without platform are all allowed by the specification.
    response = lrs.post(URL, statement_with(shared_data, **{part: f"{TEMPLATES}/{file_name}"}))
    assert response.status_code == 200, response.content


def test_a_batch_with_one_bad_statement_stores_nothing(lrs, torg):
    good = completed({"mbox": "mailto:kim@example.com"})
    bad = completed({"mbox": "mailto:lee@example.com"}, result={"score": {"scaled": 1.5}})
    response = lrs.post(URL, [good, good | {"id": str(uuid.uuid4())}, bad])
    assert response.status_code == 400
    assert response.json()["detail"] == "statement[2].result.score.scaled: 1.5 is outside -1..1"
    assert not XapiStatement.objects.exists() and not Evidence.objects.exists()


@pytest.mark.parametrize(("mutate", "error"), [
    (lambda s: s.update(id="not-a-uuid"), "statement[0].id: 'not-a-uuid' is not a UUID"),
    (lambda s: s["verb"].update(id="completed"), "statement[0].verb.id: 'completed' is not an absolute IRI"),
    (lambda s: s["object"].update(id="pump 101"), "statement[0].object.id: 'pump 101' is not an absolute IRI"),
    (lambda s: s.update(timestamp="11/03/2026"), "statement[0].timestamp: '11/03/2026' is not an ISO 8601"),
    (lambda s: s.update(result={"score": {"raw": 120, "min": 0, "max": 100}}),
     "statement[0].result.score.raw: 120 is outside min..max (0..100)"),
    (lambda s: s.update(result={"score": {"min": 10, "max": 5}}), "statement[0].result.score: min 10 is greater"),
    (lambda s: s.update(actor={"mbox": "kim@example.com"}), "statement[0].actor.mbox: 'kim@example.com' is not"),
    (lambda s: s.update(actor={"mbox": "mailto:kim@example.com", "openid": "http://id.example.com/kim"}),
     "exactly one of mbox, mbox_sha1sum, openid, account (found mbox, openid)"),
])
def test_each_rule_names_what_is_wrong(lrs, mutate, error):
    statement = completed({"mbox": "mailto:kim@example.com"})
    mutate(statement)
    response = lrs.post(URL, statement)
    assert response.status_code == 400
    assert error in response.json()["detail"]


def test_a_completion_by_a_known_person_becomes_training_evidence_once(lrs, torg):
    # Kim's stored address is Kim@Example.com: the match ignores case.
    statement = completed({"objectType": "Agent", "mbox": "mailto:kim@example.com"})
    first = lrs.post(URL, statement)
    assert first.status_code == 200 and first.json() == [statement["id"]]
    again = lrs.post(URL, copy.deepcopy(statement))
    assert again.status_code == 200 and again.json() == [statement["id"]]
    evidence = Evidence.objects.get(person=torg.kim)
    assert (evidence.source, evidence.level, evidence.assessed_on, evidence.valid_until) == (
        "training", 3, dt.date(2026, 3, 11), dt.date(2028, 3, 11))
    stored = XapiStatement.objects.get()
    assert (stored.person, stored.resource, stored.outcome) == (torg.kim, torg.pump, "evidence")
    assert Completion.objects.get().statement == stored


def test_the_same_id_with_another_statement_is_a_conflict(lrs, torg):
    statement = completed({"mbox": "mailto:kim@example.com"})
    assert lrs.post(URL, statement).status_code == 200
    changed = statement | {"timestamp": "2026-03-10T09:30:00Z"}
    response = lrs.post(URL, changed)
    assert response.status_code == 409
    assert statement["id"] in response.json()["detail"]
    assert XapiStatement.objects.count() == 1 and Evidence.objects.count() == 1


def test_account_names_are_employee_ids_and_passed_counts_failed_completion_does_not(lrs, torg):
    passed = completed({"account": {"homePage": "https://lms.example.com", "name": "E-LEE"}})
    passed["verb"]["id"] = "http://adlnet.gov/expapi/verbs/passed"
    not_passed = completed({"mbox": "mailto:kim@example.com"}, result={"success": False, "completion": True})
    stranger = completed({"mbox": "mailto:nobody@example.com"})
    unmapped = completed({"mbox": "mailto:olu@example.com"}, activity="https://lms.example.com/courses/other")
    response = lrs.post(URL, [passed, not_passed, stranger, unmapped])
    assert response.status_code == 200
    outcomes = dict(XapiStatement.objects.values_list("statement_id", "outcome"))
    assert {str(k): v for k, v in outcomes.items()} == {
        passed["id"]: "evidence", not_passed["id"]: "not_completion", stranger["id"]: "unknown_person",
        unmapped["id"]: "unknown_activity"}
    assert list(Evidence.objects.values_list("person__employee_id", flat=True)) == ["E-LEE"]


def test_put_stores_under_the_given_id(lrs, torg):
    statement_id = str(uuid.uuid4())
    statement = completed({"mbox": "mailto:lee@example.com"})
    del statement["id"]
    response = lrs.client.put(f"{URL}?statementId={statement_id}", json.dumps(statement),
                              content_type="application/json", **lrs.headers)
    assert response.status_code == 204
    assert lrs.get(URL, statementId=statement_id).json()["id"] == statement_id
    assert Evidence.objects.filter(person=torg.lee).count() == 1


def test_a_statement_without_id_gets_one(lrs):
    statement = completed({"mbox": "mailto:kim@example.com"})
    del statement["id"]
    ids = lrs.post(URL, statement).json()
    assert uuid.UUID(ids[0]) and XapiStatement.objects.get().raw["id"] == ids[0]


@pytest.mark.parametrize("who", ["employee", "manager", "outsider"])
def test_only_the_integration_user_may_send_statements(api, torg, who):
    response = api(who).post(URL, completed({"mbox": "mailto:kim@example.com"}))
    assert response.status_code == 403
    assert not XapiStatement.objects.exists()


def test_activity_mappings_are_managed_by_hr(api, torg):
    response = api("hr").post("/api/v1/training/xapi/activities",
                              {"activity_id": "https://lms.example.com/courses/read", "resource_id": torg.reading.pk})
    assert response.status_code == 201
    assert api("employee").get("/api/v1/training/xapi/activities").status_code == 403
    bad = api("hr").post("/api/v1/training/xapi/activities", {"activity_id": "read", "resource_id": torg.reading.pk})
    assert bad.status_code == 400
