"""Competency audits: launch, self-assessment, manager review, progress, reminders, close.

Self-assessments become claims through `compms.evidence.services.create_claim`; the manager's
review verifies those claims at the level they judge right (`verify_claim`) and rates anything
else through the team-grid service (`compms.campaigns.ratings.rate_people`). Closing freezes one
snapshot line per participant x required competency, written in bulk.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from compms.access import is_system
from compms.access.campaigns import may_review_participant, may_self_assess, require_audit_admin
from compms.audit.services import record
from compms.campaigns.models import Audit, Participant, SnapshotLine
from compms.campaigns.ratings import CellRating, rate_people
from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.evidence.models import Claim
from compms.organisation.models import Position, Requirement, Role, Unit

Key = tuple[uuid_module.UUID, int | None]


def require_hr(actor: Any) -> None:
    require_audit_admin(actor)


def required_by_person(person_ids: Iterable[int]) -> dict[int, dict[Key, Requirement]]:
    """Per person, the requirement lines of their roles: each competency once, at the highest level."""
    ids = list(person_ids)
    roles_of: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(ids), prof.IN_CHUNK):
        for holder, role in Position.objects.filter(holder_id__in=ids[start:start + prof.IN_CHUNK]).values_list(
                "holder_id", "role_id"):
            roles_of[holder].add(role)
    by_role: dict[int, list[Requirement]] = defaultdict(list)
    role_ids = {r for rs in roles_of.values() for r in rs}
    for requirement in Requirement.objects.filter(role_id__in=role_ids).select_related(
            "competency", "context"):
        by_role[requirement.role_id].append(requirement)
    result: dict[int, dict[Key, Requirement]] = {}
    for person_id in ids:
        lines: dict[Key, Requirement] = {}
        for role in roles_of.get(person_id, ()):
            for requirement in by_role[role]:
                key = (requirement.competency_uuid, requirement.context_id)
                if key not in lines or requirement.level > lines[key].level:
                    lines[key] = requirement
        result[person_id] = lines
    return result


@transaction.atomic
def launch_audit(actor: Any, *, name: str, deadline: dt.date, unit: Unit | None = None,
                 roles: Iterable[Role] = ()) -> Audit:
    """Invite every active position holder in the unit subtree and/or holding one of the roles."""
    require_hr(actor)
    roles = list(roles)
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = "Give the audit a name."
    if deadline < prof.today():
        errors["deadline"] = "The deadline is in the past."
    if unit is None and not roles:
        errors["scope"] = "Choose a unit, one or more roles, or both."
    if errors:
        raise ValidationError(errors)
    holders = Position.objects.filter(holder__isnull=False, holder__active=True)
    if roles:
        holders = holders.filter(role__in=roles)
    if unit is not None:
        holders = holders.filter(holder__unit__path__startswith=unit.path)
    people = sorted(set(holders.values_list("holder_id", "holder__unit_id", "holder__manager_id")))
    if not people:
        raise ValidationError({"scope": "Nobody holds a position in that scope."})
    audit = Audit.objects.create(name=name.strip(), deadline=deadline, scope_unit=unit,
                                 created_by=evidence_services._user_or_none(actor))
    audit.roles.set(roles)
    seen: set[int] = set()
    rows = []
    for person_id, unit_id, manager_id in people:
        if person_id not in seen:
            seen.add(person_id)
            rows.append(Participant(audit=audit, person_id=person_id, unit_id=unit_id, manager_id=manager_id))
    Participant.objects.bulk_create(rows, batch_size=5000)
    record(actor, "audit.launch", audit, after={"name": audit.name, "deadline": deadline,
                                                "unit": unit.external_id if unit else None,
                                                "roles": [r.external_id for r in roles], "invited": len(rows)})
    return audit


def _open(participant: Participant) -> None:
    if participant.audit.status != Audit.Status.OPEN:
        raise ValidationError({"audit": f"The audit “{participant.audit.name}” is closed."})


@transaction.atomic
def submit_self_assessment(actor: Any, participant: Participant, levels: Mapping[Key, int | None],
                           note: str = "") -> list[Claim]:
    """The participant's own levels become claims (self evidence) for their manager to review.

    Blank levels are skipped; a competency with a claim already pending keeps that claim."""
    participant = Participant.objects.select_related("audit", "person").get(pk=participant.pk)
    if not may_self_assess(actor, participant):
        raise PermissionDenied("Only the invited person fills in their self-assessment.")
    _open(participant)
    lines = required_by_person([participant.person_id])[participant.person_id]
    pending = set(Claim.objects.filter(person_id=participant.person_id, status=Claim.Status.PENDING)
                  .values_list("competency_uuid", "context_id"))
    claims = []
    for key, level in levels.items():
        if level is None or key not in lines or key in pending:
            continue
        requirement = lines[key]
        claims.append(evidence_services.create_claim(actor, person=participant.person if is_system(actor) else None,
                                                     competency=requirement.competency, level=level,
                                                     context=requirement.context,
                                                     note=note or f"Self-assessment for {participant.audit.name}"))
    Participant.objects.filter(pk=participant.pk).update(self_assessed_at=timezone.now())
    record(actor, "audit.self_assess", participant, object_repr=f"{participant.person} in {participant.audit}",
           after={"claims": [c.pk for c in claims]})
    return claims


@transaction.atomic
def review_participant(actor: Any, participant: Participant, levels: Mapping[Key, int | None],
                       shown: Mapping[Key, int | None], comment: str = "") -> int:
    """The manager's review: pending claims are verified at the level given; other changed cells are
    rated as `manager` evidence. Returns the number of records written."""
    participant = Participant.objects.select_related("audit", "person").get(pk=participant.pk)
    _open(participant)
    if not may_review_participant(actor, participant):
        raise PermissionDenied("Only the person's manager reviews their audit.")
    lines = required_by_person([participant.person_id])[participant.person_id]
    claims = {(c.competency_uuid, c.context_id): c for c in Claim.objects.filter(
        person_id=participant.person_id, status=Claim.Status.PENDING)}
    written = 0
    cells = []
    for key, level in levels.items():
        if key not in lines or level is None:
            continue
        if key in claims:
            evidence_services.verify_claim(claims[key], actor, level=level, comment=comment,
                                           source="manager")
            written += 1
        else:
            requirement = lines[key]
            cells.append(CellRating(person=participant.person, competency=requirement.competency,
                                    context=requirement.context, level=level, shown_level=shown.get(key)))
    written += len(rate_people(actor, cells, note=comment or f"Review for {participant.audit.name}"))
    Participant.objects.filter(pk=participant.pk).update(reviewed_at=timezone.now(),
                                                         reviewed_by=evidence_services._user_or_none(actor))
    record(actor, "audit.review", participant, object_repr=f"{participant.person} in {participant.audit}",
           after={"written": written})
    return written


@dataclass(frozen=True)
class UnitProgress:
    unit: str
    invited: int
    self_assessed: int
    reviewed: int


def progress(audit: Audit) -> list[UnitProgress]:
    """Invited, self-assessed and reviewed people per unit (unit at launch), in one query."""
    rows = (Participant.objects.filter(audit=audit).values("unit__name").order_by("unit__name")
            .annotate(invited=Count("id"), self_assessed=Count("id", filter=Q(self_assessed_at__isnull=False)),
                      reviewed=Count("id", filter=Q(reviewed_at__isnull=False))))
    return [UnitProgress(unit=r["unit__name"], invited=r["invited"], self_assessed=r["self_assessed"],
                         reviewed=r["reviewed"]) for r in rows]


def _status(required: int, level: int, status: str | None) -> str:
    if level >= required:
        return "met"
    if level > 0:
        return "short"
    return "expired" if status == "expired" else "missing"


@transaction.atomic
def close_audit(actor: Any, audit: Audit) -> int:
    """Close the audit and freeze each participant's level in each required competency; returns lines."""
    require_hr(actor)
    if Audit.objects.filter(pk=audit.pk, status=Audit.Status.OPEN).update(
            status=Audit.Status.CLOSED, closed_at=timezone.now(),
            closed_by=evidence_services._user_or_none(actor)) != 1:
        raise evidence_services.Conflict("This audit is already closed; nothing was changed.")
    person_ids = list(Participant.objects.filter(audit=audit).values_list("person_id", flat=True))
    required = required_by_person(person_ids)
    current = prof.current_proficiencies(person_ids)
    lines = []
    for person_id in person_ids:
        for (comp_uuid, context_id), requirement in required[person_id].items():
            p = current.get((person_id, comp_uuid, context_id))
            level = p.level if p is not None and p.status == "held" else 0
            lines.append(SnapshotLine(audit=audit, person_id=person_id, competency_uuid=comp_uuid,
                                      context_id=context_id, required=requirement.level, level=level,
                                      status=_status(requirement.level, level, p.status if p else None),
                                      verified=bool(p and p.verified and level), source=(p.source or "") if p else ""))
    SnapshotLine.objects.bulk_create(lines, batch_size=5000)
    record(actor, "audit.close", audit, after={"snapshot_lines": len(lines), "participants": len(person_ids)})
    return len(lines)


