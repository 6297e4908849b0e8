"""Validation of xAPI 1.0.3 statements (the parts an LRS must refuse), as plain Python.

`validate_statement(data, where)` raises `XapiInvalid` with a message that names the faulty
property by its path, e.g. "statement[2].actor: an Agent needs exactly one of mbox, mbox_sha1sum,
openid, account (found none)". `parse_body` turns a request body into statements and refuses
JSON with a property given twice, which the specification forbids and a plain JSON parser hides.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
INTERACTION_TYPES = frozenset({"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                               "sequencing", "likert", "numeric", "other"})
CONTEXT_ACTIVITY_KINDS = frozenset({"parent", "grouping", "category", "other"})
STATEMENT_PROPERTIES = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                                  "authority", "version", "attachments"})
SUBSTATEMENT_FORBIDDEN = ("id", "stored", "version", "authority")

# An absolute IRI starts with a scheme (RFC 3987): a letter, then letters, digits, + - .
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
# BCP 47 language tags, loosely: a 2-8 letter primary subtag then 1-8 character subtags.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_DURATION = re.compile(r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
                       r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class XapiInvalid(ValueError):
    """A statement breaks the specification; the message names where."""


def _fail(where: str, message: str) -> None:
    raise XapiInvalid(f"{where}: {message}")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(where, f"must be a JSON object, not {type(value).__name__}")
    return value


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_SCHEME.match(value))


def _iri(value: Any, where: str) -> None:
    if not is_iri(value):
        _fail(where, f"{value!r} is not an absolute IRI (it needs a scheme such as http:)")


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def _uuid(value: Any, where: str) -> None:
    if not is_uuid(value):
        _fail(where, f"{value!r} is not a UUID")


def parse_timestamp(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        _fail(where, f"{value!r} is not an ISO 8601 timestamp")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(where, f"{value!r} is not a valid ISO 8601 timestamp")
    raise AssertionError  # unreachable: _fail raises


def _language_map(value: Any, where: str) -> None:
    mapping = _object(value, where)
    for tag, text in mapping.items():
        if not _LANGUAGE_TAG.match(tag):
            _fail(f"{where}.{tag}", "is not a language tag (RFC 5646)")
        if not isinstance(text, str):
            _fail(f"{where}.{tag}", "must be a string")


def _extensions(value: Any, where: str) -> None:
    for key in _object(value, where):
        _iri(key, f"{where} key")


def validate_agent(value: Any, where: str, *, group_allowed: bool = True) -> None:
    agent = _object(value, where)
    kind = agent.get("objectType", "Agent")
    if kind not in ("Agent", "Group") or (kind == "Group" and not group_allowed):
        _fail(f"{where}.objectType", f"{kind!r} is not {'Agent or Group' if group_allowed else 'Agent'}")
    present = [name for name in IFIS if name in agent]
    if kind == "Group" and not present:
        # An anonymous group is identified by its members alone.
        members = agent.get("member")
        if not isinstance(members, list) or not members:
            _fail(where, "an anonymous Group needs a non-empty member list")
    elif len(present) != 1:
        found = ", ".join(present) if present else "none"
        _fail(where, f"an {kind} needs exactly one of mbox, mbox_sha1sum, openid, account (found {found})")
    if "mbox" in agent and not (isinstance(agent["mbox"], str) and _MAILTO.match(agent["mbox"])):
        _fail(f"{where}.mbox", f"{agent['mbox']!r} is not a mailto: address")
    if "mbox_sha1sum" in agent and not (isinstance(agent["mbox_sha1sum"], str)
                                        and _SHA1.match(agent["mbox_sha1sum"])):
        _fail(f"{where}.mbox_sha1sum", "must be 40 hexadecimal characters")
    if "openid" in agent:
        _iri(agent["openid"], f"{where}.openid")
    if "account" in agent:
        account = _object(agent["account"], f"{where}.account")
        if "homePage" not in account:
            _fail(f"{where}.account", "homePage is missing")
        _iri(account["homePage"], f"{where}.account.homePage")
        if not isinstance(account.get("name"), str) or not account.get("name"):
            _fail(f"{where}.account", "name is missing")
    if "name" in agent and not isinstance(agent["name"], str):
        _fail(f"{where}.name", "must be a string")
    if "member" in agent:
        if kind != "Group":
            _fail(f"{where}.member", "only a Group has members")
        if not isinstance(agent["member"], list):
            _fail(f"{where}.member", "must be a list")
        for n, member in enumerate(agent["member"]):
            validate_agent(member, f"{where}.member[{n}]", group_allowed=False)


def _verb(value: Any, where: str) -> None:
    verb = _object(value, where)
    if "id" not in verb:
        _fail(where, "id is missing")
    _iri(verb["id"], f"{where}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{where}.display")


def _activity(value: Any, where: str) -> None:
    activity = _object(value, where)
    if activity.get("objectType", "Activity") != "Activity":
        _fail(f"{where}.objectType", f"{activity.get('objectType')!r} is not Activity")
    if "id" not in activity:
        _fail(where, "id is missing")
    _iri(activity["id"], f"{where}.id")
    if "definition" in activity:
        definition = _object(activity["definition"], f"{where}.definition")
        for key in ("name", "description"):
            if key in definition:
                _language_map(definition[key], f"{where}.definition.{key}")
        for key in ("type", "moreInfo"):
            if key in definition:
                _iri(definition[key], f"{where}.definition.{key}")
        kind = definition.get("interactionType")
        if "interactionType" in definition and not (isinstance(kind, str) and kind in INTERACTION_TYPES):
            _fail(f"{where}.definition.interactionType",
                  f"{definition['interactionType']!r} is not one of {', '.join(sorted(INTERACTION_TYPES))}")
        if "extensions" in definition:
            _extensions(definition["extensions"], f"{where}.definition.extensions")


def _statement_object(value: Any, where: str, *, inside_substatement: bool) -> None:
    target = _object(value, where)
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        _activity(target, where)
    elif kind in ("Agent", "Group"):
        validate_agent(target, where)
    elif kind == "StatementRef":
        if "id" not in target:
            _fail(where, "a StatementRef needs an id")
        _uuid(target["id"], f"{where}.id")
    elif kind == "SubStatement":
        if inside_substatement:
            _fail(where, "a SubStatement cannot contain another SubStatement")
        for name in SUBSTATEMENT_FORBIDDEN:
            if name in target:
                _fail(f"{where}.{name}", "is not allowed in a SubStatement")
        _statement_body(target, where, inside_substatement=True)
    else:
        _fail(f"{where}.objectType", f"{kind!r} is not Activity, Agent, Group, StatementRef or SubStatement")


def _result(value: Any, where: str) -> None:
    result = _object(value, where)
    if "score" in result:
        score = _object(result["score"], f"{where}.score")
        for key in ("scaled", "raw", "min", "max"):
            if key in score and (isinstance(score[key], bool) or not isinstance(score[key], (int, float))):
                _fail(f"{where}.score.{key}", "must be a number")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            _fail(f"{where}.score.scaled", f"{score['scaled']} is outside -1..1")
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and low > high:
            _fail(f"{where}.score", f"min {low} is greater than max {high}")
        raw = score.get("raw")
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            _fail(f"{where}.score.raw", f"{raw} is outside min..max ({low}..{high})")
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            _fail(f"{where}.{key}", "must be true or false")
    if "response" in result and not isinstance(result["response"], str):
        _fail(f"{where}.response", "must be a string")
    if "duration" in result and not (isinstance(result["duration"], str) and _DURATION.match(result["duration"])):
        _fail(f"{where}.duration", f"{result['duration']!r} is not an ISO 8601 duration")
    if "extensions" in result:
        _extensions(result["extensions"], f"{where}.extensions")


def _context(value: Any, where: str) -> None:
    context = _object(value, where)
    if "registration" in context:
        _uuid(context["registration"], f"{where}.registration")
    if "instructor" in context:
        validate_agent(context["instructor"], f"{where}.instructor")
    if "team" in context:
        team = _object(context["team"], f"{where}.team")
        if team.get("objectType") != "Group":
            _fail(f"{where}.team", "must be a Group")
        validate_agent(team, f"{where}.team")
    if "contextActivities" in context:
        activities = _object(context["contextActivities"], f"{where}.contextActivities")
        for kind, items in activities.items():
            if kind not in CONTEXT_ACTIVITY_KINDS:
                _fail(f"{where}.contextActivities.{kind}", "is not parent, grouping, category or other")
            for n, item in enumerate(items if isinstance(items, list) else [items]):
                _activity(item, f"{where}.contextActivities.{kind}[{n}]")
    if "language" in context and not (isinstance(context["language"], str)
                                      and _LANGUAGE_TAG.match(context["language"])):
        _fail(f"{where}.language", "is not a language tag")
    if "statement" in context:
        ref = _object(context["statement"], f"{where}.statement")
        if ref.get("objectType") != "StatementRef":
            _fail(f"{where}.statement", "must be a StatementRef")
        _uuid(ref.get("id"), f"{where}.statement.id")
    if "extensions" in context:
        _extensions(context["extensions"], f"{where}.extensions")


def _statement_body(statement: dict[str, Any], where: str, *, inside_substatement: bool) -> None:
    for name in ("actor", "verb", "object"):
        if name not in statement:
            _fail(where, f"{name} is missing")
    validate_agent(statement["actor"], f"{where}.actor")
    _verb(statement["verb"], f"{where}.verb")
    _statement_object(statement["object"], f"{where}.object", inside_substatement=inside_substatement)
    if "result" in statement:
        _result(statement["result"], f"{where}.result")
    if "context" in statement:
        _context(statement["context"], f"{where}.context")
    if "timestamp" in statement:
        parse_timestamp(statement["timestamp"], f"{where}.timestamp")


def validate_statement(value: Any, where: str = "statement") -> dict[str, Any]:
    statement = _object(value, where)
    unknown = sorted(set(statement) - STATEMENT_PROPERTIES - {"objectType"})
    if unknown:
        _fail(where, f"unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}")
    if "id" in statement:
        _uuid(statement["id"], f"{where}.id")
    _statement_body(statement, where, inside_substatement=False)
    if "stored" in statement:
        parse_timestamp(statement["stored"], f"{where}.stored")
    if "authority" in statement:
        validate_agent(statement["authority"], f"{where}.authority")
    if "version" in statement and not (isinstance(statement["version"], str)
                                       and statement["version"].startswith("1.0")):
        _fail(f"{where}.version", f"{statement['version']!r} is not a 1.0.x version")
    if "attachments" in statement and not isinstance(statement["attachments"], list):
        _fail(f"{where}.attachments", "must be a list")
    return statement


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise XapiInvalid(f"property {key!r} appears more than once in one object")
        result[key] = value
    return result


def parse_body(body: bytes) -> Any:
    """The JSON of a request body; duplicate properties and bad JSON raise XapiInvalid."""
    try:
        return json.loads(body.decode("utf-8"), object_pairs_hook=_refuse_duplicate_keys)
    except UnicodeDecodeError as error:
        raise XapiInvalid(f"the body is not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise XapiInvalid(f"the body is not valid JSON: {error}") from None


def canonical(statement: dict[str, Any]) -> str:
    """A stable text form for comparing two statements sent with the same id."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_completion(statement: dict[str, Any]) -> bool:
    """`completed` unless result.success is false, or `passed`."""
    verb = statement.get("verb", {}).get("id")
    if verb == PASSED:
        return True
    if verb == COMPLETED:
        return (statement.get("result") or {}).get("success") is not False
    return False
