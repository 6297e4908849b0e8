"""The only writers of sessions, enrolments, completions, mandatory training and xAPI statements.

Who may do what (checked here, so pages, API and commands agree):
- HR and administrators ("training administrators") manage sessions, mandatory training and xAPI
  activity mappings, and may take any enrolment through any allowed step;
- a person requests (and withdraws) their own enrolments; their manager (direct or indirect) may
  request for them, approve or reject their requests and withdraw them;
- nobody approves their own request;
- attendance and completion: HR, or the session's trainer when the trainer has a log-in.
Trusted internal callers (the demo, xAPI processing) pass `compms.access.SYSTEM`; `None` is refused.
The rules themselves live in `compms.access.training`.

Capacity: placing someone (approval, promotion from the waiting list) locks the session row with
SELECT ... FOR UPDATE, counts the places taken and only then writes, all in one transaction; on
SQLite the IMMEDIATE transaction mode serialises writers the same way. So two requests for the
last place cannot both get it: the second goes to the waiting list.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from compms.access import SYSTEM, user_or_none
from compms.access.training import (
    may_act_for,
    may_decide,
    may_record_outcome,
    require_training_admin,
    require_xapi_sender,
    restrict_enrolments,
)
from compms.audit.services import record, snapshot
from compms.core.dates import add_months
from compms.evidence import proficiency as prof
from compms.evidence.models import Source
from compms.evidence.services import NewEvidence, evidence_errors_many, record_evidence, record_evidence_many
from compms.frameworks.models import Competency, FrameworkVersion
from compms.organisation.models import Person, Role
from compms.training import xapi
from compms.training.models import (
    ENROLMENT_TRANSITIONS,
    OPEN_STATUSES,
    PLACE_STATUSES,
    Completion,
    Enrolment,
    EnrolmentStatus,
    MandatoryTraining,
    Session,
    XapiActivity,
    XapiStatement,
)

S = EnrolmentStatus
SESSION_FIELDS = ("resource_id", "starts_on", "ends_on", "capacity", "place", "online", "trainer_id",
                  "trainer_name", "status", "note")


class Conflict(Exception):
    """The request clashes with what is stored (e.g. an xAPI statement id reused for another statement)."""


class IllegalTransition(ValidationError):
    """An enrolment was asked to move where the state machine does not go."""


def today() -> dt.date:
    # One clock for the app; the evidence app's `today` is the one tests move.
    return prof.today()


# ---------------------------------------------------------------- access

def visible_enrolments(user: Any) -> Any:
    """Enrolments a user may see (`compms.access.training.restrict_enrolments`), with what pages show."""
    return restrict_enrolments(Enrolment.objects.select_related("person", "resource", "session"), user)


# ---------------------------------------------------------------- sessions

def _validate_session(*, starts_on: Any, ends_on: Any, capacity: Any, place: str, online: bool,
                      trainer: Person | None, trainer_name: str) -> None:
    errors: dict[str, str] = {}
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = "Give the first day of the session."
    if not isinstance(ends_on, dt.date):
        errors["ends_on"] = "Give the last day of the session."
    elif isinstance(starts_on, dt.date) and ends_on < starts_on:
        errors["ends_on"] = f"The session cannot end ({ends_on}) before it starts ({starts_on})."
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        errors["capacity"] = "Capacity is a whole number of places, at least 1."
    if not online and not (place or "").strip():
        errors["place"] = "Say where the session takes place, or mark it online."
    if trainer is not None and trainer_name.strip():
        errors["trainer_name"] = "Name either a colleague as trainer or an outside trainer, not both."
    if errors:
        raise ValidationError(errors)


def places_taken(session: Session) -> int:
    return Enrolment.objects.filter(session=session, status__in=PLACE_STATUSES).count()


@transaction.atomic
def create_session(actor: Any, *, resource: Any, starts_on: dt.date, ends_on: dt.date | None = None,
                   capacity: int, place: str = "", online: bool = False, trainer: Person | None = None,
                   trainer_name: str = "", note: str = "") -> Session:
    require_training_admin(actor)
    ends_on = ends_on or starts_on
    _validate_session(starts_on=starts_on, ends_on=ends_on, capacity=capacity, place=place, online=online,
                      trainer=trainer, trainer_name=trainer_name)
    session = Session.objects.create(resource=resource, starts_on=starts_on, ends_on=ends_on, capacity=capacity,
                                     place=place.strip(), online=online, trainer=trainer,
                                     trainer_name=trainer_name.strip(), note=note)
    record(actor, "session.create", session, after=snapshot(session, SESSION_FIELDS))
    return session


_UNSET: Any = object()


@transaction.atomic
def update_session(session: Session, actor: Any, *, starts_on: Any = _UNSET, ends_on: Any = _UNSET,
                   capacity: Any = _UNSET, place: Any = _UNSET, online: Any = _UNSET, trainer: Any = _UNSET,
                   trainer_name: Any = _UNSET, note: Any = _UNSET) -> Session:
    """Change a session; more capacity promotes people from the waiting list at once."""
    require_training_admin(actor)
    session = Session.objects.select_for_update().get(pk=session.pk)
    before = snapshot(session, SESSION_FIELDS)
    changes = {"starts_on": starts_on, "ends_on": ends_on, "capacity": capacity, "place": place,
               "online": online, "trainer": trainer, "trainer_name": trainer_name, "note": note}
    for name, value in changes.items():
        if value is not _UNSET:
            setattr(session, name, value.strip() if isinstance(value, str) and name != "note" else value)
    _validate_session(starts_on=session.starts_on, ends_on=session.ends_on, capacity=session.capacity,
                      place=session.place, online=session.online, trainer=session.trainer,
                      trainer_name=session.trainer_name)
    taken = places_taken(session)
    if session.capacity < taken:
        raise ValidationError({"capacity": f"{taken} places are already taken; capacity cannot go below that."})
    session.save()
    record(actor, "session.update", session, before=before, after=snapshot(session, SESSION_FIELDS))
    _promote_waiting(session, actor)
    return session


@transaction.atomic
def cancel_session(session: Session, actor: Any, *, reason: str) -> Session:
    """Cancel a session: every open enrolment in it is withdrawn with the reason."""
    require_training_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the session is cancelled."})
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status == Session.Status.CANCELLED:
        raise ValidationError({"status": "This session is already cancelled."})
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status"])
    # Each open enrolment takes its own allowed route to withdrawn (requested/approved/waitlisted/enrolled all may).
    for enrolment in Enrolment.objects.filter(session=session, status__in=OPEN_STATUSES):
        _move(enrolment, actor, S.WITHDRAWN, note=f"Session cancelled: {reason}")
    record(actor, "session.cancel", session, after={"reason": reason})
    return session


# ---------------------------------------------------------------- enrolment state machine

def check_transition(current: str, target: str) -> None:
    if target not in ENROLMENT_TRANSITIONS.get(current, frozenset()):
        allowed = sorted(ENROLMENT_TRANSITIONS.get(current, frozenset()))
        where = ", ".join(allowed) if allowed else "nowhere (it is final)"
        raise IllegalTransition({"status": f"An enrolment that is {current} cannot become {target}; "
                                           f"from {current} it may go to {where}."})


def _move(enrolment: Enrolment, actor: Any, target: str, *, note: str = "", **fields: Any) -> Enrolment:
    """Apply one allowed transition and its audit record (callers hold the transaction)."""
    check_transition(enrolment.status, target)
    before = enrolment.status
    enrolment.status = target
    enrolment.status_note = note
    enrolment.changed_at = timezone.now()
    for name, value in fields.items():
        setattr(enrolment, name, value)
    enrolment.save()
    record(actor, f"enrolment.{target}", enrolment, before={"status": before},
           after={"status": target, "note": note, **{k: v for k, v in fields.items() if k != "decided_by"}})
    return enrolment


def _lock(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update(of=("self",)).select_related("person", "session", "resource").get(
        pk=enrolment.pk)


def _place(enrolment: Enrolment, actor: Any) -> Enrolment:
    """Give an approved enrolment a place, or a place on the waiting list when the session is full.
    Locks the session row first, so concurrent placements count each other."""
    session = Session.objects.select_for_update().get(pk=enrolment.session_id)
    if places_taken(session) < session.capacity:
        return _move(enrolment, actor, S.ENROLLED, note="Place confirmed")
    return _move(enrolment, actor, S.WAITLISTED, note=f"Session full ({session.capacity} places)",
                 waitlisted_at=timezone.now())


def waiting_list(session: Session) -> list[Enrolment]:
    """The waiting list in order: who asked first goes first."""
    return list(Enrolment.objects.filter(session=session, status=S.WAITLISTED).select_related("person")
                .order_by("requested_at", "id"))


def _promote_waiting(session: Session, actor: Any) -> list[Enrolment]:
    """Fill free places from the waiting list, first come first served (caller holds the transaction)."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.SCHEDULED:
        return []
    free = session.capacity - places_taken(session)
    promoted = []
    if free <= 0:
        return promoted
    for enrolment in Enrolment.objects.select_for_update().filter(session=session, status=S.WAITLISTED).order_by(
            "requested_at", "id")[:free]:
        promoted.append(_move(enrolment, actor, S.ENROLLED, note="Promoted from the waiting list"))
    return promoted


