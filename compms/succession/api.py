"""REST API for succession: key positions, successors, bench strength, careers, the 9-box, pools, goals.

Thin: writes call `compms.succession.services`, reads `compms.succession.analysis`, access
`compms.succession.access`. Successor lists and bench counts are limited to the people the user may
see (a manager: their team); employees get 403 there, and see only their own careers and goals.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from compms.gaps.loader import load_snapshot
from compms.organisation.models import Person, Position, Role, Unit
from compms.succession import access, analysis, services
from compms.succession.models import KeyPosition, Nomination, TalentPool, TalentRating
from compms.succession.ninebox import nine_box_people

router = Router(tags=["succession"])


def _person(request: HttpRequest, employee_id: str) -> Person:
    """Careers and goals: the person themself, their managers and HR; anyone else gets the answer a
    missing person gets, so the API never confirms who exists outside the caller's scope."""
    person = Person.objects.filter(employee_id=employee_id).first()
    if person is None or not access.can_see_careers(request.user, person):
        raise Person.DoesNotExist("No such person.")
    return person


def _subject(request: HttpRequest, employee_id: str) -> Person:
    """The person a rating, nomination, override or pool membership is about: one whose succession data the
    caller may read, else 404 "No such person" (the same answer as for nobody)."""
    person = access.succession_people(request.user).filter(employee_id=employee_id).first()
    if person is None:
        raise Person.DoesNotExist("No such person.")
    return person


def _key(request: HttpRequest, key_id: int) -> KeyPosition:
    access.require_succession_reader(request.user)
    return KeyPosition.objects.select_related("role", "unit", "position__holder").get(pk=key_id)


def _visible(request: HttpRequest) -> Any:
    return access.visible_indices(request.user, load_snapshot())


class KeyPositionOut(Schema):
    id: int
    title: str
    role: str
    unit: str
    position: str | None
    risk_of_loss: str | None
    impact: str
    note: str
    in_scope: bool


def _key_out(kp: KeyPosition, in_scope: bool = True) -> dict[str, Any]:
    """Outside the caller's scope the risk of losing the holder (a judgement about them) is withheld, and so
    is the note, which is free text about the position and its holder."""
    return {"id": kp.pk, "title": str(kp), "role": kp.role.external_id, "unit": kp.unit.external_id,
            "position": kp.position.external_id if kp.position_id else None,
            "risk_of_loss": kp.risk_of_loss if in_scope else None, "impact": kp.impact,
            "note": kp.note if in_scope else "", "in_scope": in_scope}


def _in_scope(request: HttpRequest, keys: list[KeyPosition]) -> set[int]:
    scope = access.key_positions_in_scope(request.user, keys)
    return {kp.pk for kp in keys} if scope is None else scope


class KeyPositionIn(Schema):
    position: str | None = None
    role: str | None = None
    unit: str | None = None
    risk_of_loss: str = "medium"
    impact: str = "medium"
    note: str = ""


@router.get("/succession/key-positions", response=list[KeyPositionOut])
@paginate(PageNumberPagination, page_size=50)
def list_key_positions(request: HttpRequest) -> Any:
    access.require_succession_reader(request.user)
    keys = list(KeyPosition.objects.select_related("role", "unit", "position"))
    scope = _in_scope(request, keys)
    return [_key_out(kp, kp.pk in scope) for kp in keys]


@router.post("/succession/key-positions", response={201: KeyPositionOut})
def mark_key_position(request: HttpRequest, payload: KeyPositionIn) -> Any:
    access.require_hr(request.user)
    position = role = unit = None
    if payload.position:
        position = Position.objects.filter(external_id=payload.position).first()
        if position is None:
            raise ValidationError({"position": f"No position {payload.position!r}."})
    else:
        role = Role.objects.filter(external_id=payload.role or "").first()
        unit = Unit.objects.filter(external_id=payload.unit or "").first()
        if role is None or unit is None:
            raise ValidationError({"role": "Name a position, or an existing role and unit."})
    kp = services.mark_key_position(request.user, position=position, role=role, unit=unit,
                                    risk_of_loss=payload.risk_of_loss, impact=payload.impact, note=payload.note)
    return Status(201, _key_out(kp))


