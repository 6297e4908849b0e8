"""Competency audits: launch, self-assessment, manager review, progress, reminders, close.

Self-assessments become claims through `compms.evidence.services.create_claim`, linked to the
participant; the manager's review confirms each line explicitly: a confirmed line verifies this
audit's claim on it (`verify_claim`) or is rated through the team-grid service
(`compms.campaigns.ratings.rate_people`), with its own comment; nothing else is written. Closing freezes one
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
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from compms.access import is_system, user_or_none
from compms.access.campaigns import may_review_participant, may_self_assess, require_audit_admin
from compms.audit.services import record
from compms.campaigns.models import Audit, Participant, SnapshotLine
from compms.campaigns.ratings import CellRating, formal_evidence, rate_people, refuse_if_formal
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
                                 created_by=user_or_none(actor))
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
    participant.claims.add(*claims)
    Participant.objects.filter(pk=participant.pk).update(self_assessed_at=timezone.now())
    record(actor, "audit.self_assess", participant, object_repr=f"{participant.person} in {participant.audit}",
           after={"claims": [c.pk for c in claims]})
    return claims


class Decision(models.TextChoices):
    """What the reviewer chose for one competency of the review."""

    CONFIRM = "confirm", "Confirm at level"
    KEEP = "keep", "Leave as is"
    NOT_YET = "not_yet", "Not yet"


@dataclass(frozen=True)
class RowDecision:
    """The reviewer's explicit choice for one requirement line, with that line's own comment.

    `level` counts only with CONFIRM. A line without a decision is left as is: nothing is written."""

    choice: str
    level: int | None = None
    comment: str = ""


def own_pending_claims(participant: Participant) -> dict[Key, Claim]:
    """The participant's claims raised by this audit's self-assessment and still pending."""
    return {(c.competency_uuid, c.context_id): c for c in participant.claims.filter(status=Claim.Status.PENDING)}


@transaction.atomic
def review_participant(actor: Any, participant: Participant, decisions: Mapping[Key, RowDecision]) -> int:
    """The manager's review, line by line. Only lines explicitly confirmed write `manager` evidence (at
    the level given, with their own comment), verifying this audit's claim on that line if there is one;
    "not yet" rejects this audit's claim on the line and writes no evidence; anything else writes nothing.
    Claims raised elsewhere (the profile page, another audit) are never closed here.

    A line resting on a certificate or an assessor record, current or expired, cannot be confirmed by a
    manager (PermissionDenied naming the competency), whoever calls. Returns the evidence records written."""
    participant = Participant.objects.select_related("audit", "person").get(pk=participant.pk)
    _open(participant)
    if not may_review_participant(actor, participant):
        raise PermissionDenied("Only the person's manager reviews their audit.")
    lines = required_by_person([participant.person_id])[participant.person_id]
    claims = own_pending_claims(participant)
    formal = formal_evidence((participant.person_id, *key) for key in lines)
    errors: dict[str, str] = {}
    confirmed: list[tuple[Key, RowDecision]] = []
    rejected: list[tuple[Key, RowDecision]] = []
    for key, decision in decisions.items():
        if key not in lines:
            continue
        competency = lines[key].competency
        if decision.choice == Decision.CONFIRM:
            refuse_if_formal(competency, formal.get((participant.person_id, *key)))
            top = evidence_services.max_level_of(competency)
            if decision.level is None or not 0 <= decision.level <= top:
                errors[competency.code] = f"Choose a level 0..{top} to confirm {competency.code}."
            else:
                confirmed.append((key, decision))
        elif decision.choice == Decision.NOT_YET:
            rejected.append((key, decision))
        elif decision.choice != Decision.KEEP:
            errors[competency.code] = f"Unknown choice {decision.choice!r} for {competency.code}."
    if errors:
        raise ValidationError(errors)
    audit_name = participant.audit.name
    cells = []
    written = 0
    for key, decision in confirmed:
        if key in claims:
            evidence_services.verify_claim(claims[key], actor, level=decision.level,
                                           comment=decision.comment.strip(), source="manager")
            written += 1
        else:
            requirement = lines[key]
            cells.append(CellRating(person=participant.person, competency=requirement.competency,
                                    context=requirement.context, level=decision.level or 0,
                                    comment=decision.comment))
    written += len(rate_people(actor, cells, note=f"Review for {audit_name}"))
    for key, decision in rejected:
        if key in claims:
            evidence_services.reject_claim(claims[key], actor,
                                           comment=decision.comment.strip() or f"Not yet: review for {audit_name}")
    Participant.objects.filter(pk=participant.pk).update(reviewed_at=timezone.now(),
                                                         reviewed_by=user_or_none(actor))
    record(actor, "audit.review", participant, object_repr=f"{participant.person} in {participant.audit}",
           after={"written": written,
                  "confirmed": {lines[k].competency.code: d.level for k, d in confirmed},
                  "not_yet": sorted(lines[k].competency.code for k, _ in rejected)})
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
            closed_by=user_or_none(actor)) != 1:
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