def _session_open_for_requests(session: Session) -> None:
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError({"session": "This session is cancelled."})
    if session.starts_on < today():
        raise ValidationError({"session": f"This session started on {session.starts_on}; choose a later one."})


def next_session_with_room(resource: Any) -> Session | None:
    """The earliest scheduled, not yet started session of a resource with a free place."""
    return (Session.objects.filter(resource=resource, status=Session.Status.SCHEDULED, starts_on__gte=today())
            .annotate(taken=Count("enrolments", filter=Q(enrolments__status__in=PLACE_STATUSES)))
            .filter(taken__lt=F("capacity")).order_by("starts_on", "id").first())


@transaction.atomic
def request_enrolment(actor: Any, *, person: Person, session: Session | None = None, resource: Any = None,
                      reason: str = "", plan_action: Any = None) -> Enrolment:
    """Ask for a place (status `requested`). With a resource and no session, the request is for the
    next session with room, or unscheduled (session empty) when there is none."""
    if session is None and resource is None:
        raise ValidationError({"session": "Choose a session or a learning resource."})
    if not may_act_for(actor, person):
        raise PermissionDenied(f"You may not request training for {person.name}.")
    if not person.active:
        raise ValidationError({"person": f"{person.name} has left the organisation."})
    if session is None:
        session = next_session_with_room(resource)
    else:
        # Re-read: the caller's copy may predate a cancellation.
        session = Session.objects.select_related("resource").get(pk=session.pk)
    if session is not None:
        if resource is not None and session.resource_id != getattr(resource, "pk", resource):
            raise ValidationError({"session": "This session is for another learning resource."})
        _session_open_for_requests(session)
        resource = session.resource
        duplicate = Enrolment.objects.filter(person=person, session=session, status__in=OPEN_STATUSES).exists()
    else:
        duplicate = Enrolment.objects.filter(person=person, resource=resource, session__isnull=True,
                                             status__in=OPEN_STATUSES).exists()
    if duplicate:
        raise ValidationError({"person": f"{person.name} already has an open request for this training."})
    plan_action_id = getattr(plan_action, "pk", plan_action)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(person=person, resource=resource, session=session,
                                                 reason=reason or "", plan_action_id=plan_action_id,
                                                 requested_by=user_or_none(actor))
    except IntegrityError:
        # A concurrent identical request won the unique constraint.
        raise ValidationError({"person": f"{person.name} already has an open request for this training."}) from None
    record(actor, "enrolment.request", enrolment,
           after={"person": person.employee_id, "resource": resource.pk, "session": getattr(session, "pk", None),
                  "reason": reason, "plan_action": plan_action_id})
    return enrolment