def send_audit_reminders() -> int:
    """Open audits: remind people who have not self-assessed, and managers with reviews waiting."""
    sender = settings.DEFAULT_FROM_EMAIL
    mails = []
    open_rows = Participant.objects.filter(audit__status=Audit.Status.OPEN, reviewed_at__isnull=True)
    for name, email, audit, deadline in open_rows.filter(self_assessed_at__isnull=True).exclude(
            person__email="").values_list("person__name", "person__email", "audit__name", "audit__deadline"):
        mails.append((f"CompMS: your self-assessment for {audit} is due {deadline:%Y-%m-%d}",
                      f"Hello {name},\n\nPlease fill in your self-assessment for the competency audit “{audit}” "
                      f"by {deadline:%Y-%m-%d} (CompMS, Competency audits).\n", sender, [email]))
    waiting: dict[tuple[str, str], list[str]] = defaultdict(list)
    for manager, email, person, audit in open_rows.filter(self_assessed_at__isnull=False).exclude(
            manager__email="").exclude(manager__isnull=True).values_list(
            "manager__name", "manager__email", "person__name", "audit__name"):
        waiting[(manager, email)].append(f"- {person} ({audit})")
    for (manager, email), people in waiting.items():
        mails.append((f"CompMS: {len(people)} self-assessment(s) waiting for your review",
                      f"Hello {manager},\n\nThese self-assessments wait for your review:\n" + "\n".join(people)
                      + "\n", sender, [email]))
    return send_mass_mail(mails, fail_silently=False) if mails else 0
