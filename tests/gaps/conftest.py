"""Generated organisations for the gap analysis tests, built with plain model rows (seeded random).

Shape of `random_org(seed, people)`:
- frameworks ALPHA (default rollup policy, competencies A1..A6) and BETA ("highest" policy, B1..B4),
  both published on the 0-5 scale; a context `north`;
- units ROOT > (EAST > (EAST-1, EAST-2), WEST), with materialised paths;
- roles R1..R4 with 2-5 requirement lines each (some in context north, both criticalities) and
  R0 with none; every person holds zero, one or two roles (two roles may share a competency);
- 0-9 evidence records per person over 2023-2026, any source, about a third with an expiry, some
  revoked or superseded; then the stored current view is rebuilt so "today" reads agree.
The process-level snapshot cache is cleared around every test: ids restart between tests.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

D = dt.date
SOURCES = ("assessor", "certificate", "manager", "test", "training", "experience", "self")


@pytest.fixture(autouse=True)
def _fresh_gap_cache():
    from compms.gaps.loader import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch):
    # Test databases come and go; the disk cache is exercised by its own tests.
    monkeypatch.setenv("COMPMS_GAPS_DISK_CACHE", "0")


@dataclass
class RandomOrg:
    units: dict[str, Any]
    people: list[Any]
    roles: dict[str, Any]
    competencies: dict[str, Any]
    north: Any
    manager: Any = None  # a Person with reports, linked to the cast's manager user when given
    employee: Any = None  # a Person linked to the cast's employee user when given
    extra: dict[str, Any] = field(default_factory=dict)


def _unit(external_id: str, name: str, parent: Any = None) -> Any:
    from compms.organisation.models import Unit

    unit = Unit.objects.create(external_id=external_id, name=name, parent=parent, path="/")
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = unit.path.count("/") - 2
    unit.save(update_fields=["path", "depth"])
    return unit


def build_random_org(seed: int, people: int = 30, cast: Any = None) -> RandomOrg:
    from compms.access import SYSTEM
    from compms.evidence import proficiency as prof
    from compms.evidence.models import Evidence
    from compms.frameworks import services as frameworks
    from compms.frameworks.models import Framework
    from compms.organisation.models import Context, Person, Position, Requirement, Role

    rng = random.Random(seed)
    competencies: dict[str, Any] = {}
    for code, names, policy in (("ALPHA", [f"A{i}" for i in range(1, 7)], "default"),
                                ("BETA", [f"B{i}" for i in range(1, 5)], "highest")):
        version = frameworks.create_framework(code=code, name=f"{code} framework", actor=SYSTEM)
        for name in names:
            competencies[name] = frameworks.create_competency(version, SYSTEM, code=name, name=f"Competency {name}")
        frameworks.publish(version, SYSTEM)
        Framework.objects.filter(code=code).update(rollup_policy=policy)
    north = Context.objects.create(code="north", name="North site")

    root = _unit("ROOT", "Root")
    east = _unit("EAST", "East", root)
    units = {"ROOT": root, "EAST": east, "EAST-1": _unit("EAST-1", "East one", east),
             "EAST-2": _unit("EAST-2", "East two", east), "WEST": _unit("WEST", "West", root)}

    roles = {"R0": Role.objects.create(external_id="R0", name="Role zero")}
    codes = sorted(competencies)
    for n in range(1, 5):
        role = Role.objects.create(external_id=f"R{n}", name=f"Role {n}")
        roles[role.external_id] = role
        for code in rng.sample(codes, rng.randint(2, 5)):
            competency = competencies[code]
            Requirement.objects.create(
                role=role, competency=competency, competency_uuid=competency.uuid,
                context=north if rng.random() < 0.15 else None, level=rng.randint(1, 4),
                criticality=rng.choice(["essential", "desirable"]), manual=True)

    # People: the first is everyone's top manager, the second manages a team in EAST.
    unit_list = list(units.values())
    persons: list[Any] = []
    for n in range(people):
        if n == 0:
            unit, manager = root, None
        elif n == 1:
            unit, manager = east, persons[0]
        else:
            unit = rng.choice(unit_list)
            manager = persons[1] if unit.external_id.startswith("EAST") and rng.random() < 0.8 else persons[0]
        path = f"{manager.manager_path or '/'}{manager.pk}/" if manager else ""
        persons.append(Person.objects.create(employee_id=f"P{seed}-{n:03d}", name=f"Person {n:03d}", unit=unit,
                                             manager=manager, manager_path=path))
    # One leaver: no positions, inactive; never part of a report.
    Person.objects.create(employee_id=f"P{seed}-LEFT", name="Left already", unit=root, active=False,
                          left_on=D(2025, 1, 1))
    if cast is not None:
        Person.objects.filter(pk=persons[1].pk).update(user=cast.manager)
        Person.objects.filter(pk=persons[2].pk).update(user=cast.employee)
        persons[1].user, persons[2].user = cast.manager, cast.employee

    role_ids = list(roles)
    positions = []
    for person in persons:
        held = rng.choice([0, 1, 1, 1, 2])
        for role_id in rng.sample(role_ids, held):
            positions.append(Position(external_id=f"POS-{person.employee_id}-{role_id}", role=roles[role_id],
                                      unit=person.unit, holder=person, holder_since=D(2024, 1, 1)))
    Position.objects.bulk_create(positions)
    Position.objects.create(external_id=f"POS-VACANT-{seed}", role=roles["R1"], unit=root)

    records = []
    start = D(2023, 1, 1)
    for person in persons:
        for _ in range(rng.randint(0, 9)):
            code = rng.choice(codes)
            assessed = start + dt.timedelta(days=rng.randint(0, 1300))
            until = assessed + dt.timedelta(days=rng.randint(60, 900)) if rng.random() < 0.35 else None
            status = rng.choices(["active", "revoked", "superseded"], weights=[88, 6, 6])[0]
            records.append(Evidence(
                person=person, competency=competencies[code], competency_uuid=competencies[code].uuid,
                context=north if rng.random() < 0.12 else None, level=rng.randint(0, 5),
                source=rng.choice(SOURCES), assessed_on=assessed, valid_until=until, status=status))
    Evidence.objects.bulk_create(records)
    prof.rebuild_all()
    return RandomOrg(units=units, people=persons, roles=roles, competencies=competencies, north=north,
                     manager=persons[1], employee=persons[2])


@pytest.fixture
def random_org(db):
    return build_random_org