@router.get("/succession/key-positions/{key_id}/successors")
def key_position_successors(request: HttpRequest, key_id: int, top: int = analysis.DEFAULT_TOP,
                            threshold: float = analysis.DEFAULT_THRESHOLD, as_of: dt.date | None = None) -> Any:
    kp = _key(request, key_id)
    return analysis.successors(kp, as_of, visible=_visible(request), threshold=threshold, top=top,
                               in_scope=kp.pk in _in_scope(request, [kp])).as_dict()


class NominationIn(Schema):
    person: str
    note: str = ""


@router.post("/succession/key-positions/{key_id}/nominations", response={201: dict})
def nominate(request: HttpRequest, key_id: int, payload: NominationIn) -> Any:
    kp = _key(request, key_id)
    nomination = services.nominate(kp, request.user, person=_subject(request, payload.person), note=payload.note)
    return Status(201, {"id": nomination.pk, "key_position": kp.pk, "person": payload.person})


@router.delete("/succession/nominations/{nomination_id}", response={204: None})
def withdraw(request: HttpRequest, nomination_id: int) -> Any:
    access.require_succession_reader(request.user)
    nomination = Nomination.objects.select_related("person").filter(
        pk=nomination_id, person__in=access.succession_people(request.user)).first()
    if nomination is None:
        raise Nomination.DoesNotExist("No such nomination.")
    services.withdraw_nomination(nomination, request.user)
    return Status(204, None)


class OverrideIn(Schema):
    person: str
    readiness: str
    reason: str


@router.post("/succession/key-positions/{key_id}/overrides", response={201: dict})
def override(request: HttpRequest, key_id: int, payload: OverrideIn) -> Any:
    kp = _key(request, key_id)
    person = _subject(request, payload.person)
    computed = analysis.computed_readiness(kp, person)
    row = services.override_readiness(kp, request.user, person=person, readiness=payload.readiness,
                                      reason=payload.reason, computed=computed)
    return Status(201, {"id": row.pk, "person": person.employee_id, "readiness": row.readiness or None,
                 "computed_readiness": row.computed, "reason": row.reason})


@router.get("/succession/bench-strength")
def bench_strength(request: HttpRequest, as_of: dt.date | None = None) -> Any:
    access.require_succession_reader(request.user)
    keys = list(KeyPosition.objects.select_related("role", "unit", "position__holder"))
    return analysis.bench_strength(keys, as_of, visible=_visible(request),
                                   in_scope=access.key_positions_in_scope(request.user, keys)).as_dict()


@router.get("/succession/people/{employee_id}/careers")
def careers(request: HttpRequest, employee_id: str, top: int = 10, role: str | None = None,
            as_of: dt.date | None = None) -> Any:
    person = _person(request, employee_id)
    only_role = None
    if role:
        found = Role.objects.filter(external_id=role).first()
        if found is None:
            raise Role.DoesNotExist(f"No role {role!r}.")
        only_role = found.pk
    return analysis.careers(person.pk, as_of, top=top, only_role=only_role).as_dict()


@router.get("/succession/openings")
def openings(request: HttpRequest, top: int = 5) -> Any:
    """Vacant positions with the best-fitting people (within what the user may see)."""
    access.require_succession_reader(request.user)
    visible = _visible(request)
    out = []
    for position in Position.objects.filter(holder__isnull=True).select_related("role", "unit")[:100]:
        candidates = analysis.people_for_opening(position.pk, top=top, visible=visible)
        out.append({"position": position.external_id, "role": position.role.external_id,
                    "unit": position.unit.external_id,
                    "candidates": [{"person": c.employee_id, "person_name": c.name, "fit": round(c.fit, 4),
                                    "ready": c.ready} for c in candidates]})
    return out


class RatingIn(Schema):
    person: str
    performance: int
    potential: int
    rated_on: dt.date | None = None
    reason: str = ""


