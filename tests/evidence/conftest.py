"""A small organisation for the evidence tests, built with plain model rows so these tests do not
depend on the organisation services: framework OPS (P and Q on the standard 0-5 scale, published),
a unit, a manager (Mo) with two reports (Kim, Lee), an assessor (Ava), an HR person (Hana), a
colleague outside Mo's team (Olu), and role Technician (TECH: P essential 3, Q desirable 2)
held by Kim, Lee and Olu."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from compms.access import SYSTEM
from compms.evidence import proficiency as prof

D = dt.date


@dataclass
class Org:
    framework: Any
    version: Any
    p: Any
    q: Any
    unit: Any
    mo: Any  # manager (user "manager")
    kim: Any  # employee (user "employee"), reports to Mo
    lee: Any  # reports to Mo, no log-in
    olu: Any  # outside Mo's team
    ava: Any  # assessor (user "assessor")
    hana: Any  # HR (user "hr")
    technician: Any
    site: Any  # a Context


def person(unit: Any, employee_id: str, name: str, manager: Any = None, user: Any = None) -> Any:
    from compms.organisation.models import Person

    manager_path = f"{manager.manager_path or '/'}{manager.pk}/" if manager else ""
    return Person.objects.create(employee_id=employee_id, name=name, unit=unit, manager=manager,
                                 manager_path=manager_path, user=user)


@pytest.fixture
def org(cast) -> Org:
    from compms.frameworks import services as frameworks
    from compms.organisation.models import Context, Position, Requirement, Role, Unit

    version = frameworks.create_framework(code="OPS", name="Operations", actor=SYSTEM)
    p = frameworks.create_competency(version, SYSTEM, code="P", name="Pump maintenance")
    q = frameworks.create_competency(version, SYSTEM, code="Q", name="Quality checks")
    frameworks.publish(version, SYSTEM)

    unit = Unit.objects.create(external_id="U1", name="Plant", path="/")
    unit.path = f"/{unit.pk}/"
    unit.save(update_fields=["path"])
    mo = person(unit, "E-MO", "Mo Manager", user=cast.manager)
    kim = person(unit, "E-KIM", "Kim", manager=mo, user=cast.employee)
    lee = person(unit, "E-LEE", "Lee", manager=mo)
    olu = person(unit, "E-OLU", "Olu")
    ava = person(unit, "E-AVA", "Ava Assessor", user=cast.assessor)
    hana = person(unit, "E-HANA", "Hana HR", user=cast.hr)

    technician = Role.objects.create(external_id="TECH", name="Technician")
    Requirement.objects.create(role=technician, competency=p, competency_uuid=p.uuid, level=3,
                               criticality="essential", manual=True)
    Requirement.objects.create(role=technician, competency=q, competency_uuid=q.uuid, level=2,
                               criticality="desirable", manual=True)
    for n, holder in enumerate([kim, lee, olu], start=1):
        Position.objects.create(external_id=f"POS-{n}", role=technician, unit=unit, holder=holder)
    site = Context.objects.create(code="north-site", name="North site")
    return Org(framework=version.framework, version=version, p=p, q=q, unit=unit, mo=mo, kim=kim, lee=lee,
               olu=olu, ava=ava, hana=hana, technician=technician, site=site)


@pytest.fixture
def on_day(monkeypatch):
    """on_day(date): make "today" that date for the evidence app (validation and the current view)."""

    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(prof, "today", lambda: day)

    return set_today


@pytest.fixture
def add(org):
    """add(person, competency, level, source, assessed_on, valid_until=None): evidence recorded by a
    trusted caller (no permission rules), as the demo or a training completion would."""
    from compms.evidence.services import record_evidence

    def make(who: Any, competency: Any, level: int, source: str, assessed_on: dt.date,
             valid_until: dt.date | None = None, **extra: Any):
        if source == "assessor" and "assessor" not in extra:
            extra["assessor"] = org.ava
        return record_evidence(SYSTEM, person=who, competency=competency, level=level, source=source,
                               assessed_on=assessed_on, valid_until=valid_until, **extra)

    return make
