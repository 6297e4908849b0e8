"""Manager ratings of many cells at once: the team grid and the review step of a competency audit.

Lives here (not in compms.evidence.services) because it is a workflow over the evidence services:
every cell goes through `record_evidence`, so the same permission, scale and audit rules apply as
for a single record, while the whole grid is one transaction (all cells saved, or none).
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.evidence.models import Evidence, Source
from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person

# Until per-competency assurance rules exist, a requirement that has rested on one of these sources
# (current or expired) is renewed only by that kind of evidence: a manager's word must not make an
# expired certificate look met, nor stand beside a current one as if it were the same assurance.
FORMAL_SOURCES: Final[frozenset[str]] = frozenset({Source.CERTIFICATE, Source.ASSESSOR})
WHO_CAN_CONFIRM: Final = "needs a certificate or an assessor"

PersonKey = tuple[int, uuid_module.UUID, int | None]


def formal_evidence(keys: Iterable[PersonKey]) -> dict[PersonKey, Evidence]:
    """Per person x competency x context, the latest active certificate or assessor record, current or
    expired: where one exists a manager may not confirm the competency."""
    wanted = set(keys)
    found: dict[PersonKey, Evidence] = {}
    people = sorted({key[0] for key in wanted})
    for start in range(0, len(people), prof.IN_CHUNK):
        for evidence in (Evidence.objects.filter(person_id__in=people[start:start + prof.IN_CHUNK],
                                                 source__in=FORMAL_SOURCES, status=Evidence.Status.ACTIVE)
                         .order_by("assessed_on", "id")):
            key = (evidence.person_id, evidence.competency_uuid, evidence.context_id)
            if key in wanted:
                found[key] = evidence  # ordered by date: the last one wins
    return found


def refuse_if_formal(competency: Competency, formal: Evidence | None) -> None:
    if formal is not None:
        state = "expired " if formal.valid_until is not None and formal.valid_until < prof.today() else ""
        raise PermissionDenied(
            f"{competency.code} {competency.name} rests on {state}{formal.source} evidence; a manager cannot "
            f"confirm it: it {WHO_CAN_CONFIRM}.")


@dataclass(frozen=True)
class CellRating:
    """One cell of a grid the manager explicitly confirmed at `level`, with that cell's own comment.

    Cells the manager did not confirm are not passed at all: nothing is ever written for them."""

    person: Person
    competency: Competency
    level: int
    comment: str = ""
    context: Context | None = None


def _key(cell: CellRating) -> PersonKey:
    return (cell.person.pk, cell.competency.uuid, cell.context.pk if cell.context else None)


@transaction.atomic
def rate_people(actor: Any, cells: Iterable[CellRating], *, note: str = "") -> list[Evidence]:
    """Write `manager` evidence for every confirmed cell, in one transaction, each with its own comment
    (`note` is only the fallback description of a cell without one, never a comment copied across).

    Errors of every cell are collected first so the manager sees them all at once and nothing is
    written; a cell the actor may not rate (not their report), or one resting on a certificate or an
    assessor (`formal_evidence`), raises PermissionDenied naming it."""
    confirmed = list(cells)
    formal = formal_evidence(_key(cell) for cell in confirmed)
    errors: dict[str, list[str]] = {}
    for cell in confirmed:
        evidence_services.check_can_record(actor, cell.person, Source.MANAGER)
        refuse_if_formal(cell.competency, formal.get(_key(cell)))
        top = evidence_services.max_level_of(cell.competency)
        if not isinstance(cell.level, int) or cell.level < 0 or cell.level > top:
            errors.setdefault(f"{cell.person.employee_id}:{cell.competency.code}", []).append(
                f"Level {cell.level} is outside 0..{top} for {cell.competency.code}.")
    if errors:
        raise ValidationError(errors)
    today = prof.today()
    return [
        evidence_services.record_evidence(actor, person=cell.person, competency=cell.competency, level=cell.level,
                                          source=Source.MANAGER, assessed_on=today, context=cell.context,
                                          note=cell.comment.strip() or note or "Manager rating")
        for cell in confirmed
    ]
