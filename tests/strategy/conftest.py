"""A small organisation with hand-checkable strategic figures, built through the real services.

Today is fixed at 2026-03-01 (the evidence app's `today`). Framework OPS (published, scale 0-5) has
P (pump maintenance) and Q (quality checks). Units: HQ > PLANT, HQ > LAB, and OTHER (a separate root).

Evidence for P (no context unless said):
    Ann  PLANT  certificate 3, never expires                   -> supply
    Ben  PLANT  certificate 4, valid until 2026-12-31          -> supply today, lapses before the due date
    Cat  LAB    manager 3                                      -> supply
    Dan  OTHER  certificate 5                                  -> outside the HQ scope
    Eve  PLANT  manager 2                                      -> one level short (given a need in tests)
    Fay  LAB    manager 2                                      -> one level short, no need
    Gus  PLANT  manager 1                                      -> two levels short
    Hal  PLANT  certificate 3, valid until 2027-03-01 (= due)  -> supply: valid on its last day
    Ivy  PLANT  certificate 3, then left the organisation      -> not counted
    Joe  PLANT  certificate 5 at north-site only               -> another claim: not counted without context

Target "3 or more in P, 4 people, in HQ, by 2027-03-01": supply today 4 (Ann, Ben, Cat, Hal), supply 3,
gap 1, one level short 2 (Eve, Fay), pipeline 1 when Eve and Gus have needs.
Role TECH requires P 3 (essential) and Q 2 (desirable); positions: 2 in PLANT, 1 in LAB.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from compms.access import SYSTEM
from compms.evidence import proficiency as prof

TODAY = dt.date(2026, 3, 1)
DUE = dt.date(2027, 3, 1)


@dataclass
class World:
    p: Any
    q: Any
    units: dict[str, Any]
    people: dict[str, Any]
    tech: Any
    site: Any
    objective: Any = None
    target: Any = None


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(prof, "today", lambda: TODAY)
    return TODAY


def build_world() -> World:
    from compms.evidence.services import record_evidence
    from compms.frameworks import services as dictionary
    from compms.organisation import services as org

    version = dictionary.create_framework(code="OPS", name="Operations", actor=SYSTEM)
    p = dictionary.create_competency(version, SYSTEM, code="P", name="Pump maintenance")
    q = dictionary.create_competency(version, SYSTEM, code="Q", name="Quality checks")
    dictionary.publish(version, SYSTEM)

    hq = org.create_unit(SYSTEM, external_id="HQ", name="Head office")
    plant = org.create_unit(SYSTEM, external_id="PLANT", name="Plant", parent=hq)
    lab = org.create_unit(SYSTEM, external_id="LAB", name="Lab", parent=hq)
    other = org.create_unit(SYSTEM, external_id="OTHER", name="Other company")
    units = {"HQ": hq, "PLANT": plant, "LAB": lab, "OTHER": other}
    where = {"Ann": plant, "Ben": plant, "Cat": lab, "Dan": other, "Eve": plant, "Fay": lab, "Gus": plant,
             "Hal": plant, "Ivy": plant, "Joe": plant}
    people = {name: org.create_person(SYSTEM, employee_id=f"E-{name.upper()}", name=name, unit=unit)
              for name, unit in where.items()}
    site = org.create_context(SYSTEM, code="north-site", name="North site")

    def add(name: str, level: int, source: str, valid_until: dt.date | None = None, **extra: Any) -> None:
        record_evidence(SYSTEM, person=people[name], competency=p, level=level, source=source,
                        assessed_on=dt.date(2025, 6, 1), valid_until=valid_until, **extra)

    add("Ann", 3, "certificate")
    add("Ben", 4, "certificate", dt.date(2026, 12, 31))
    add("Cat", 3, "manager")
    add("Dan", 5, "certificate")
    add("Eve", 2, "manager")
    add("Fay", 2, "manager")
    add("Gus", 1, "manager")
    add("Hal", 3, "certificate", DUE)
    add("Ivy", 3, "certificate")
    add("Joe", 5, "certificate", context=site)
    org.mark_left(people["Ivy"], SYSTEM, left_on=dt.date(2026, 2, 1))

    tech = org.create_role(SYSTEM, external_id="TECH", name="Technician")
    org.set_requirement(tech, SYSTEM, competency=p, level=3, criticality="essential")
    org.set_requirement(tech, SYSTEM, competency=q, level=2, criticality="desirable")
    for unit in (plant, plant, lab):
        org.create_position(SYSTEM, role=tech, unit=unit)
    return World(p=p, q=q, units=units, people=people, tech=tech, site=site)


@pytest.fixture
def world(db) -> World:
    from compms.strategy import services

    built = build_world()
    built.objective = services.create_objective(SYSTEM, code="PUMPS-2027", title="Pump skills for the new line",
                                                due_date=DUE, status="active")
    built.target = services.add_target(built.objective, SYSTEM, competency=built.p, level=3, headcount=4,
                                       scope_unit=built.units["HQ"])
    return built


@pytest.fixture
def needs(monkeypatch: pytest.MonkeyPatch, world: World):
    """needs(*names): those people have an open development need for P; records who was asked."""
    from compms.strategy import services

    asked: list[set[int]] = []

    def set_needs(*names: str) -> list[set[int]]:
        holders = {world.people[name].pk for name in names}

        def open_development_needs(person_ids, competency_uuid) -> set[int]:
            ids = set(person_ids)
            asked.append(ids)
            return holders & ids if str(competency_uuid) == str(world.p.uuid) else set()

        monkeypatch.setattr(services, "open_development_needs", open_development_needs)
        return asked

    return set_needs
