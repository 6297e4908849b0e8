"""xAPI validation on statements written here, so a checkout without the public test data still
covers what test_xapi.py checks with the specification's examples and the LRS conformance
templates: each kind of valid statement is stored, each kind of fault is refused naming the field."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from compms.evidence.models import Evidence
from compms.training.models import XapiActivity, XapiStatement

pytestmark = pytest.mark.django_db
URL = "/api/v1/xapi/statements"
COURSE = "https://lms.example.com/courses/pump-101"
MEETING = "https://meetings.example.com/weekly/42"


@pytest.fixture
def lrs(api, torg, on_day):
    XapiActivity.objects.create(activity_id=COURSE, resource=torg.pump)
    on_day(dt.date(2026, 3, 12))
    return api("hr")


def agent(**identity: Any) -> dict[str, Any]:
    return {"objectType": "Agent", "name": "Sam Learner", **(identity or {"mbox": "mailto:sam@example.org"})}


def attended(**changes: Any) -> dict[str, Any]:
    statement = {"actor": agent(),
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended"}},
                 "object": {"objectType": "Activity", "id": MEETING}}
    statement.update(changes)
    return statement


def activity(**definition: Any) -> dict[str, Any]:
    return {"objectType": "Activity", "id": MEETING, "definition": definition}


LIKERT = activity(type="http://adlnet.gov/expapi/activities/cmi.interaction", interactionType="likert",
                  correctResponsesPattern=["likert_3"],
                  scale=[{"id": f"likert_{n}", "description": {"en-GB": f"Point {n}"}} for n in range(4)])

VALID: dict[str, dict[str, Any]] = {
    "plain": attended(),
    "attachments list": attended(attachments=[]),
    "context": attended(context={"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "platform": "Test",
                                 "language": "en-GB", "instructor": agent(mbox="mailto:teacher@example.org"),
                                 "contextActivities": {"parent": [{"id": "https://example.org/parent"}],
                                                       "grouping": [{"id": "https://example.org/group"}],
                                                       "category": [{"id": "https://example.org/cat"}],
                                                       "other": [{"id": "https://example.org/other"}]}}),
    "context without platform": attended(context={"language": "en-GB"}),
    "result": attended(result={"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True,
                               "completion": True, "response": "yes", "duration": "PT1H0M0S"}),
    "unicode": attended(verb={"id": "http://adlnet.gov/expapi/verbs/attended",
                              "display": {"ja-JP": "出席した", "ar": "حضر", "ru-RU": "посетил"}}),
    "an agent as object": attended(object=agent(mbox="mailto:other@example.org")),
    "a group as object": attended(object={"objectType": "Group", "name": "Team", "member": [agent()]}),
    "a statement reference": attended(object={"objectType": "StatementRef",
                                              "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}),
    "a sub-statement": attended(object={"objectType": "SubStatement", "actor": agent(),
                                        "verb": {"id": "http://adlnet.gov/expapi/verbs/reported"},
                                        "object": {"id": MEETING}}),
    "voiding": attended(verb={"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
                        object={"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"}),
    "account": attended(actor=agent(account={"homePage": "https://lms.example.com", "name": "sam"})),
    "mbox_sha1sum": attended(actor=agent(mbox_sha1sum="ebd31e95054c018b10727ccffd2ef2ec3a016ee9")),
    "openid": attended(actor=agent(openid="https://openid.example.org/sam")),
    "verb without display": attended(verb={"id": "http://adlnet.gov/expapi/verbs/attended"}),
    "activity without definition": attended(object={"objectType": "Activity", "id": MEETING}),
    "activity without objectType": attended(object={"id": MEETING}),
    "likert interaction": attended(object=LIKERT),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_each_kind_of_valid_statement_is_stored(lrs, name):
    response = lrs.post(URL, VALID[name])
    assert response.status_code == 200, response.content
    assert XapiStatement.objects.filter(statement_id=response.json()[0]).exists()


def without(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda statement: statement.pop(key)


def setting(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda statement: statement.__setitem__(key, value)


INVALID: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no actor": (without("actor"), "statement[0]: actor is missing"),
    "no verb": (without("verb"), "statement[0]: verb is missing"),
    "no object": (without("object"), "statement[0]: object is missing"),
    "actor without identity": (setting("actor", {"objectType": "Agent", "name": "Nobody"}),
                               "statement[0].actor: an Agent needs exactly one of mbox, mbox_sha1sum, openid, "
                               "account (found none)"),
    "verb without id": (setting("verb", {"display": {"en-GB": "attended"}}), "statement[0].verb: id is missing"),
    "activity without id": (setting("object", {"objectType": "Activity"}), "statement[0].object: id is missing"),
    "agent object without identity": (setting("object", {"objectType": "Agent", "name": "X"}),
                                      "statement[0].object: an Agent needs exactly one"),
    "statement reference without id": (setting("object", {"objectType": "StatementRef"}),
                                       "statement[0].object: a StatementRef needs an id"),
    "sub-statement without actor": (setting("object", {"objectType": "SubStatement", "object": {"id": MEETING},
                                                       "verb": {"id": "http://adlnet.gov/expapi/verbs/reported"}}),
                                    "statement[0].object: actor is missing"),
    "authority without identity": (setting("authority", {"objectType": "Agent", "name": "LRS"}),
                                   "statement[0].authority: an Agent needs exactly one"),
    "account without homePage": (setting("actor", agent(account={"name": "sam"})),
                                 "statement[0].actor.account: homePage is missing"),
    "account without name": (setting("actor", agent(account={"homePage": "https://lms.example.com"})),
                             "statement[0].actor.account: name is missing"),
    "name map with a bad language": (setting("object", activity(name={"something": "x"})),
                                     "statement[0].object.definition.name.something: is not a language"),
    "description with a bad language": (setting("object", activity(description={"something": "x"})),
                                        "definition.description.something: is not a language tag"),
    "name as a string": (setting("object", activity(name="Meeting")), "definition.name: must be a JSON object"),
    "name as a number": (setting("object", activity(name=12)), "definition.name: must be a JSON object"),
    "unknown interaction type": (setting("object", activity(interactionType="should error")),
                                 "'should error' is not one of"),
    "interaction type as a number": (setting("object", activity(interactionType=12345)), "12345 is not one of"),
    "unknown context activity key": (setting("context", {"contextActivities": {"consequences": [{"id": MEETING}]}}),
                                     "contextActivities.consequences: is not parent, grouping"),
    "instructor without identity": (setting("context", {"instructor": {"objectType": "Agent", "name": "T"}}),
                                    "statement[0].context.instructor: an Agent needs exactly one"),
    "anonymous team without members": (setting("context", {"team": {"objectType": "Group", "name": "Team"}}),
                                       "statement[0].context.team: an anonymous Group needs a non-empty member"),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_each_kind_of_fault_is_refused_naming_it_and_nothing_is_stored(lrs, name):
    mutate, error = INVALID[name]
    statement = copy.deepcopy(attended())
    mutate(statement)
    response = lrs.post(URL, [attended(), statement])
    assert response.status_code == 400
    assert error.replace("statement[0]", "statement[1]") in response.json()["detail"]
    assert not XapiStatement.objects.exists()


def test_a_property_sent_twice_is_refused(lrs):
    body = json.dumps(attended())[:-1] + ', "actor": ' + json.dumps(agent()) + "}"
    response = lrs.client.post(URL, body, content_type="application/json", **lrs.headers)
    assert response.status_code == 400
    assert "property 'actor' appears more than once" in response.json()["detail"]
    assert not XapiStatement.objects.exists()


def test_statements_that_are_not_completions_are_stored_without_evidence(lrs):
    ids = ["fd41c918-b88b-4b20-a0a5-a4c32391aab0", "7ccd3322-e1a5-411a-a67d-6a735c76f120"]
    batch = [attended(id=ids[0], verb={"id": "http://adlnet.gov/expapi/verbs/attempted"}),
             attended(id=ids[1], object={"id": COURSE}, result={"score": {"scaled": 0.95}},
                      verb={"id": "http://adlnet.gov/expapi/verbs/attended"})]
    response = lrs.post(URL, batch)
    assert response.status_code == 200, response.content
    assert response.json() == ids
    assert set(XapiStatement.objects.values_list("outcome", flat=True)) == {"not_completion"}
    assert not Evidence.objects.exists()
    one = lrs.get(URL, statementId=ids[1]).json()
    assert one["result"]["score"] == {"scaled": 0.95} and one["actor"]["mbox"] == "mailto:sam@example.org"