@transaction.atomic
def approve_enrolment(enrolment: Enrolment, actor: Any, *, note: str = "") -> Enrolment:
    """Approve a request; with a session the person is placed at once (enrolled or waitlisted)."""
    enrolment = _lock(enrolment)
    if not may_decide(actor, enrolment):
        raise PermissionDenied("Only the person's manager or HR may approve this request.")
    _move(enrolment, actor, S.APPROVED, note=note, decided_by=user_or_none(actor), decided_at=timezone.now())
    if enrolment.session_id is not None:
        _session_open_for_requests(enrolment.session)
        _place(enrolment, actor)
    return enrolment


@transaction.atomic
def reject_enrolment(enrolment: Enrolment, actor: Any, *, reason: str) -> Enrolment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the request is rejected."})
    enrolment = _lock(enrolment)
    if not may_decide(actor, enrolment):
        raise PermissionDenied("Only the person's manager or HR may reject this request.")
    return _move(enrolment, actor, S.REJECTED, note=reason, decided_by=user_or_none(actor),
                 decided_at=timezone.now())


@transaction.atomic
def schedule_enrolment(enrolment: Enrolment, actor: Any, *, session: Session) -> Enrolment:
    """Put an approved, unscheduled request into a session of its resource (placing it at once)."""
    require_training_admin(actor)
    enrolment = _lock(enrolment)
    if enrolment.status != S.APPROVED or enrolment.session_id is not None:
        raise ValidationError({"session": "Only an approved request without a session can be scheduled."})
    if session.resource_id != enrolment.resource_id:
        raise ValidationError({"session": "This session is for another learning resource."})
    _session_open_for_requests(session)
    if Enrolment.objects.filter(person_id=enrolment.person_id, session=session, status__in=OPEN_STATUSES).exists():
        raise ValidationError({"session": "The person already has a place or request in this session."})
    enrolment.session = session
    enrolment.save(update_fields=["session"])
    return _place(enrolment, actor)


