"""The only writers of succession data: each validates, checks access, owns its transaction and
writes the audit record. Trusted internal callers (the demo, the command line) pass
``compms.access.SYSTEM``; ``None`` is refused like any caller without the right."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from compms.audit.services import record, snapshot
from compms.core.readiness import READINESS
from compms.organisation.models import Person, Position, Role, Unit  # noqa: F401
from compms.succession import access
from compms.succession.models import (
    Goal,
    KeyPosition,
    Level,
    Nomination,
    PoolMember,
    ReadinessOverride,
    TalentPool,
    TalentRating,
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_level(name: str, value: str) -> None:
    if value not in Level.values:
        raise ValidationError({name: f"Choose one of {', '.join(Level.values)}."})


# ---------------------------------------------------------------- key positions

@transaction.atomic
def mark_key_position(actor: Any, *, position: Position | None = None, role: Role | None = None,
                      unit: Unit | None = None, risk_of_loss: str = "medium", impact: str = "medium",
                      note: str = "") -> KeyPosition:
    """Mark one position, or every position of ``role`` in ``unit``, as key."""
    access.require_hr(actor)
    _check_level("risk_of_loss", risk_of_loss)
    _check_level("impact", impact)
    if position is not None:
        if KeyPosition.objects.filter(position=position).exists():
            raise ValidationError({"position": "This position is already marked as key."})
        role, unit = position.role, position.unit
    elif role is None or unit is None:
        raise ValidationError({"position": "Name a position, or a role and a unit."})
    elif KeyPosition.objects.filter(position__isnull=True, role=role, unit=unit).exists():
        raise ValidationError({"role": "This role is already key in this unit."})
    key = KeyPosition.objects.create(position=position, role=role, unit=unit, risk_of_loss=risk_of_loss,
                                     impact=impact, note=note, marked_by=_user(actor))
    record(actor, "succession.key_position.mark", key, after=snapshot(key))
    return key


@transaction.atomic
def update_key_position(key: KeyPosition, actor: Any, *, risk_of_loss: str | None = None,
                        impact: str | None = None, note: str | None = None) -> KeyPosition:
    access.require_hr(actor)
    before = snapshot(key)
    if risk_of_loss is not None:
        _check_level("risk_of_loss", risk_of_loss)
        key.risk_of_loss = risk_of_loss
    if impact is not None:
        _check_level("impact", impact)
        key.impact = impact
    if note is not None:
        key.note = note
    key.save()
    record(actor, "succession.key_position.update", key, before=before, after=snapshot(key))
    return key


@transaction.atomic
def unmark_key_position(key: KeyPosition, actor: Any) -> None:
    access.require_hr(actor)
    record(actor, "succession.key_position.unmark", key, before=snapshot(key))
    key.delete()


# ---------------------------------------------------------------- nominations and overrides

def _holders(key: KeyPosition) -> set[int]:
    from compms.succession.analysis import holder_pks

    return set(holder_pks(key))


@transaction.atomic
def nominate(key: KeyPosition, actor: Any, *, person: Person, note: str = "") -> Nomination:
    access.require_manages(actor, person)
    if not person.active:
        raise ValidationError({"person": "This person has left the organisation."})
    if person.pk in _holders(key):
        raise ValidationError({"person": "The holder cannot succeed themselves."})
    if Nomination.objects.filter(key_position=key, person=person).exists():
        raise ValidationError({"person": f"{person.name} is already nominated for this position."})
    nomination = Nomination.objects.create(key_position=key, person=person, note=note,
                                           nominated_by=_user(actor))
    record(actor, "succession.nominate", nomination, after=snapshot(nomination))
    return nomination


@transaction.atomic
def withdraw_nomination(nomination: Nomination, actor: Any) -> None:
    access.require_manages(actor, nomination.person)
    record(actor, "succession.nomination.withdraw", nomination, before=snapshot(nomination))
    nomination.delete()


@transaction.atomic
def override_readiness(key: KeyPosition, actor: Any, *, person: Person, readiness: str, reason: str,
                       computed: str) -> ReadinessOverride:
    """A manager's judgement replaces the computed band (both are kept). ``readiness`` "" withdraws it."""
    access.require_manages(actor, person)
    if readiness and readiness not in READINESS:
        raise ValidationError({"readiness": f"Choose one of {', '.join(READINESS)}."})
    if computed not in READINESS:
        raise ValidationError({"computed": f"Unknown readiness {computed!r}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the evidence does not tell the whole story."})
    row = ReadinessOverride.objects.create(key_position=key, person=person, readiness=readiness, computed=computed,
                                           reason=reason.strip(), made_by=_user(actor))
    record(actor, "succession.readiness.override", row, after=snapshot(row))
    return row


