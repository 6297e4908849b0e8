"""Every page and export (every URL that is not the API), fetched and posted to by each of the seven
callers, against objects that belong to someone outside the caller's scope, answers what
tests/access/page_matrix.txt says. Rules as in test_api_matrix.py; `COMPMS_MATRIX_UPDATE=1` rewrites
the table. An empty POST is enough to see the access decision: a refused caller gets 403/404 before
the form is read, an allowed one gets the form back with its errors (ok) or `bad`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.access.matrix import (
    CALLERS,
    HERE,
    World,
    build_world,
    differences_from_table,
    outcome_of,
    read_table,
    run_in_savepoint,
)

TABLE = HERE / "page_matrix.txt"
HEADER = """# What each caller gets from each page and export (tests/access/test_page_matrix.py).
# Path parameters name objects of a person outside the demo manager's team (see tests/access/matrix.py).
# ok = 2xx or a redirect onwards, login = sent to the log-in page, bad = 400/409/422, 403/404/405 as HTTP says."""

# Django's own admin is staff-only and tested by Django; its index stands for it.
SKIPPED = re.compile(r"^(api/|static/|admin/.+|media/)")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def routes(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not SKIPPED.match(route) and "(?P" not in route:
            yield route


def page_values(world: World) -> dict[str, object]:
    from compms.campaigns.models import Participant
    from compms.development.models import Resource
    from compms.frameworks.models import Relation
    from compms.logbook.models import Entry
    from compms.organisation.models import Role
    from compms.succession.models import KeyPosition

    role = Role.objects.get(pk=world["role_id"])
    resource = Resource.objects.filter(pk=world["resource_id"]).first()
    from compms.access import SYSTEM
    from compms.campaigns import services as campaign_services

    if not Participant.objects.filter(person=world["outsider"]).exists():
        campaign_services.launch_audit(SYSTEM, name="Matrix audit", deadline=world["today"],
                                       unit=world["outsider"].unit)
    participant = Participant.objects.filter(person=world["outsider"]).first()
    relation = Relation.objects.first()
    entry = Entry.objects.filter(person=world["outsider"]).first() or Entry.objects.first()
    key = KeyPosition.objects.filter(pk=world["key_id"]).first()
    return {
        "code": world["code"], "number": world["number"], "ref": world["comp_code"],
        "relation_id": relation.pk if relation else 0, "employee_id": world["employee_id"],
        "external_id": role.external_id, "role_id": role.external_id, "duty_id": world["duty_id"],
        "task_id": world["task_id"], "link_id": world["link_id"], "requirement_id": world["requirement_id"],
        "name": "people", "claim_id": world["claim_id"], "fmt": "csv",
        "audit_id": participant.audit_id if participant else 0, "participant_id": participant.pk if participant else 0,
        "entry_id": entry.pk if entry else 0, "resource_id": resource.resource_id if resource else 0,
        "person_id": world["person_id"], "commission_id": world["commission_id"],
        "session_id": world["session_id"], "enrolment_id": world["enrolment_id"], "action": "approve",
        "pk:strategy/objectives": world["objective_id"], "pk:strategy/targets": world["target_id"],
        "pk:strategy/scenarios": world["scenario_id"], "pk:strategy/scenario-changes": world["change_id"],
        "pk:succession/key-positions": key.pk if key else 0,
        "grant_id": world["grant_id"], "authorisations/|code": world["authorisations/|code"],
        "assessment_id": world["assessment_id"], "indicator_id": world["indicator_id"],
        "registration_id": world["registration_id"],
    }


def fill(route: str, values: dict[str, object]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        for key, value in values.items():
            if "|" in key and key.endswith(f"|{name}") and route.startswith(key.split("|")[0]):
                return str(value)
        if name == "pk":
            for key, value in values.items():
                if key.startswith("pk:") and route.startswith(key[3:]):
                    return str(value)
            return "0"
        return str(values.get(name, 0))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", one, route)


@pytest.mark.django_db
def test_every_page_answers_each_caller_as_the_table_says(world: World) -> None:
    values = page_values(world)
    clients: dict[str, Client] = {}
    for caller in CALLERS:
        client = Client()
        if caller != "anonymous":
            client.force_login(world["users"][caller])
        clients[caller] = client
    observed: dict[str, dict[str, str]] = {}
    server_errors: list[str] = []
    for route in sorted(set(routes(get_resolver().url_patterns))):
        path = fill(route, values)
        for method in ("get", "post"):
            name = f"{method.upper()} /{route}"
            row = {}
            for caller in CALLERS:
                client = clients[caller]
                # Logging out (or a password change) replaces the session cookie: every cell starts logged in.
                cookies = copy.deepcopy(client.cookies)
                response = run_in_savepoint(lambda c=client, m=method, p=path: getattr(c, m)(p))
                client.cookies = cookies
                if response.status_code >= 500:
                    server_errors.append(f"{name} as {caller}: {response.status_code}")
                row[caller] = outcome_of(response.status_code, response.get("Location", ""))
            observed[name] = row
    assert server_errors == []
    problems = differences_from_table(TABLE, HEADER, observed)
    cells = len(observed) * len(CALLERS)
    assert problems == [], f"{len(problems)} of {cells} cells differ from {TABLE.name}:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_anonymous_callers_are_sent_to_the_log_in_page_everywhere(world: World) -> None:
    table = read_table(TABLE)
    public = {"GET /accounts/login/", "POST /accounts/login/", "GET /healthz", "POST /healthz"}
    let_in = [name for name, row in table.items()
              if name not in public and not name.startswith(("GET /accounts/password/reset",
                                                             "POST /accounts/password/reset"))
              and row["anonymous"] not in ("login", "405", "403")]
    assert let_in == []