@transaction.atomic
def withdraw_enrolment(enrolment: Enrolment, actor: Any, *, reason: str = "") -> Enrolment:
    """Withdraw; a place freed before the session starts goes to the first on the waiting list."""
    enrolment = _lock(enrolment)
    if not may_act_for(actor, enrolment.person):
        raise PermissionDenied("You may not withdraw this enrolment.")
    held_place = enrolment.status == S.ENROLLED
    _move(enrolment, actor, S.WITHDRAWN, note=reason)
    if held_place and enrolment.session is not None and today() < enrolment.session.starts_on:
        _promote_waiting(enrolment.session, actor)
    return enrolment


@transaction.atomic
def record_attendance(enrolment: Enrolment, actor: Any, *, attended: bool) -> Enrolment:
    """Record whether an enrolled person attended. Not attending makes them a no-show; a no-show
    recorded before the session starts frees the place for the waiting list."""
    enrolment = _lock(enrolment)
    if not may_record_outcome(actor, enrolment.session):
        raise PermissionDenied("Only HR or the session's trainer may record attendance.")
    if enrolment.status != S.ENROLLED:
        raise IllegalTransition({"status": f"Attendance is recorded for enrolled people; this one is "
                                           f"{enrolment.status}."})
    if attended:
        enrolment.attended = True
        enrolment.changed_at = timezone.now()
        enrolment.save(update_fields=["attended", "changed_at"])
        record(actor, "enrolment.attended", enrolment, after={"attended": True})
        return enrolment
    _move(enrolment, actor, S.NO_SHOW, note="Did not attend", attended=False)
    if enrolment.session is not None and today() < enrolment.session.starts_on:
        _promote_waiting(enrolment.session, actor)
    return enrolment


# ---------------------------------------------------------------- completion -> evidence

def _published_competency(competency: Competency, competency_uuid: Any) -> Competency:
    """Evidence is recorded against a published version: the outcome's own row if its version is
    published, else the newest published row with the same uuid."""
    status = FrameworkVersion.objects.filter(pk=competency.version_id).values_list("status", flat=True).first()
    if status == FrameworkVersion.Status.PUBLISHED:
        return competency
    newer = (Competency.objects.filter(uuid=competency_uuid, version__status=FrameworkVersion.Status.PUBLISHED)
             .order_by("-version__number").first())
    return newer or competency


def write_training_evidence(person: Person, resource: Any, completed_on: dt.date, note: str) -> tuple[
        list[int], dt.date | None]:
    """One `training` evidence record per outcome of the resource, at its exit level, valid for the
    resource's validity_months. Returns the evidence ids and the valid-until date."""
    from compms.development.models import ResourceOutcome

    months = getattr(resource, "validity_months", None)
    valid_until = add_months(completed_on, months) if months else None
    ids = []
    outcomes = ResourceOutcome.objects.filter(resource=resource).select_related("competency").order_by("id")
    for outcome in outcomes:
        if not outcome.exit_level:
            continue
        competency = _published_competency(outcome.competency, outcome.competency_uuid)
        # A trusted call: a completion is the evidence; who completed it is audited by the caller.
        evidence = record_evidence(SYSTEM, person=person, competency=competency, level=outcome.exit_level,
                                   source=Source.TRAINING, assessed_on=completed_on, valid_until=valid_until,
                                   note=note)
        ids.append(evidence.pk)
    return ids, valid_until


