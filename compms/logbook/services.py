"""Logbook writers. A confirmed entry becomes `experience` evidence: for a chart task, one record per
competency the task names (TaskCompetency) at its level; for free text, the competency and level the
person named. The supervisor is checked here; the evidence itself is then written by
`record_evidence` as a trusted call (SYSTEM), because the evidence rules let only HR record `experience`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from compms.access import SYSTEM, user_or_none
from compms.access.logbook import logbook_owner, may_review_entry
from compms.audit.services import record, snapshot
from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.evidence.models import Source
from compms.frameworks.models import Competency
from compms.logbook.models import Entry
from compms.organisation.models import Person, Position, Task, TaskCompetency


def tasks_of(person: Person) -> list[Task]:
    roles = Position.objects.filter(holder=person).values_list("role_id", flat=True)
    return list(Task.objects.filter(duty__role_id__in=roles).select_related("duty__role").order_by(
        "duty__role__name", "duty__sort_order", "sort_order", "id"))


@transaction.atomic
def log_entry(actor: Any, *, performed_on: dt.date, hours: Decimal, supervisor: Person, task: Task | None = None,
              description: str = "", competency: Competency | None = None, level: int | None = None,
              person: Person | None = None) -> Entry:
    me = logbook_owner(actor, person)
    if me is None:
        raise PermissionDenied("Only people with an employee record keep a logbook.")
    errors: dict[str, str] = {}
    if performed_on > prof.today():
        errors["performed_on"] = "The date is in the future."
    if hours is None or hours <= 0 or hours > 24 * 31:
        errors["hours"] = "Hours must be more than 0."
    if supervisor.pk == me.pk:
        errors["supervisor"] = "Your supervisor confirms the work; choose someone else."
    if task is None:
        if not (description or "").strip():
            errors["description"] = "Choose a task of your chart or describe the work."
        if competency is None or level is None:
            errors["competency"] = "For free text, name the competency and the level the work shows."
        elif not 1 <= level <= evidence_services.max_level_of(competency):
            errors["level"] = f"Level {level} is outside the scale of {competency.code}."
    elif task.pk not in {t.pk for t in tasks_of(me)}:
        errors["task"] = "That task is not on your roles' charts."
    if errors:
        raise ValidationError(errors)
    entry = Entry.objects.create(person=me, performed_on=performed_on, hours=hours, supervisor=supervisor,
                                 task=task, description=(description or "").strip(),
                                 competency=None if task else competency, level=None if task else level)
    record(actor, "logbook.log", entry, after=snapshot(entry))
    return entry


def _claim_review(entry: Entry, actor: Any) -> None:
    # The same conditional update as claims: of two clicks, the second finds nothing pending.
    if entry.status != Entry.Status.PENDING:
        raise evidence_services.Conflict(f"This entry was already {entry.status}; nothing was changed.")
    if not may_review_entry(actor, entry):
        raise PermissionDenied("Only the supervisor named on the entry may confirm or reject it.")


@transaction.atomic
def confirm_entry(entry: Entry, actor: Any, *, comment: str = "") -> Entry:
    entry = Entry.objects.select_related("person", "task", "competency").get(pk=entry.pk)
    _claim_review(entry, actor)
    if entry.task_id:
        needs = [(link.competency, link.level) for link in
                 TaskCompetency.objects.filter(task_id=entry.task_id).select_related("competency")]
    else:
        needs = [(entry.competency, entry.level)]
    if Entry.objects.filter(pk=entry.pk, status=Entry.Status.PENDING).update(
            status=Entry.Status.CONFIRMED, reviewed_by=user_or_none(actor),
            reviewed_at=timezone.now(), comment=comment) != 1:
        raise evidence_services.Conflict("Someone else reviewed this entry at the same time; nothing was changed.")
    what = entry.task.title if entry.task_id else entry.description
    created = [evidence_services.record_evidence(
        SYSTEM, person=entry.person, competency=competency, level=level, source=Source.EXPERIENCE,
        assessed_on=entry.performed_on,
        note=f"Logbook: {what} ({entry.hours} h), confirmed by {getattr(actor, 'get_username', lambda: 'system')()}")
        for competency, level in needs if competency is not None]
    entry.evidence.add(*created)
    record(actor, "logbook.confirm", entry, after={"evidence": [e.pk for e in created], "comment": comment})
    return Entry.objects.get(pk=entry.pk)


@transaction.atomic
def reject_entry(entry: Entry, actor: Any, *, comment: str) -> Entry:
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say why the entry is rejected."})
    entry = Entry.objects.get(pk=entry.pk)
    _claim_review(entry, actor)
    Entry.objects.filter(pk=entry.pk, status=Entry.Status.PENDING).update(
        status=Entry.Status.REJECTED, reviewed_by=user_or_none(actor), reviewed_at=timezone.now(),
        comment=comment.strip())
    record(actor, "logbook.reject", entry, after={"comment": comment})
    return Entry.objects.get(pk=entry.pk)