@router.post("/succession/ratings", response={201: dict})
def rate(request: HttpRequest, payload: RatingIn) -> Any:
    from compms.evidence.proficiency import today

    access.require_succession_reader(request.user)
    person = _subject(request, payload.person)
    row = services.rate(request.user, person=person, performance=payload.performance, potential=payload.potential,
                        rated_on=payload.rated_on or today(), reason=payload.reason)
    return Status(201, {"id": row.pk, "person": person.employee_id, "performance": row.performance,
                 "potential": row.potential})


@router.post("/succession/calibrations", response={201: dict})
def calibrate(request: HttpRequest, payload: RatingIn) -> Any:
    access.require_hr(request.user)
    person = _subject(request, payload.person)
    row = services.calibrate(request.user, person=person, performance=payload.performance,
                             potential=payload.potential, reason=payload.reason, rated_on=payload.rated_on)
    return Status(201, {"id": row.pk, "person": person.employee_id, "performance": row.performance,
                 "potential": row.potential, "reason": row.reason})


@router.get("/succession/nine-box")
def nine_box(request: HttpRequest) -> Any:
    access.require_succession_reader(request.user)
    return [p.as_dict() for p in nine_box_people(request.user)]


@router.get("/succession/people/{employee_id}/ratings")
def ratings(request: HttpRequest, employee_id: str) -> Any:
    access.require_succession_reader(request.user)
    person = _subject(request, employee_id)
    return [{"performance": r.performance, "potential": r.potential, "rated_on": r.rated_on.isoformat(),
             "rater": r.rater.username if r.rater else None, "calibration": r.calibration, "reason": r.reason}
            for r in TalentRating.objects.filter(person=person).select_related("rater")]


class PoolIn(Schema):
    name: str
    role_family: str = ""
    description: str = ""


@router.get("/succession/pools")
def pools(request: HttpRequest) -> Any:
    access.require_succession_reader(request.user)
    visible = access.succession_person_pks(request.user)
    out = []
    for pool in TalentPool.objects.prefetch_related("members__person"):
        members = [m.person.employee_id for m in pool.members.all() if visible is None or m.person_id in visible]
        out.append({"id": pool.pk, "name": pool.name, "role_family": pool.role_family, "members": members})
    return out


@router.post("/succession/pools", response={201: dict})
def create_pool(request: HttpRequest, payload: PoolIn) -> Any:
    pool = services.create_pool(request.user, name=payload.name, role_family=payload.role_family,
                                description=payload.description)
    return Status(201, {"id": pool.pk, "name": pool.name})


class MemberIn(Schema):
    person: str


@router.post("/succession/pools/{pool_id}/members", response={201: dict})
def add_member(request: HttpRequest, pool_id: int, payload: MemberIn) -> Any:
    access.require_hr(request.user)
    member = services.add_to_pool(TalentPool.objects.get(pk=pool_id), request.user,
                                  person=_subject(request, payload.person))
    return Status(201, {"id": member.pk, "person": payload.person})


class GoalIn(Schema):
    framework: str
    competency: str
    target_level: int
    target_date: dt.date | None = None
    note: str = ""


@router.get("/succession/people/{employee_id}/goals")
def goals(request: HttpRequest, employee_id: str) -> Any:
    person = _person(request, employee_id)
    return [{"id": g.pk, "competency": g.competency_label, "target_level": g.target_level,
             "target_date": g.target_date.isoformat() if g.target_date else None, "status": g.status,
             "note": g.note} for g in person.goals.all()]


@router.post("/succession/people/{employee_id}/goals", response={201: dict})
def set_goal(request: HttpRequest, employee_id: str, payload: GoalIn) -> Any:
    from compms.succession.learning import resolve_competency

    person = _person(request, employee_id)
    competency = resolve_competency(payload.framework, payload.competency)
    goal = services.set_goal(request.user, person=person, competency=competency, target_level=payload.target_level,
                             target_date=payload.target_date, note=payload.note)
    return Status(201, {"id": goal.pk, "competency": goal.competency_label, "target_level": goal.target_level})