@transaction.atomic
def complete_enrolment(enrolment: Enrolment, actor: Any, *, passed: bool = True,
                       completed_on: dt.date | None = None, note: str = "") -> Enrolment:
    """Record the end of the training: completed writes training evidence for every outcome of the
    resource; failed writes nothing."""
    enrolment = _lock(enrolment)
    if not may_record_outcome(actor, enrolment.session):
        raise PermissionDenied("Only HR or the session's trainer may record completions.")
    check_transition(enrolment.status, S.COMPLETED if passed else S.FAILED)
    completed_on = completed_on or today()
    if enrolment.session is not None and completed_on < enrolment.session.starts_on:
        raise ValidationError({"completed_on": f"The session starts on {enrolment.session.starts_on}; it cannot "
                                               f"be completed on {completed_on}."})
    if completed_on > today():
        raise ValidationError({"completed_on": "A completion cannot be in the future."})
    if not passed:
        return _move(enrolment, actor, S.FAILED, note=note, completed_on=completed_on)
    _move(enrolment, actor, S.COMPLETED, note=note, completed_on=completed_on)
    evidence_ids, valid_until = write_training_evidence(
        enrolment.person, enrolment.resource, completed_on,
        note or f"Completed {enrolment.resource} (session {enrolment.session_id or '-'})")
    completion = Completion.objects.create(person=enrolment.person, resource=enrolment.resource,
                                           completed_on=completed_on, valid_until=valid_until,
                                           enrolment=enrolment, evidence_ids=evidence_ids)
    record(actor, "training.complete", completion, after={"enrolment": enrolment.pk, "evidence": evidence_ids,
                                                          "valid_until": valid_until})
    return enrolment


# ---------------------------------------------------------------- mandatory training

@transaction.atomic
def set_mandatory_training(actor: Any, *, role: Role, resource: Any, recurrence_months: int | None = None,
                           due_within_days: int = 90) -> MandatoryTraining:
    require_training_admin(actor)
    errors = {}
    if recurrence_months is not None and recurrence_months < 1:
        errors["recurrence_months"] = "Recurrence is at least one month, or empty for once only."
    if due_within_days is None or due_within_days < 0:
        errors["due_within_days"] = "Give the number of days after taking the role (0 or more)."
    if errors:
        raise ValidationError(errors)
    mandatory, created = MandatoryTraining.objects.update_or_create(
        role=role, resource=resource,
        defaults={"recurrence_months": recurrence_months, "due_within_days": due_within_days})
    record(actor, "mandatory_training.set", mandatory,
           after={"role": role.external_id, "resource": resource.pk, "recurrence_months": recurrence_months,
                  "due_within_days": due_within_days, "created": created})
    return mandatory


@transaction.atomic
def remove_mandatory_training(mandatory: MandatoryTraining, actor: Any) -> None:
    require_training_admin(actor)
    record(actor, "mandatory_training.remove", mandatory, before={"role": mandatory.role_id,
                                                                  "resource": mandatory.resource_id})
    mandatory.delete()


@dataclass(frozen=True)
class MandatoryStatus:
    person_id: int
    person_name: str
    employee_id: str
    role: str
    resource_id: int
    resource_title: str
    status: str  # ok | due | overdue
    due_on: dt.date | None
    last_completed_on: dt.date | None
    valid_until: dt.date | None


