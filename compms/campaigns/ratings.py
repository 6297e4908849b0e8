"""Manager ratings of many cells at once: the team grid and the review step of a competency audit.

Lives here (not in compms.evidence.services) because it is a workflow over the evidence services:
every cell goes through `record_evidence`, so the same permission, scale and audit rules apply as
for a single record, while the whole grid is one transaction (all cells saved, or none).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.evidence.models import Evidence, Source
from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person


@dataclass(frozen=True)
class CellRating:
    """One cell of a grid as submitted: the level the manager chose next to the level the page showed.

    `shown_level` None means the cell was blank when the page was drawn; `level` None means the
    manager left it blank. A cell whose level equals what was shown is unchanged and writes nothing."""

    person: Person
    competency: Competency
    level: int | None
    shown_level: int | None
    context: Context | None = None

    @property
    def changed(self) -> bool:
        return self.level is not None and self.level != self.shown_level


@transaction.atomic
def rate_people(actor: Any, cells: Iterable[CellRating], *, note: str = "") -> list[Evidence]:
    """Write `manager` evidence for every changed cell, in one transaction; unchanged cells write nothing.

    Errors of every cell are collected first so the manager sees them all at once and nothing is
    written; a cell the actor may not rate (not their report) raises PermissionDenied."""
    changed = [cell for cell in cells if cell.changed]
    errors: dict[str, list[str]] = {}
    for cell in changed:
        evidence_services.check_can_record(actor, cell.person, Source.MANAGER)
        top = evidence_services.max_level_of(cell.competency)
        if cell.level is None or cell.level < 0 or cell.level > top:
            errors.setdefault(f"{cell.person.employee_id}:{cell.competency.code}", []).append(
                f"Level {cell.level} is outside 0..{top} for {cell.competency.code}.")
    if errors:
        raise ValidationError(errors)
    today = prof.today()
    return [
        evidence_services.record_evidence(actor, person=cell.person, competency=cell.competency, level=cell.level,
                                          source=Source.MANAGER, assessed_on=today, context=cell.context,
                                          note=note or "Manager rating")
        for cell in changed
    ]
