"""The 9-box: everyone's latest performance x potential rating (calibration moves included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from compms.core.readiness import box_label, nine_box
from compms.succession import access
from compms.succession.models import TalentRating


@dataclass(frozen=True)
class BoxedPerson:
    person_pk: int
    employee_id: str
    name: str
    performance: int
    potential: int
    rated_on: dt.date
    calibrated: bool
    reason: str

    @property
    def box(self) -> int:
        return nine_box(self.performance, self.potential)

    @property
    def label(self) -> str:
        return box_label(self.performance, self.potential)

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.employee_id, "person_name": self.name, "performance": self.performance,
                "potential": self.potential, "box": self.box, "label": self.label,
                "rated_on": self.rated_on.isoformat(), "calibrated": self.calibrated}


def nine_box_people(user: Any) -> list[BoxedPerson]:
    """The latest rating of each person whose succession data the user may read (one query; the latest
    wins in Python). A manager never sees their own rating."""
    rows = TalentRating.objects.order_by("person_id", "-rated_on", "-recorded_at", "-id").values_list(
        "person_id", "person__employee_id", "person__name", "performance", "potential", "rated_on", "calibration",
        "reason")
    if not access.sees_all_succession(user):
        rows = rows.filter(person__in=access.succession_people(user))
    latest: dict[int, BoxedPerson] = {}
    for pk, employee_id, name, performance, potential, rated_on, calibration, reason in rows:
        if pk not in latest:
            latest[pk] = BoxedPerson(pk, employee_id, name, performance, potential, rated_on, calibration, reason)
    return sorted(latest.values(), key=lambda b: (-b.box, b.name))