def mandatory_status(people: Any, as_of: dt.date | None = None) -> list[MandatoryStatus]:
    """Mandatory training for the people given (a queryset), set-based: three queries whatever the count.

    - no completion yet: due `due_within_days` after the person took the role's position (or after
      the rule was created, if later); overdue after that day;
    - a completion is good until its evidence expires (valid_until) and, with a recurrence, until
      completion + recurrence_months, whichever comes first; `due` within due_within_days of that
      end, `overdue` after it.
    """
    from compms.organisation.models import Position

    as_of = as_of or today()
    positions = list(Position.objects.filter(holder__in=people, role__mandatory_training__isnull=False)
                     .select_related("holder", "role").distinct())
    if not positions:
        return []
    rules: dict[int, list[MandatoryTraining]] = {}
    for rule in MandatoryTraining.objects.filter(role_id__in={p.role_id for p in positions}).select_related(
            "resource"):
        rules.setdefault(rule.role_id, []).append(rule)
    latest: dict[tuple[int, int], Completion] = {}
    for completion in Completion.objects.filter(
            person_id__in={p.holder_id for p in positions},
            resource_id__in={r.resource_id for group in rules.values() for r in group}).order_by("completed_on", "id"):
        latest[(completion.person_id, completion.resource_id)] = completion
    result = []
    seen: set[tuple[int, int]] = set()
    for position in sorted(positions, key=lambda p: (p.holder.name, p.role.name)):
        for rule in rules.get(position.role_id, []):
            key = (position.holder_id, rule.resource_id)
            if key in seen:
                continue
            seen.add(key)
            done = latest.get(key)
            window = dt.timedelta(days=rule.due_within_days)
            if done is None:
                start = max(filter(None, [position.holder_since, timezone.localdate(rule.created_at)]))
                due_on = start + window
                status = "overdue" if as_of > due_on else "due"
                valid_until = None
            else:
                ends = [d for d in (done.valid_until, add_months(done.completed_on, rule.recurrence_months)
                                    if rule.recurrence_months else None) if d is not None]
                due_on = min(ends) if ends else None
                valid_until = done.valid_until
                if due_on is None or as_of <= due_on - window:
                    status = "ok"
                elif as_of <= due_on:
                    status = "due"
                else:
                    status = "overdue"
            result.append(MandatoryStatus(
                person_id=position.holder_id, person_name=position.holder.name,
                employee_id=position.holder.employee_id, role=position.role.name, resource_id=rule.resource_id,
                resource_title=str(rule.resource), status=status, due_on=due_on,
                last_completed_on=done.completed_on if done else None, valid_until=valid_until))
    return result


# ---------------------------------------------------------------- xAPI

@transaction.atomic
def map_xapi_activity(actor: Any, *, activity_id: str, resource: Any) -> XapiActivity:
    require_training_admin(actor)
    if not xapi.is_iri(activity_id):
        raise ValidationError({"activity_id": f"{activity_id!r} is not an absolute IRI."})
    mapping, created = XapiActivity.objects.update_or_create(activity_id=activity_id,
                                                             defaults={"resource": resource})
    record(actor, "xapi_activity.map", mapping, after={"activity_id": activity_id, "resource": resource.pk,
                                                       "created": created})
    return mapping


@transaction.atomic
def unmap_xapi_activity(mapping: XapiActivity, actor: Any) -> None:
    require_training_admin(actor)
    record(actor, "xapi_activity.unmap", mapping, before={"activity_id": mapping.activity_id,
                                                          "resource": mapping.resource_id})
    mapping.delete()


def _person_for_actor(agent: dict[str, Any], people_by_email: dict[str, Person],
                      people_by_employee_id: dict[str, Person]) -> Person | None:
    if isinstance(agent.get("mbox"), str):
        return people_by_email.get(agent["mbox"][len("mailto:"):].lower())
    account = agent.get("account")
    if isinstance(account, dict):
        # account.homePage is ignored: CompMS trusts one learning platform, whose account names are
        # employee ids.
        return people_by_employee_id.get(str(account.get("name")))
    return None


@dataclass(frozen=True)
class StoreOutcome:
    ids: list[str]
    created: int


