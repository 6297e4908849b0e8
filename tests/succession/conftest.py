"""A hand-checkable organisation for succession, built through the real services.

Today is 2026-03-01. Framework OPS: P (pump maintenance), Q (quality checks), scale 0-5.
Role LEAD requires P 3 (essential, weight 3) and Q 2 (desirable, weight 1): weighted required 11.

    Hana (HR, log-in hr)        unit HQ
    Hol  (log-in manager)       unit PLANT, holds position LEAD-1 (the key position)
    ├── Ann (log-in employee)   PLANT  P certificate 3, Q manager 2      fit 11/11 = 1.0     ready now
    └── Ben                     PLANT  P manager 3, Q test 1             fit 10/11 = 0.909   ready now
    Cat                         LAB    P certificate 3 valid until 2026-02-28, Q manager 2
                                       as of 2026-02-15: ready now; as of 2026-03-01 P = 0 (expired):
                                       fit 2/11 = 0.18, 3 levels x 40 h = 120 h at 8 h/month = 15 months
    Dan (reports to Hana)       PLANT  P manager 2, Q manager 2           fit 8/11 = 0.727, essential unmet,
                                       40 h = 5 months -> ready in 1-2 years
    Eve (reports to Hana)       PLANT  P manager 1                        fit 3/11 = 0.27 (below the 0.6 threshold)

A vacant position LEAD-2 in LAB is an internal opening. Role TECH requires P 2 (essential): similar to LEAD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from compms.access import SYSTEM
from compms.evidence import proficiency as prof
from compms.gaps.loader import clear_cache

TODAY = dt.date(2026, 3, 1)


@dataclass
class World:
    p: Any
    q: Any
    units: dict[str, Any]
    people: dict[str, Any]
    lead: Any
    tech: Any
    key_position: Any
    lead_position: Any
    vacancy: Any


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(prof, "today", lambda: TODAY)
    clear_cache()
    yield TODAY
    clear_cache()


def build_world(cast: Any) -> World:
    from compms.evidence.services import record_evidence
    from compms.frameworks import services as dictionary
    from compms.organisation import services as org
    from compms.succession import services

    version = dictionary.create_framework(code="OPS", name="Operations", actor=SYSTEM)
    p = dictionary.create_competency(version, SYSTEM, code="P", name="Pump maintenance")
    q = dictionary.create_competency(version, SYSTEM, code="Q", name="Quality checks")
    dictionary.publish(version, SYSTEM)

    hq = org.create_unit(SYSTEM, external_id="HQ", name="Head office")
    plant = org.create_unit(SYSTEM, external_id="PLANT", name="Plant", parent=hq)
    lab = org.create_unit(SYSTEM, external_id="LAB", name="Lab", parent=hq)
    hana = org.create_person(SYSTEM, employee_id="E-HANA", name="Hana", unit=hq, user=cast.hr)
    hol = org.create_person(SYSTEM, employee_id="E-HOL", name="Hol", unit=plant, manager=hana, user=cast.manager)
    ann = org.create_person(SYSTEM, employee_id="E-ANN", name="Ann", unit=plant, manager=hol, user=cast.employee)
    ben = org.create_person(SYSTEM, employee_id="E-BEN", name="Ben", unit=plant, manager=hol)
    cat = org.create_person(SYSTEM, employee_id="E-CAT", name="Cat", unit=lab, manager=hana)
    dan = org.create_person(SYSTEM, employee_id="E-DAN", name="Dan", unit=plant, manager=hana)
    eve = org.create_person(SYSTEM, employee_id="E-EVE", name="Eve", unit=plant, manager=hana)
    people = {x.name: x for x in (hana, hol, ann, ben, cat, dan, eve)}

    lead = org.create_role(SYSTEM, external_id="LEAD", name="Shift lead", family="Operations")
    org.set_requirement(lead, SYSTEM, competency=p, level=3, criticality="essential")
    org.set_requirement(lead, SYSTEM, competency=q, level=2, criticality="desirable")
    tech = org.create_role(SYSTEM, external_id="TECH", name="Technician", family="Operations")
    org.set_requirement(tech, SYSTEM, competency=p, level=2, criticality="essential")
    lead_position = org.create_position(SYSTEM, role=lead, unit=plant, external_id="LEAD-1")
    org.assign_position(lead_position, SYSTEM, person=hol, start_date=dt.date(2024, 1, 1))
    vacancy = org.create_position(SYSTEM, role=lead, unit=lab, external_id="LEAD-2")

    on = dt.date(2025, 6, 1)

    def add(who: str, competency: Any, level: int, source: str, valid_until: dt.date | None = None) -> None:
        record_evidence(SYSTEM, person=people[who], competency=competency, level=level, source=source,
                        assessed_on=on, valid_until=valid_until)

    add("Hol", p, 4, "certificate")
    add("Hol", q, 3, "manager")
    add("Ann", p, 3, "certificate")
    add("Ann", q, 2, "manager")
    add("Ben", p, 3, "manager")
    add("Ben", q, 1, "test")
    add("Cat", p, 3, "certificate", dt.date(2026, 2, 28))
    add("Cat", q, 2, "manager")
    add("Dan", p, 2, "manager")
    add("Dan", q, 2, "manager")
    add("Eve", p, 1, "manager")

    key = services.mark_key_position(SYSTEM, position=lead_position, risk_of_loss="high", impact="high")
    return World(p=p, q=q, units={"HQ": hq, "PLANT": plant, "LAB": lab}, people=people, lead=lead, tech=tech,
                 key_position=key, lead_position=lead_position, vacancy=vacancy)


@pytest.fixture
def world(cast: Any) -> World:
    return build_world(cast)
