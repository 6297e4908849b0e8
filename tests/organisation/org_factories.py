"""Small, hand-checkable organisations and dictionaries for the organisation back-end tests.

The organisation used by the access tests (who reports to whom):

    Hana (HR, log-in hr)                 unit HQ
    ├── Mia (manager, log-in manager)    unit OPS (under HQ)
    │   └── Theo (team lead, no log-in)  unit PLANT (under OPS)
    │       ├── Emil (log-in employee)   unit PLANT
    │       └── Ida                      unit PLANT
    └── Olga                             unit FIN (under HQ)

So Mia's reports are Theo (direct), Emil and Ida (indirect); Olga and Hana are not hers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compms.access import SYSTEM
from compms.frameworks import services as dictionary
from compms.frameworks.models import Competency
from compms.organisation import services
from compms.organisation.models import Person, Unit


@dataclass
class Org:
    units: dict[str, Unit]
    people: dict[str, Person]


def build_org(cast) -> Org:
    hq = services.create_unit(SYSTEM, external_id="HQ", name="Head office")
    ops = services.create_unit(SYSTEM, external_id="OPS", name="Operations", parent=hq)
    plant = services.create_unit(SYSTEM, external_id="PLANT", name="Plant A", parent=ops)
    fin = services.create_unit(SYSTEM, external_id="FIN", name="Finance", parent=hq)
    hana = services.create_person(SYSTEM, employee_id="E-HANA", name="Hana", unit=hq, user=cast.hr)
    mia = services.create_person(SYSTEM, employee_id="E-MIA", name="Mia", unit=ops, manager=hana, user=cast.manager)
    theo = services.create_person(SYSTEM, employee_id="E-THEO", name="Theo", unit=plant, manager=mia)
    emil = services.create_person(SYSTEM, employee_id="E-EMIL", name="Emil", unit=plant, manager=theo,
                                  user=cast.employee)
    ida = services.create_person(SYSTEM, employee_id="E-IDA", name="Ida", unit=plant, manager=theo)
    olga = services.create_person(SYSTEM, employee_id="E-OLGA", name="Olga", unit=fin, manager=hana)
    return Org(units={"HQ": hq, "OPS": ops, "PLANT": plant, "FIN": fin},
               people={p.name: p for p in (hana, mia, theo, emil, ida, olga)})


def published_dictionary(code: str = "OPS") -> dict[str, Competency]:
    """A published framework with the default 0..5 scale and three competencies: P (skill),
    K (knowledge), B (behaviour)."""
    version = dictionary.create_framework(code=code, name=f"{code} dictionary", actor=SYSTEM)
    found = {
        "P": dictionary.create_competency(version, SYSTEM, code="P", name="Pump maintenance", kind="skill"),
        "K": dictionary.create_competency(version, SYSTEM, code="K", name="Hydraulics theory", kind="knowledge"),
        "B": dictionary.create_competency(version, SYSTEM, code="B", name="Safety leadership", kind="behaviour"),
    }
    dictionary.publish(version, SYSTEM)
    return found


def write_csv(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path