@transaction.atomic
def store_statements(actor: Any, statements: list[Any], *, statement_id: str | None = None) -> StoreOutcome:
    """Validate every statement, then store them all, or none (xAPI batches are all-or-nothing).

    A statement whose id is already stored is accepted without writing anything when it is the
    same statement, and refused with Conflict when it is a different one. Completions (completed
    without success false, or passed) by a known person of a mapped activity become training
    evidence once per statement."""
    require_xapi_sender(actor)
    if not statements:
        raise ValidationError({"statements": "No statement was sent."})
    prepared: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, raw in enumerate(statements):
        where = f"statement[{n}]"
        try:
            statement = xapi.validate_statement(raw, where)
        except xapi.XapiInvalid as error:
            raise ValidationError({"statements": str(error)}) from None
        if statement_id is not None:
            if "id" in statement and statement["id"].lower() != statement_id.lower():
                raise ValidationError({"statements": f"{where}.id: {statement['id']} differs from statementId "
                                                     f"{statement_id}"})
            statement = {**statement, "id": statement_id}
        statement = {**statement, "id": (statement.get("id") or str(uuid.uuid4())).lower()}
        if statement["id"] in seen:
            raise ValidationError({"statements": f"{where}.id: {statement['id']} is used twice in this batch"})
        seen.add(statement["id"])
        prepared.append(statement)

    stored: dict[str, XapiStatement] = {}
    for chunk in _chunks([uuid.UUID(s["id"]) for s in prepared]):
        stored.update((str(s.statement_id), s) for s in XapiStatement.objects.filter(statement_id__in=chunk))
    new = []
    for n, statement in enumerate(prepared):
        existing = stored.get(statement["id"])
        if existing is None:
            new.append(statement)
        elif xapi.canonical(existing.raw) != xapi.canonical(statement):
            raise Conflict(f"statement[{n}].id: statement {statement['id']} is already stored with "
                           "different content")
    _store_new(actor, new)
    return StoreOutcome(ids=[s["id"] for s in prepared], created=len(new))


# IN lists are chunked: SQLite allows 32,766 bound values and PostgreSQL plans long lists slowly.
IN_CHUNK = 900
INSERT_BATCH = 2000


def _chunks(values: Any, size: int = IN_CHUNK) -> list[list[Any]]:
    ordered = list(values)
    return [ordered[start:start + size] for start in range(0, len(ordered), size)]


def _people_for_actors(statements: list[dict[str, Any]]) -> tuple[dict[str, Person], dict[str, Person]]:
    """Active people by lower-cased e-mail and people by employee id, for every actor of the batch
    (a few queries per 900 distinct actors)."""
    emails = {s["actor"]["mbox"][len("mailto:"):].lower() for s in statements if isinstance(
        s["actor"].get("mbox"), str)}
    accounts = {str(s["actor"]["account"].get("name")) for s in statements if isinstance(
        s["actor"].get("account"), dict)}
    people_by_email: dict[str, Person] = {}
    shared: set[str] = set()
    for chunk in _chunks(emails):
        for person in Person.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk, active=True):
            key = person.email.lower()
            if key in people_by_email:
                shared.add(key)
            people_by_email[key] = person
    # Email is not unique on Person; an address two people share identifies nobody.
    for email in shared:
        people_by_email.pop(email, None)
    people_by_employee_id: dict[str, Person] = {}
    for chunk in _chunks(accounts):
        people_by_employee_id.update((p.employee_id, p) for p in Person.objects.filter(employee_id__in=chunk))
    return people_by_email, people_by_employee_id


@dataclass(frozen=True)
class _PendingCompletion:
    row: XapiStatement
    person: Person
    resource: Any
    completed_on: dt.date
    valid_until: dt.date | None
    evidence: list[NewEvidence]


def _exit_outcomes(resource_ids: set[int]) -> dict[int, list[tuple[Competency, int]]]:
    """Per resource, the (published competency, exit level) of each outcome that has an exit level,
    in outcome order: what write_training_evidence records, read once for the whole batch."""
    from compms.development.models import ResourceOutcome

    found: dict[int, list[tuple[Competency, int]]] = {}
    for chunk in _chunks(resource_ids):
        for outcome in ResourceOutcome.objects.filter(resource_id__in=chunk).select_related(
                "competency").order_by("id"):
            if outcome.exit_level:
                competency = _published_competency(outcome.competency, outcome.competency_uuid)
                found.setdefault(outcome.resource_id, []).append((competency, outcome.exit_level))
    return found


