"""The world and the callers the access matrices run against, and the table format they are kept in.

The world is the built-in demo (60 employees), plus a few objects the demo does not make, so that
every path parameter of every API operation and page names a real object. Wherever a parameter names
a person or something of a person's, it names the *outsider*: a person outside the demo manager's
team who is none of the demo users, so every cell also says whether a caller can reach an object
that belongs to someone outside their scope.

Each call runs in a savepoint that is rolled back, so a write in one cell never changes what the
next cell sees.

Outcomes, as a reviewer reads them in the tables:
  ok     2xx: the caller may do it (and it worked)
  bad    400, 409 or 422: the caller passed the access check; the input was refused
  login  a redirect to the log-in page (pages, anonymous callers)
  401    not authenticated (API)
  403    authenticated, refused
  404    not found, or hidden from this caller (outside their scope)
  405    method not allowed
A 5xx answer is never an expected outcome: it fails the test on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

CALLERS = ["anonymous", "employee", "manager", "assessor", "hr", "competency", "admin"]
DEMO_USERS = {"employee": "employee", "manager": "manager", "assessor": "assessor", "hr": "hr",
              "competency": "competency", "admin": "admin"}
HERE = Path(__file__).resolve().parent


def outcome_of(status: int, location: str = "") -> str:
    if 200 <= status < 300:
        return "ok"
    if status in (301, 302, 303) and ("/accounts/login/" in location or "/admin/login/" in location):
        return "login"
    if status in (301, 302, 303):
        return "ok"  # a page that sends the caller on to where the thing lives
    if status in (400, 409, 422):
        return "bad"
    return str(status)


@dataclass
class World:
    """Ids of the objects that path parameters and bodies name."""

    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def build_world() -> World:
    """Build the demo and the extra objects. Call inside a transaction the caller rolls back."""
    from django.core.management import call_command

    from compms.accounts.models import User
    from compms.development.models import Commission, Resource
    from compms.evidence.models import AssessorRegistration, Claim, EvidenceAttachment
    from compms.frameworks.models import Competency, Framework, FrameworkVersion
    from compms.organisation.models import Duty, Person, Position, Requirement, Role, Task, TaskCompetency
    from compms.strategy.models import Objective, Scenario, ScenarioChange, Target
    from compms.succession.models import KeyPosition, Nomination, TalentPool
    from compms.training.models import Enrolment, MandatoryTraining, Session, XapiActivity

    call_command("demo", employees=60, seed=3, if_empty=True, stdout=io.StringIO())
    users = {caller: User.objects.get(username=username) for caller, username in DEMO_USERS.items()}
    demo_people = {p.pk for p in Person.objects.filter(user__in=users.values())}
    manager = Person.objects.get(user=users["manager"])
    team_prefix = f"{manager.manager_path or '/'}{manager.pk}/"
    candidates = (Person.objects.filter(active=True).exclude(pk__in=demo_people)
                  .exclude(manager_path__startswith=team_prefix).exclude(pk=manager.pk))
    outsider = candidates.filter(evidence__isnull=False).distinct().first() or candidates.first()
    assert outsider is not None, "the demo has nobody outside the manager's team"

    framework = Framework.objects.filter(versions__status=FrameworkVersion.Status.PUBLISHED).distinct().first()
    version = framework.versions.filter(status=FrameworkVersion.Status.PUBLISHED).order_by("-number").first()
    competency = Competency.objects.filter(version=version).exclude(parent=None).first() or \
        Competency.objects.filter(version=version).first()
    role = Role.objects.filter(duties__tasks__isnull=False).distinct().first()
    duty = Duty.objects.filter(role=role).first()
    task = Task.objects.filter(duty=duty).first()
    link = TaskCompetency.objects.filter(task__duty__role=role).first()
    requirement = Requirement.objects.filter(role=role).first()
    position = Position.objects.filter(unit=outsider.unit).first() or Position.objects.first()
    now = dt.date.today()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from compms.access import SYSTEM
    from compms.evidence import services as evidence_services

    evidence = evidence_services.record_evidence(
        SYSTEM, person=outsider, competency=competency, level=1, source="manager", assessed_on=now,
        attachments=[SimpleUploadedFile("note.txt", b"A plain note.\n", content_type="text/plain")])
    attachment = EvidenceAttachment.objects.filter(evidence=evidence).first()
    claim = Claim.objects.filter(person=outsider, status=Claim.Status.PENDING).first()
    if claim is None:
        claim = evidence_services.create_claim(SYSTEM, person=outsider, competency=competency, level=2)
    registration = AssessorRegistration.objects.first() or AssessorRegistration.objects.create(
        person=Person.objects.get(user=users["assessor"]), competency=competency, max_level=3)
    from compms.development import services as development_services
    from compms.strategy import services as strategy_services
    from compms.training import services as training_services

    objective = Objective.objects.first() or strategy_services.create_objective(
        SYSTEM, code="MATRIX-OBJ", title="Matrix objective", due_date=now + dt.timedelta(days=365))
    target = Target.objects.filter(objective=objective).first() or strategy_services.add_target(
        objective, SYSTEM, competency=competency, level=1, headcount=2)
    scenario = Scenario.objects.first() or strategy_services.create_scenario(SYSTEM, name="Matrix scenario")
    change = ScenarioChange.objects.filter(scenario=scenario).first() or strategy_services.add_scenario_change(
        scenario, SYSTEM, kind=ScenarioChange.Kind.CLOSE_UNIT, unit=outsider.unit)
    resource = Resource.objects.first() or development_services.create_resource(
        SYSTEM, resource_id="MATRIX-R1", title="Matrix course", cost=100, hours=4)
    commission = Commission.objects.first() or development_services.create_commission(
        SYSTEM, kind=Commission.Kind.values[0], title="Matrix commission", resource=resource, places=2)
    session = Session.objects.first() or training_services.create_session(
        SYSTEM, resource=resource, starts_on=now + dt.timedelta(days=30), capacity=10, online=True)
    enrolment = Enrolment.objects.filter(person=outsider).first() or training_services.request_enrolment(
        SYSTEM, person=outsider, session=session)
    rule = MandatoryTraining.objects.first() or training_services.set_mandatory_training(
        SYSTEM, role=role, resource=resource)
    mapping = XapiActivity.objects.first() or training_services.map_xapi_activity(
        SYSTEM, activity_id="https://example.org/activities/matrix-mapped", resource=resource)
    key = KeyPosition.objects.exclude(position__unit__in=[manager.unit]).first() or KeyPosition.objects.first()
    nomination = Nomination.objects.first()
    pool = TalentPool.objects.first()
    from compms.accounts.services import create_token
    from compms.assessments import services as assessment_services
    from compms.frameworks.models import LevelIndicator

    indicator = LevelIndicator.objects.filter(competency__version=version, level=1).select_related("competency").first()
    assessor = Person.objects.get(user=users["assessor"])
    AssessorRegistration.objects.create(person=assessor, competency=indicator.competency,
                                        competency_uuid=indicator.competency.uuid, max_level=3)
    assessment = assessment_services.open_assessment(users["assessor"], person=outsider,
                                                     competency=indicator.competency, level=1)
    from compms.authorisations import services as authorisation_services

    authorisation = authorisation_services.define_authorisation(
        SYSTEM, code="MATRIX-AUTH", name="Matrix permit issuer", validity_months=12, granted_by_roles=["hr"],
        requirements=[authorisation_services.RequirementSpec(competency=competency, level=1)])
    grant = authorisation_services.grant(SYSTEM, person=outsider, authorisation=authorisation)

    token, _ = create_token(users["hr"], "hr's own token", users["hr"])
    raw_tokens = {}
    for caller, user in users.items():
        _, raw = create_token(user, "matrix", user)
        raw_tokens[caller] = raw
    values = {
        "users": users, "tokens": raw_tokens, "outsider": outsider,
        "code": framework.code, "number": version.number, "other": version.number,
        "comp_code": competency.code, "competency_id": competency.pk, "competency": competency.code,
        "framework": framework.code, "employee_id": outsider.employee_id, "person_id": outsider.pk,
        "person": outsider.employee_id, "unit_id": outsider.unit_id, "role_id": role.pk, "duty_id": duty.pk,
        "task_id": task.pk, "link_id": link.pk if link else 0, "requirement_id": requirement.pk,
        "position_id": position.pk, "evidence_id": evidence.pk, "attachment_id": attachment.pk,
        "claim_id": claim.pk, "registration_id": registration.pk, "objective_id": objective.pk,
        "target_id": target.pk if target else 0, "scenario_id": scenario.pk, "change_id": change.pk if change else 0,
        "resource_id": resource.pk if resource else 0, "commission_id": commission.pk if commission else 0,
        "session_id": session.pk if session else 0, "enrolment_id": enrolment.pk if enrolment else 0,
        "rule_id": rule.pk if rule else 0, "mapping_id": mapping.pk if mapping else 0,
        "key_id": key.pk if key else 0, "nomination_id": nomination.pk if nomination else 0,
        "pool_id": pool.pk if pool else 0, "token_id": token.pk, "today": now,
        "source": "manager", "level": 1, "path:resource_id": resource.resource_id,
        "grant_id": grant.pk, "authorisation": authorisation.code,
        "assessment_id": assessment.pk, "indicator_id": indicator.pk,
        # Paths under these prefixes name an authorisation, not a framework, by {code}.
        "/api/v1/authorisations|code": authorisation.code, "authorisations/|code": authorisation.code,
    }
    return World(values)


def fill_path(template: str, world: World) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        for key, value in world.values.items():
            if "|" in key and key.endswith(f"|{name}") and template.startswith(key.split("|")[0]):
                return str(value)
        return str(world.get(f"path:{name}", world.get(name, 0)))

    return re.sub(r"\{([\w:]+)\}", one, template)


def run_in_savepoint(call: Callable[[], Any]) -> Any:
    """Run a request and roll back whatever it wrote."""
    from compms.gaps import loader

    result: dict[str, Any] = {}

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            result["response"] = call()
            raise Rollback
    except Rollback:
        pass
    clear = getattr(loader, "clear_cache", None)
    if clear is not None:
        clear()
    from django.core.cache import cache

    cache.clear()
    return result["response"]


# ---------------------------------------------------------------- the table files

def read_table(path: Path) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    if not path.exists():
        return table
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        *operation, = line.split("|")
        name = operation[0].strip()
        cells = [cell.strip() for cell in operation[1:]]
        table[name] = dict(zip(CALLERS, cells))
    return table


def write_table(path: Path, rows: dict[str, dict[str, str]], header: str) -> None:
    width = max(len(name) for name in rows) + 1
    columns = " | ".join(c.ljust(10) for c in CALLERS)
    lines = [header.rstrip(), "#", "# " + "operation".ljust(width - 2) + "| " + columns]
    for name in sorted(rows):
        lines.append(name.ljust(width) + "| " + " | ".join(rows[name][c].ljust(10) for c in CALLERS))
    path.write_text("\n".join(lines) + "\n")


def compare(expected: dict[str, dict[str, str]], observed: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for name in sorted(set(expected) | set(observed)):
        if name not in expected:
            problems.append(f"{name}: not in the expected table (add a row)")
            continue
        if name not in observed:
            problems.append(f"{name}: in the table but no longer served")
            continue
        for caller in CALLERS:
            if expected[name].get(caller) != observed[name][caller]:
                problems.append(f"{name} as {caller}: expected {expected[name].get(caller)}, "
                                f"got {observed[name][caller]}")
    return problems


def differences_from_table(table: Path, header: str, observed: dict[str, dict[str, str]]) -> list[str]:
    """Cells that differ from the table; with COMPMS_MATRIX_UPDATE=1 the table is rewritten first."""
    if os.environ.get("COMPMS_MATRIX_UPDATE") == "1":
        write_table(table, observed, header)
    return compare(read_table(table), observed)
