"""The built-in demo (`compms demo`): what a newcomer sees after running it, and that it is repeatable.

One small demo (300 employees) is built once for TestSmallDemo and rolled back after its last test; the
tests in the class read it. The determinism test, outside the class, builds only the organisation
part, three times, in savepoints it rolls back.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from compms.access import SYSTEM
from compms.accounts.models import User
from compms.audit.models import AuditEntry
from compms.frameworks.models import Competency, Framework, FrameworkVersion
from compms.frameworks.services import compare_versions
from compms.organisation.models import Duty, Person, Position, Requirement, Role, Task, TaskCompetency, Unit

SMALL = 300
SEED = 3
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(scope="class")
def demo_db(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo built once per test class, inside a transaction rolled back when the class is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("demo", employees=SMALL, seed=SEED, if_empty=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_db: str, db) -> str:
    return demo_db


def fingerprint() -> list[tuple[str, str, str, str]]:
    """Who works where, for whom, under which name: enough to tell two organisations apart."""
    rows = Person.objects.values_list("employee_id", "name", "unit__external_id", "manager__employee_id")
    return sorted((employee, name, unit, manager or "") for employee, name, unit, manager in rows)


class TestSmallDemo:
    """What `compms demo --employees 300` leaves behind."""

    def test_the_demo_reports_what_it_built(self, demo: str) -> None:
        assert "organisation Kestrel Energy:" in demo
        assert f"{SMALL} people" in demo
        assert "framework ENERGY-OPS v2 draft" in demo
        assert "Demo built in" in demo

    def test_dictionaries_are_published_with_a_draft_to_compare(self, demo: str) -> None:
        codes = set(Framework.objects.values_list("code", flat=True))
        assert codes == {"ENERGY-OPS", "MAINT", "ENG", "LEAD", "CORP"}
        published = Competency.objects.filter(version__status=FrameworkVersion.Status.PUBLISHED)
        assert 150 <= published.count() <= 250
        # Every competency-level node (domain > competency > element) carries indicators for levels 1-5.
        competencies = published.filter(item_type="Competency")
        assert competencies.count() > 150
        assert all(c.indicators.count() == 5 for c in competencies.prefetch_related("indicators")[:20])
        ops = Framework.objects.get(code="ENERGY-OPS")
        assert ops.latest_published().number == 1
        draft = ops.draft()
        assert draft is not None and draft.number == 2
        diff = compare_versions(ops.latest_published(), draft)
        assert [c.code for c in diff.added] == ["SSW.09"]
        assert [c.code for c in diff.removed] == ["PLT.03.2"]
        assert [(old.code, fields) for old, _new, fields in diff.changed] == [
            ("SSW.04", ["name", "description", "indicators"])]

    def test_every_role_has_a_dacum_chart_and_a_profile_derived_from_it(self, demo: str) -> None:
        roles = list(Role.objects.all())
        assert 140 <= len(roles) <= 200
        duties_per_role = Counter(Duty.objects.values_list("role_id", flat=True))
        tasks_per_duty = Counter(Task.objects.values_list("duty_id", flat=True))
        links_per_task = Counter(TaskCompetency.objects.values_list("task_id", flat=True))
        assert all(3 <= duties_per_role[role.pk] <= 6 for role in roles)
        assert all(2 <= n <= 6 for n in tasks_per_duty.values())
        assert len(tasks_per_duty) == Duty.objects.count()
        assert all(1 <= n <= 3 for n in links_per_task.values())
        assert len(links_per_task) == Task.objects.count()

        needed: dict[tuple[int, object], int] = defaultdict(int)
        for role_id, uuid, level, status in TaskCompetency.objects.values_list(
                "task__duty__role_id", "competency__uuid", "level", "competency__version__status"):
            assert status == FrameworkVersion.Status.PUBLISHED
            needed[(role_id, uuid)] = max(needed[(role_id, uuid)], level)
        profile = {(r.role_id, r.competency_uuid): r for r in Requirement.objects.all()}
        assert profile.keys() == needed.keys()
        assert all(line.level == line.derived_level == needed[key] and not line.manual
                   for key, line in profile.items())
        assert {line.criticality for line in profile.values()} == {"essential", "desirable"}

    def test_units_and_managers_form_consistent_trees(self, demo: str) -> None:
        units = {u.pk: u for u in Unit.objects.all()}
        roots = [u for u in units.values() if u.parent_id is None]
        assert [u.external_id for u in roots] == ["KE"]
        for unit in units.values():
            parent_path = units[unit.parent_id].path if unit.parent_id else "/"
            assert unit.path == f"{parent_path}{unit.pk}/"
            assert unit.depth == unit.path.count("/") - 2
        assert max(u.depth for u in units.values()) >= 4  # company > division > region > site > production > shift

        people = {p.pk: p for p in Person.objects.all()}
        assert len([p for p in people.values() if p.active]) == SMALL
        assert any(not p.active and p.left_on for p in people.values())
        tops = [p for p in people.values() if p.manager_id is None]
        assert len(tops) == 1 and tops[0].unit.external_id == "KE"
        for person in people.values():
            if person.manager_id is None:
                assert person.manager_path == ""
                continue
            manager = people[person.manager_id]
            assert person.manager_path == f"{manager.manager_path or '/'}{manager.pk}/"
            assert f"/{person.pk}/" not in person.manager_path  # no cycles
        spans = Counter(p.manager_id for p in people.values() if p.manager_id and p.active)
        assert max(spans.values()) <= 12

        # One position per active person; leavers' positions are vacant, and there are other vacancies.
        held = Counter(Position.objects.filter(holder__isnull=False).values_list("holder_id", flat=True))
        assert set(held) == {p.pk for p in people.values() if p.active} and set(held.values()) == {1}
        assert Position.objects.filter(holder__isnull=True).count() > sum(1 for p in people.values() if not p.active)
        assert not Role.objects.filter(positions__isnull=True).exists()

    def test_demo_users_are_people_with_something_to_see(self, demo: str) -> None:
        person = {u.username: Person.objects.filter(user=u).first() for u in User.objects.all()}
        for username in ("manager", "employee", "hr", "assessor", "competency"):
            assert person[username] is not None, username
        manager, employee = person["manager"], person["employee"]
        assert employee.manager_id == manager.pk
        direct = Person.objects.filter(manager=manager)
        below = Person.objects.filter(manager_path__contains=f"/{manager.pk}/")
        assert direct.count() >= 5
        assert below.count() > direct.count()  # a team with depth: shift managers and their crews
        assert Role.objects.get(positions__holder=person["hr"]).family == "Human resources"
        assert "assess" in Role.objects.get(positions__holder=person["assessor"]).name.lower()

    def test_if_empty_leaves_an_existing_demo_alone(self, demo: str) -> None:
        people, audit = Person.objects.count(), AuditEntry.objects.count()
        out = io.StringIO()
        call_command("demo", employees=SMALL, seed=SEED + 1, if_empty=True, stdout=out)
        assert "already present" in out.getvalue()
        assert (Person.objects.count(), AuditEntry.objects.count()) == (people, audit)

    def test_the_bulk_steps_are_audited_once_each(self, demo: str) -> None:
        actions = Counter(AuditEntry.objects.filter(action__startswith="demo.").values_list("action", flat=True))
        assert actions == {"demo.roles": 1, "demo.units": 1, "demo.people": 1, "demo.positions": 1,
                           "demo.history": 1, "demo.evidence": 1}

    def test_deriving_profiles_again_changes_nothing(self, demo: str) -> None:
        from compms.organisation import services

        def lines(role: Role) -> list[tuple]:
            return sorted(Requirement.objects.filter(role=role).values_list(
                "competency_id", "competency_uuid", "level", "derived_level", "criticality", "manual", "context_id"))

        for external_id in ("OPS-FOP", "OPS-SSV", "MNT-HVA", "ENG-PPE", "HSE-PSE", "FIN-PAY", "HR-CAC", "EXE-CEO"):
            role = Role.objects.get(external_id=external_id)
            before = lines(role)
            services.derive_requirements(role, SYSTEM)
            assert lines(role) == before, external_id
        summary = services.derive_profiles(Role.objects.values_list("pk", flat=True), SYSTEM)
        assert (summary.created, summary.updated, summary.removed) == (0, 0, 0)


@pytest.mark.django_db
def test_same_seed_same_organisation_other_seed_another() -> None:
    from compms.frameworks.demo import build_dictionaries
    from compms.organisation.demo import build_organisation

    build_dictionaries()

    def organisation(seed: int) -> list[tuple[str, str, str, str]]:
        with transaction.atomic():
            build_organisation(employees=SMALL, seed=seed, today=TODAY)
            result = fingerprint()
            transaction.set_rollback(True)
        return result

    first = organisation(11)
    assert len(first) > SMALL
    assert organisation(11) == first
    assert organisation(12) != first


@pytest.mark.django_db
def test_too_few_employees_are_refused() -> None:
    with pytest.raises(CommandError, match="at least"):
        call_command("demo", employees=10, stdout=io.StringIO())
    assert not User.objects.filter(username="admin").exists()