def _store_new(actor: Any, statements: list[dict[str, Any]]) -> None:
    """Store validated, new statements set-based: a fixed number of reads for people, activities and
    outcomes, then bulk inserts of the statements, their evidence (one refresh of the touched
    proficiency keys) and their completions. Linear in the batch, whatever its size."""
    if not statements:
        return
    people_by_email, people_by_employee_id = _people_for_actors(statements)
    activity_ids = {s["object"].get("id") for s in statements if s["object"].get("objectType", "Activity")
                    == "Activity"}
    mappings: dict[str, Any] = {}
    for chunk in _chunks(activity_ids):
        mappings.update((m.activity_id, m.resource) for m in XapiActivity.objects.filter(
            activity_id__in=chunk).select_related("resource"))
    received_at = timezone.now()
    rows: list[XapiStatement] = []
    pending: list[_PendingCompletion] = []
    candidates: list[tuple[XapiStatement, Person, Any, dt.date, str]] = []
    for statement in statements:
        target = statement["object"]
        activity_id = target.get("id", "") if target.get("objectType", "Activity") == "Activity" else ""
        person = _person_for_actor(statement["actor"], people_by_email, people_by_employee_id)
        resource = mappings.get(activity_id)
        row = XapiStatement(statement_id=uuid.UUID(statement["id"]), raw=statement, verb_id=statement["verb"]["id"],
                            activity_id=activity_id, received_at=received_at,
                            received_by=user_or_none(actor), person=person, resource=resource)
        rows.append(row)
        if not xapi.is_completion(statement):
            row.outcome = XapiStatement.Outcome.NOT_A_COMPLETION
        elif person is None:
            row.outcome = XapiStatement.Outcome.UNKNOWN_PERSON
        elif resource is None:
            row.outcome = XapiStatement.Outcome.UNKNOWN_ACTIVITY
        else:
            candidates.append((row, person, resource, _completion_day(statement, received_at),
                               f"xAPI statement {statement['id']}: {statement['verb']['id']}"))
    outcomes = _exit_outcomes({resource.pk for _, _, resource, _, _ in candidates})
    for row, person, resource, completed_on, note in candidates:
        months = getattr(resource, "validity_months", None)
        valid_until = add_months(completed_on, months) if months else None
        pending.append(_PendingCompletion(row, person, resource, completed_on, valid_until, [
            NewEvidence(person=person, competency=competency, level=level, source=Source.TRAINING,
                        assessed_on=completed_on, valid_until=valid_until, note=note)
            for competency, level in outcomes.get(resource.pk, [])]))
    problems = iter(evidence_errors_many([item for p in pending for item in p.evidence]))
    accepted: list[_PendingCompletion] = []
    for completion in pending:
        # The first faulty record refuses the statement's evidence as a whole, as one
        # record_evidence call after another inside a savepoint did.
        faults = [found for found in (next(problems) for _ in completion.evidence) if found]
        if faults:
            # The statement is still kept (it was valid xAPI); why no evidence came of it is noted.
            completion.row.outcome = XapiStatement.Outcome.REFUSED
            completion.row.outcome_note = "; ".join(f"{field}: {message}" for field, message in faults[0].items())
        else:
            completion.row.outcome = XapiStatement.Outcome.EVIDENCE
            accepted.append(completion)
    XapiStatement.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    created = iter(record_evidence_many(SYSTEM, [item for c in accepted for item in c.evidence],
                                        batch_size=INSERT_BATCH))
    Completion.objects.bulk_create([
        Completion(person=c.person, resource=c.resource, completed_on=c.completed_on, valid_until=c.valid_until,
                   statement=c.row, evidence_ids=[next(created).pk for _ in c.evidence], recorded_at=received_at)
        for c in accepted], batch_size=INSERT_BATCH)
    record(actor, "xapi.receive", None, object_type="training.xapistatement",
           object_repr=f"{len(statements)} statement(s)",
           after={"ids": [s["id"] for s in statements]})


def _completion_day(statement: dict[str, Any], received_at: dt.datetime) -> dt.date:
    """The statement's timestamp (in the server's time zone), never later than today."""
    if "timestamp" in statement:
        moment = xapi.parse_timestamp(statement["timestamp"], "timestamp")
        if moment.tzinfo is None:
            moment = timezone.make_aware(moment)
        day = timezone.localdate(moment)
    else:
        day = timezone.localdate(received_at)
    return min(day, today())
