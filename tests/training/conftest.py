"""A small organisation for the training tests, built from plain rows so they do not depend on
other apps' services: framework OPS (P and Q on the standard 0-5 scale, published), a unit, a
manager Mo (user "manager") with reports Kim (user "employee") and Lee, Olu outside Mo's team,
Hana (user "hr"); role Technician (P essential 3) held by Kim and Lee; learning resource PUMP-101
(P 1 -> 3, valid 24 months) and READ-1 (no outcomes, no validity)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from compms.access import SYSTEM
from compms.evidence import proficiency as prof

D = dt.date
START = D(2026, 3, 10)  # the sessions' first day in most tests
BEFORE = D(2026, 3, 1)  # "today" while people enrol


@dataclass
class TrainingOrg:
    p: Any
    q: Any
    unit: Any
    mo: Any
    kim: Any
    lee: Any
    olu: Any
    hana: Any
    technician: Any
    pump: Any  # resource with an outcome (P exit 3) and validity 24 months
    reading: Any  # resource with no outcome


def make_person(unit: Any, employee_id: str, name: str, manager: Any = None, user: Any = None,
                email: str = "") -> Any:
    from compms.organisation.models import Person

    manager_path = f"{manager.manager_path or '/'}{manager.pk}/" if manager else ""
    return Person.objects.create(employee_id=employee_id, name=name, unit=unit, manager=manager,
                                 manager_path=manager_path, user=user, email=email)


@pytest.fixture
def torg(cast) -> TrainingOrg:
    from compms.development.models import Resource, ResourceOutcome
    from compms.frameworks import services as frameworks
    from compms.organisation.models import Position, Requirement, Role, Unit

    version = frameworks.create_framework(code="OPS", name="Operations", actor=SYSTEM)
    p = frameworks.create_competency(version, SYSTEM, code="P", name="Pump maintenance")
    q = frameworks.create_competency(version, SYSTEM, code="Q", name="Quality checks")
    frameworks.publish(version, SYSTEM)
    unit = Unit.objects.create(external_id="U1", name="Plant", path="/")
    unit.path = f"/{unit.pk}/"
    unit.save(update_fields=["path"])
    mo = make_person(unit, "E-MO", "Mo Manager", user=cast.manager, email="mo@example.com")
    kim = make_person(unit, "E-KIM", "Kim", manager=mo, user=cast.employee, email="Kim@Example.com")
    lee = make_person(unit, "E-LEE", "Lee", manager=mo, email="lee@example.com")
    olu = make_person(unit, "E-OLU", "Olu", email="olu@example.com")
    hana = make_person(unit, "E-HANA", "Hana HR", user=cast.hr)
    technician = Role.objects.create(external_id="TECH", name="Technician")
    Requirement.objects.create(role=technician, competency=p, competency_uuid=p.uuid, level=3,
                               criticality="essential", manual=True)
    for n, holder in enumerate([kim, lee], start=1):
        Position.objects.create(external_id=f"POS-{n}", role=technician, unit=unit, holder=holder,
                                holder_since=D(2025, 1, 1))
    pump = Resource.objects.create(resource_id="PUMP-101", title="Pump maintenance course", validity_months=24)
    ResourceOutcome.objects.create(resource=pump, competency=p, competency_uuid=p.uuid, entry_level=1, exit_level=3)
    reading = Resource.objects.create(resource_id="READ-1", title="Reading list")
    return TrainingOrg(p=p, q=q, unit=unit, mo=mo, kim=kim, lee=lee, olu=olu, hana=hana, technician=technician,
                       pump=pump, reading=reading)


@pytest.fixture
def on_day(monkeypatch):
    """on_day(date): make "today" that date for the evidence and training apps."""

    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(prof, "today", lambda: day)

    set_today(BEFORE)
    return set_today


@pytest.fixture
def session_of(torg, on_day):
    """session_of(capacity=..., resource=..., starts_on=...) -> a scheduled session made by a trusted caller."""
    from compms.training import services

    def make(capacity: int = 2, resource: Any = None, starts_on: dt.date = START, **extra: Any):
        return services.create_session(SYSTEM, resource=resource or torg.pump, starts_on=starts_on,
                                       ends_on=starts_on + dt.timedelta(days=1), capacity=capacity,
                                       place=extra.pop("place", "Training room 2"), **extra)

    return make