# ---------------------------------------------------------------- talent pools

@transaction.atomic
def create_pool(actor: Any, *, name: str, role_family: str = "", description: str = "") -> TalentPool:
    access.require_hr(actor)
    if not name.strip():
        raise ValidationError({"name": "A pool needs a name."})
    if TalentPool.objects.filter(name=name.strip()).exists():
        raise ValidationError({"name": "A pool with this name exists."})
    pool = TalentPool.objects.create(name=name.strip(), role_family=role_family, description=description,
                                     created_by=_user(actor))
    record(actor, "succession.pool.create", pool, after=snapshot(pool))
    return pool


@transaction.atomic
def add_to_pool(pool: TalentPool, actor: Any, *, person: Person) -> PoolMember:
    access.require_hr(actor)
    if PoolMember.objects.filter(pool=pool, person=person).exists():
        raise ValidationError({"person": f"{person.name} is already in {pool.name}."})
    member = PoolMember.objects.create(pool=pool, person=person, added_by=_user(actor))
    record(actor, "succession.pool.add", member, after=snapshot(member))
    return member


@transaction.atomic
def remove_from_pool(member: PoolMember, actor: Any) -> None:
    access.require_hr(actor)
    record(actor, "succession.pool.remove", member, before=snapshot(member))
    member.delete()


# ---------------------------------------------------------------- ratings and calibration

def _check_rating(performance: int, potential: int) -> None:
    errors = {name: "Rate 1, 2 or 3." for name, value in (("performance", performance), ("potential", potential))
              if value not in (1, 2, 3)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rate(actor: Any, *, person: Person, performance: int, potential: int, rated_on: dt.date,
         reason: str = "") -> TalentRating:
    """A manager (of the person) or HR rates performance and potential; history is kept."""
    access.require_manages(actor, person)
    _check_rating(performance, potential)
    rating = TalentRating.objects.create(person=person, performance=performance, potential=potential,
                                         rated_on=rated_on, rater=_user(actor), reason=reason)
    record(actor, "succession.rate", rating, after=snapshot(rating))
    return rating


@transaction.atomic
def calibrate(actor: Any, *, person: Person, performance: int, potential: int, reason: str,
              rated_on: dt.date | None = None) -> TalentRating:
    """HR moves a person to another box; the move is a new rating carrying the reason."""
    from compms.evidence.proficiency import today

    access.require_hr(actor)
    _check_rating(performance, potential)
    if not reason.strip():
        raise ValidationError({"reason": "A calibration move needs a reason."})
    rating = TalentRating.objects.create(person=person, performance=performance, potential=potential,
                                         rated_on=rated_on or today(), rater=_user(actor), calibration=True,
                                         reason=reason.strip())
    record(actor, "succession.calibrate", rating, after=snapshot(rating))
    return rating


# ---------------------------------------------------------------- goals

@transaction.atomic
def set_goal(actor: Any, *, person: Person, competency: Any, target_level: int, target_date: dt.date | None = None,
             note: str = "") -> Goal:
    """A goal the person sets themselves (only they may, or a trusted caller)."""
    from django.core.exceptions import PermissionDenied

    if not access.may_set_goals(actor, person):
        raise PermissionDenied("Goals are set by the person themselves.")
    if target_level < 1:
        raise ValidationError({"target_level": "Aim for level 1 or more."})
    label = f"{competency.version.framework.code}:{competency.code} {competency.name}"
    goal = Goal.objects.create(person=person, competency_uuid=competency.uuid, competency_label=label[:300],
                               target_level=target_level, target_date=target_date, note=note)
    record(actor, "succession.goal.set", goal, after=snapshot(goal))
    return goal


@transaction.atomic
def close_goal(goal: Goal, actor: Any, *, status: str) -> Goal:
    from django.core.exceptions import PermissionDenied

    if not access.may_set_goals(actor, goal.person):
        raise PermissionDenied("Goals are changed by the person themselves.")
    if status not in Goal.Status.values:
        raise ValidationError({"status": "Unknown status."})
    before = snapshot(goal)
    goal.status = status
    goal.save(update_fields=["status"])
    record(actor, "succession.goal.update", goal, before=before, after=snapshot(goal))
    return goal
