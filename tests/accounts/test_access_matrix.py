"""Who may call which API endpoint: every dictionary endpoint, plus /me and /tokens, tried as each
member of the cast and as an anonymous caller.

The rules, as a user would meet them:
- Anonymous callers get 401 everywhere (the API never redirects to a log-in page).
- Reading the competency dictionary is open to any logged-in user holding at least one CompMS role
  (administrator, competency manager, HR, manager, assessor, employee).
- A logged-in "outsider" with no role at all gets 403 on every dictionary read. Decision: a log-in
  without a role is an account nobody has set up yet (or whose roles were taken away); the
  dictionary is the organisation's internal data, so such an account sees none of it until an
  administrator gives it a role. It may still call /me (to see that it has no role) and manage its
  own tokens, which reveal nothing about the organisation.
- Changing the dictionary (create, new version, publish, retire, competency and relation writes)
  is for administrators and competency managers only; everyone else gets 403 and nothing changes,
  not even the audit trail.
Every call answers 2xx, 401 or 403: never 500, never a 404 that would leak what exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.frameworks import services
from compms.frameworks.models import Competency, FrameworkVersion, LevelIndicator, Relation

pytestmark = pytest.mark.django_db

CAST = ["administrator", "competency_manager", "hr", "manager", "assessor", "employee", "outsider"]
EVERYONE = [*CAST, None]  # None: anonymous
READERS = {"administrator", "competency_manager", "hr", "manager", "assessor", "employee"}
EDITORS = {"administrator", "competency_manager"}
LOGGED_IN = set(CAST)

F = "/api/v1/frameworks"
REFUSED_WRITE = "Only competency managers and administrators may change a dictionary."


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    allowed: set[str]
    success: int = 200
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_dictionary(self) -> bool:
        return self.method != "get" and self.path.startswith(F)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


CALLS = [
    # reads
    Call("get", F, READERS),
    Call("get", f"{F}?status=published&q=safe", READERS),
    Call("get", f"{F}/SAFETY", READERS),
    Call("get", f"{F}/SAFETY/versions/1", READERS),
    Call("get", f"{F}/SAFETY/versions/1/compare/2", READERS),
    Call("get", f"{F}/SAFETY/competencies?kind=skill&parent=SAF", READERS),
    Call("get", f"{F}/SAFETY/competencies/SAF.01?version=2", READERS),
    Call("get", f"{F}/SAFETY/scales", READERS),
    Call("get", "/api/v1/competencies/search?q=permit", READERS),
    # writes
    Call("post", F, EDITORS, 201, {"code": "NEW", "name": "New framework"}),
    Call("post", f"{F}/PLAIN/versions", EDITORS, 201),
    Call("post", f"{F}/SAFETY/versions/2/publish", EDITORS),
    Call("post", f"{F}/SAFETY/versions/1/retire", EDITORS),
    Call("post", f"{F}/SAFETY/competencies", EDITORS, 201, {"code": "SAF.03", "name": "Confined spaces",
                                                           "parent": "SAF"}),
    Call("patch", f"{F}/SAFETY/competencies/SAF.01", EDITORS, 200, {"name": "Permits"}),
    Call("put", f"{F}/SAFETY/competencies/SAF.01", EDITORS, 200, {"code": "SAF.01", "name": "Permits"}),
    Call("delete", f"{F}/SAFETY/competencies/SAF.02", EDITORS, 204),
    Call("post", f"{F}/SAFETY/competencies/SAF.01/relations", EDITORS, 201, {"kind": "related",
                                                                            "target": "SAF.02"}),
    Call("delete", f"{F}/SAFETY/competencies/SAF.02/relations?kind=prerequisite&target=SAF.01", EDITORS, 204),
    # a write naming something that does not exist is still refused before anything is looked up
    Call("delete", f"{F}/NO-SUCH/competencies/NOPE", EDITORS, 404),
    # accounts
    Call("get", "/api/v1/me", LOGGED_IN),
    Call("get", "/api/v1/tokens", LOGGED_IN),
    # a bearer token may not make another token (only a logged-in session may: see tests/accounts/test_tokens.py)
    Call("post", "/api/v1/tokens", set(), 201, {"name": "script"}),
]


def build_dictionary() -> None:
    """SAFETY: v1 published and v2 its draft copy, both holding SAF > (SAF.01, SAF.02) with
    SAF.02 prerequisite SAF.01; PLAIN: v1 published only, so a new draft can be made of it."""
    version = services.create_framework(code="SAFETY", name="Site safety", actor=SYSTEM)
    domain = services.create_competency(version, SYSTEM, code="SAF", name="Safety", kind="knowledge")
    permit = services.create_competency(version, SYSTEM, code="SAF.01", name="Permit to work", parent=domain,
                                        indicators={1: "Knows when a permit is needed"})
    isolation = services.create_competency(version, SYSTEM, code="SAF.02", name="Isolation", parent=domain)
    services.add_relation(isolation, SYSTEM, kind="prerequisite", target=permit)
    services.publish(version, SYSTEM)
    services.new_version(version.framework, SYSTEM)
    plain = services.create_framework(code="PLAIN", name="Plain", actor=SYSTEM)
    services.create_competency(plain, SYSTEM, code="P1", name="Plain work")
    services.publish(plain, SYSTEM)


def dictionary_state() -> tuple:
    """Everything a change to the dictionary would touch, audit trail included."""
    return (
        sorted(FrameworkVersion.objects.values_list("framework__code", "number", "status")),
        sorted(Competency.objects.values_list("version__framework__code", "version__number", "code", "name",
                                              "description", "parent__code", "kind")),
        sorted(Relation.objects.values_list("version__number", "source__code", "kind", "target__code")),
        sorted(LevelIndicator.objects.values_list("competency__code", "level", "text")),
        AuditEntry.objects.count(),
    )


def send(client: Any, call: Call) -> Any:
    if call.method == "get":
        return client.get(call.path)
    if call.method == "delete":
        return client.delete(call.path)
    return getattr(client, call.method)(call.path, call.body)


@pytest.fixture
def clients(api, cast) -> dict[str | None, Any]:
    built = {who: api(who) for who in EVERYONE}  # tokens made before any state is measured
    build_dictionary()
    return built


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_access_matrix(clients, call: Call):
    before = dictionary_state()
    wrong = []
    for who in EVERYONE:
        # Each caller starts from the same dictionary: the savepoint undoes what the last one did.
        with transaction.atomic():
            response = send(clients[who], call)
            if who in call.allowed:
                expected = call.success
            else:
                expected = 401 if who is None else 403
            if response.status_code != expected:
                wrong.append(f"{who or 'anonymous'}: expected {expected}, got {response.status_code} "
                             f"{response.content[:200]!r}")
            elif expected in (401, 403):
                if not response.json().get("detail"):
                    wrong.append(f"{who}: {expected} without an explanation")
                if call.changes_dictionary and dictionary_state() != before:
                    wrong.append(f"{who}: refused, yet the dictionary changed")
            transaction.set_rollback(True)
    assert not wrong, f"{call}:\n" + "\n".join(wrong)


def test_the_matrix_covers_every_dictionary_endpoint():
    from compms.frameworks.api import router

    routes = {(method.lower(), "/api/v1" + path) for path, view in router.path_operations.items()
              for operation in view.operations for method in operation.methods}
    assert len(routes) == 18
    pattern = {
        "SAFETY": "{code}", "PLAIN": "{code}", "NO-SUCH": "{code}", "SAF.01": "{comp_code}",
        "SAF.02": "{comp_code}", "NOPE": "{comp_code}",
    }

    def template(path: str) -> str:
        parts = path.split("?")[0].split("/")
        out = [pattern.get(part, part) for part in parts]
        if "versions" in out:
            at = out.index("versions")
            if len(out) > at + 1:
                out[at + 1] = "{number}"
            if "compare" in out:
                out[out.index("compare") + 1] = "{other}"
        return "/".join(out)

    covered = {(call.method, template(call.path)) for call in CALLS}
    assert routes - covered == set()


def test_an_employee_cannot_change_the_dictionary_in_any_way(clients, login_client):
    before = dictionary_state()
    browser_session = login_client("employee")

    for call in CALLS:
        if not call.changes_dictionary:
            continue
        for response in (send(clients["employee"], call), send_session(browser_session, call)):
            assert response.status_code == 403, call
            assert response.json()["detail"] == REFUSED_WRITE

    assert dictionary_state() == before
    assert Competency.objects.get(version__number=2, code="SAF.01").name == "Permit to work"


def send_session(client: Any, call: Call) -> Any:
    if call.method == "delete":
        return client.delete(call.path)
    return getattr(client, call.method)(call.path, call.body, content_type="application/json")
