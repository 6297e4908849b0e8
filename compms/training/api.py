"""REST API for training: sessions, enrolments and their actions, mandatory training, xAPI.

Every write calls compms.training.services (which checks who may do it). The xAPI Statement
resource lives at /api/v1/xapi/statements (POST one statement or a list; PUT ?statementId=; GET
?statementId=) and is meant for the learning platform's integration user (an HR log-in with an
API token); see services.require_xapi_sender.
"""


import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from compms.access import person_of, require_role
from compms.access.people import require_person_visible, visible_people
from compms.accounts.models import Role as UserRole
from compms.development.models import Resource
from compms.organisation.models import Person, Role, Unit
from compms.training import services, xapi
from compms.training.models import (
    PLACE_STATUSES,
    Enrolment,
    MandatoryTraining,
    Session,
    XapiActivity,
    XapiStatement,
)

router = Router(tags=["training"])


# ---------------------------------------------------------------- schemas

class SessionOut(Schema):
    id: int
    resource_id: int
    resource: str
    starts_on: dt.date
    ends_on: dt.date
    capacity: int
    places_taken: int
    place: str
    online: bool
    trainer_id: int | None
    trainer: str
    status: str


class SessionIn(Schema):
    resource_id: int
    starts_on: dt.date
    ends_on: dt.date | None = None
    capacity: int
    place: str = ""
    online: bool = False
    trainer_id: int | None = None
    trainer_name: str = ""
    note: str = ""


class SessionPatch(Schema):
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    capacity: int | None = None
    place: str | None = None
    online: bool | None = None
    trainer_id: int | None = None
    trainer_name: str | None = None
    note: str | None = None


class EnrolmentOut(Schema):
    id: int
    person_id: int
    person: str
    resource_id: int
    resource: str
    session_id: int | None
    status: str
    reason: str
    requested_at: dt.datetime
    waitlisted_at: dt.datetime | None
    attended: bool | None
    completed_on: dt.date | None
    status_note: str


class SessionDetailOut(SessionOut):
    enrolments: list[EnrolmentOut]
    waiting_list: list[EnrolmentOut]


class EnrolmentIn(Schema):
    person_id: int | None = Field(None, description="Default: yourself")
    session_id: int | None = None
    resource_id: int | None = None
    reason: str = ""
    plan_action_id: int | None = None


class ReasonIn(Schema):
    reason: str = ""


class AttendanceIn(Schema):
    attended: bool


class CompleteIn(Schema):
    passed: bool = True
    completed_on: dt.date | None = None
    note: str = ""


class ScheduleIn(Schema):
    session_id: int


class MandatoryIn(Schema):
    role_id: int
    resource_id: int
    recurrence_months: int | None = None
    due_within_days: int = 90


class MandatoryOut(Schema):
    id: int
    role_id: int
    role: str
    resource_id: int
    resource: str
    recurrence_months: int | None
    due_within_days: int


class MandatoryStatusOut(Schema):
    person_id: int
    employee_id: str
    person: str
    role: str
    resource_id: int
    resource: str
    status: str
    due_on: dt.date | None
    last_completed_on: dt.date | None
    valid_until: dt.date | None


class ActivityIn(Schema):
    activity_id: str
    resource_id: int


class ActivityOut(Schema):
    id: int
    activity_id: str
    resource_id: int
    resource: str


class SessionFilter(Schema):
    resource_id: int | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    status: str | None = None


class EnrolmentFilter(Schema):
    person_id: int | None = None
    session_id: int | None = None
    resource_id: int | None = None
    status: str | None = None


# ---------------------------------------------------------------- helpers

def _session_out(session: Session, taken: int | None = None) -> dict[str, Any]:
    return {"id": session.pk, "resource_id": session.resource_id, "resource": str(session.resource),
            "starts_on": session.starts_on, "ends_on": session.ends_on, "capacity": session.capacity,
            "places_taken": taken if taken is not None else services.places_taken(session),
            "place": session.where, "online": session.online, "trainer_id": session.trainer_id,
            "trainer": session.trainer_label, "status": session.status}


def _enrolment_out(enrolment: Enrolment) -> dict[str, Any]:
    return {"id": enrolment.pk, "person_id": enrolment.person_id, "person": enrolment.person.name,
            "resource_id": enrolment.resource_id, "resource": str(enrolment.resource),
            "session_id": enrolment.session_id, "status": enrolment.status, "reason": enrolment.reason,
            "requested_at": enrolment.requested_at, "waitlisted_at": enrolment.waitlisted_at,
            "attended": enrolment.attended, "completed_on": enrolment.completed_on,
            "status_note": enrolment.status_note}


def sessions_with_counts() -> Any:
    return (Session.objects.select_related("resource", "trainer")
            .annotate(taken=Count("enrolments", filter=Q(enrolments__status__in=PLACE_STATUSES))))


def _require_reader(user: Any) -> None:
    require_role(user, *UserRole.values)


def _enrolment_for(request: HttpRequest, enrolment_id: int) -> Enrolment:
    return get_object_or_404(services.visible_enrolments(request.user), pk=enrolment_id)


# ---------------------------------------------------------------- sessions

@router.get("/training/sessions", response=list[SessionOut])
@paginate(PageNumberPagination, page_size=50)
def list_sessions(request: HttpRequest, filters: Query[SessionFilter]) -> list[dict[str, Any]]:
    """Sessions (the catalogue of dates is not personal: any CompMS role may read it)."""
    _require_reader(request.user)
    sessions = sessions_with_counts()
    if filters.resource_id:
        sessions = sessions.filter(resource_id=filters.resource_id)
    if filters.from_date:
        sessions = sessions.filter(ends_on__gte=filters.from_date)
    if filters.to_date:
        sessions = sessions.filter(starts_on__lte=filters.to_date)
    if filters.status:
        sessions = sessions.filter(status=filters.status)
    return [_session_out(s, s.taken) for s in sessions.order_by("starts_on", "id")]


@router.post("/training/sessions", response={201: SessionOut})
def create_session(request: HttpRequest, payload: SessionIn) -> Status:
    resource = get_object_or_404(Resource, pk=payload.resource_id)
    trainer = get_object_or_404(Person, pk=payload.trainer_id) if payload.trainer_id else None
    session = services.create_session(request.user, resource=resource, starts_on=payload.starts_on,
                                      ends_on=payload.ends_on, capacity=payload.capacity, place=payload.place,
                                      online=payload.online, trainer=trainer, trainer_name=payload.trainer_name,
                                      note=payload.note)
    return Status(201, _session_out(session, 0))


@router.get("/training/sessions/{session_id}", response=SessionDetailOut)
def get_session(request: HttpRequest, session_id: int) -> dict[str, Any]:
    """The session; its enrolments are those you may see (all of them for HR)."""
    _require_reader(request.user)
    session = get_object_or_404(sessions_with_counts(), pk=session_id)
    enrolments = list(services.visible_enrolments(request.user).filter(session=session).order_by("requested_at", "id"))
    return {**_session_out(session, session.taken),
            "enrolments": [_enrolment_out(e) for e in enrolments],
            "waiting_list": [_enrolment_out(e) for e in enrolments if e.status == "waitlisted"]}


@router.patch("/training/sessions/{session_id}", response=SessionOut)
def update_session(request: HttpRequest, session_id: int, payload: SessionPatch) -> dict[str, Any]:
    session = get_object_or_404(Session, pk=session_id)
    changes = payload.dict(exclude_unset=True)
    if "trainer_id" in changes:
        trainer_id = changes.pop("trainer_id")
        changes["trainer"] = get_object_or_404(Person, pk=trainer_id) if trainer_id else None
    session = services.update_session(session, request.user, **changes)
    return _session_out(session)


@router.post("/training/sessions/{session_id}/cancel", response=SessionOut)
def cancel_session(request: HttpRequest, session_id: int, payload: ReasonIn) -> dict[str, Any]:
    session = services.cancel_session(get_object_or_404(Session, pk=session_id), request.user, reason=payload.reason)
    return _session_out(session)


# ---------------------------------------------------------------- enrolments

@router.get("/training/enrolments", response=list[EnrolmentOut])
@paginate(PageNumberPagination, page_size=100)
def list_enrolments(request: HttpRequest, filters: Query[EnrolmentFilter]) -> list[dict[str, Any]]:
    enrolments = services.visible_enrolments(request.user)
    for name in ("person_id", "session_id", "resource_id", "status"):
        value = getattr(filters, name)
        if value:
            enrolments = enrolments.filter(**{name: value})
    return [_enrolment_out(e) for e in enrolments.order_by("requested_at", "id")]


@router.post("/training/enrolments", response={201: EnrolmentOut})
def request_enrolment(request: HttpRequest, payload: EnrolmentIn) -> Status:
    if payload.person_id is None:
        person = person_of(request.user)
        if person is None:
            raise ValidationError({"person_id": "Your log-in has no employee record; name the person."})
    else:
        person = get_object_or_404(visible_people(request.user), pk=payload.person_id)
    session = get_object_or_404(Session, pk=payload.session_id) if payload.session_id else None
    resource = get_object_or_404(Resource, pk=payload.resource_id) if payload.resource_id else None
    enrolment = services.request_enrolment(request.user, person=person, session=session, resource=resource,
                                           reason=payload.reason, plan_action=payload.plan_action_id)
    return Status(201, _enrolment_out(enrolment))


@router.get("/training/enrolments/{enrolment_id}", response=EnrolmentOut)
def get_enrolment(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    return _enrolment_out(_enrolment_for(request, enrolment_id))


@router.post("/training/enrolments/{enrolment_id}/approve", response=EnrolmentOut)
def approve(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    return _enrolment_out(services.approve_enrolment(_enrolment_for(request, enrolment_id), request.user))


@router.post("/training/enrolments/{enrolment_id}/reject", response=EnrolmentOut)
def reject(request: HttpRequest, enrolment_id: int, payload: ReasonIn) -> dict[str, Any]:
    return _enrolment_out(services.reject_enrolment(_enrolment_for(request, enrolment_id), request.user,
                                                    reason=payload.reason))


@router.post("/training/enrolments/{enrolment_id}/withdraw", response=EnrolmentOut)
def withdraw(request: HttpRequest, enrolment_id: int, payload: ReasonIn) -> dict[str, Any]:
    return _enrolment_out(services.withdraw_enrolment(_enrolment_for(request, enrolment_id), request.user,
                                                      reason=payload.reason))


@router.post("/training/enrolments/{enrolment_id}/attendance", response=EnrolmentOut)
def attendance(request: HttpRequest, enrolment_id: int, payload: AttendanceIn) -> dict[str, Any]:
    return _enrolment_out(services.record_attendance(_enrolment_for(request, enrolment_id), request.user,
                                                     attended=payload.attended))


@router.post("/training/enrolments/{enrolment_id}/complete", response=EnrolmentOut)
def complete(request: HttpRequest, enrolment_id: int, payload: CompleteIn) -> dict[str, Any]:
    return _enrolment_out(services.complete_enrolment(_enrolment_for(request, enrolment_id), request.user,
                                                      passed=payload.passed, completed_on=payload.completed_on,
                                                      note=payload.note))


@router.post("/training/enrolments/{enrolment_id}/schedule", response=EnrolmentOut)
def schedule(request: HttpRequest, enrolment_id: int, payload: ScheduleIn) -> dict[str, Any]:
    session = get_object_or_404(Session, pk=payload.session_id)
    return _enrolment_out(services.schedule_enrolment(_enrolment_for(request, enrolment_id), request.user,
                                                      session=session))


# ---------------------------------------------------------------- mandatory training

def _mandatory_out(rule: MandatoryTraining) -> dict[str, Any]:
    return {"id": rule.pk, "role_id": rule.role_id, "role": rule.role.name, "resource_id": rule.resource_id,
            "resource": str(rule.resource), "recurrence_months": rule.recurrence_months,
            "due_within_days": rule.due_within_days}


@router.get("/training/mandatory", response=list[MandatoryOut])
def list_mandatory(request: HttpRequest) -> list[dict[str, Any]]:
    _require_reader(request.user)
    return [_mandatory_out(r) for r in MandatoryTraining.objects.select_related("role", "resource")]


@router.post("/training/mandatory", response={201: MandatoryOut})
def set_mandatory(request: HttpRequest, payload: MandatoryIn) -> Status:
    rule = services.set_mandatory_training(request.user, role=get_object_or_404(Role, pk=payload.role_id),
                                           resource=get_object_or_404(Resource, pk=payload.resource_id),
                                           recurrence_months=payload.recurrence_months,
                                           due_within_days=payload.due_within_days)
    return Status(201, _mandatory_out(rule))


@router.delete("/training/mandatory/{int:rule_id}", response={204: None})
def remove_mandatory(request: HttpRequest, rule_id: int) -> Status:
    services.remove_mandatory_training(get_object_or_404(MandatoryTraining, pk=rule_id), request.user)
    return Status(204, None)


@router.get("/training/mandatory/status", response=list[MandatoryStatusOut])
def mandatory_status(request: HttpRequest, unit_id: int | None = None, person_id: int | None = None,
                     only_due: bool = False) -> list[dict[str, Any]]:
    """Who is due or overdue: among the people you may see, in a unit (and below) or one person."""
    people = visible_people(request.user)
    if unit_id is not None:
        unit = get_object_or_404(Unit, pk=unit_id)
        people = people.filter(unit__path__startswith=unit.path)
    if person_id is not None:
        person = get_object_or_404(Person, pk=person_id)
        require_person_visible(request.user, person)
        people = people.filter(pk=person.pk)
    rows = services.mandatory_status(people.filter(active=True))
    return [{"person_id": r.person_id, "employee_id": r.employee_id, "person": r.person_name, "role": r.role,
             "resource_id": r.resource_id, "resource": r.resource_title, "status": r.status, "due_on": r.due_on,
             "last_completed_on": r.last_completed_on, "valid_until": r.valid_until}
            for r in rows if not only_due or r.status != "ok"]


# ---------------------------------------------------------------- xAPI

@router.get("/training/xapi/activities", response=list[ActivityOut])
def list_activities(request: HttpRequest) -> list[dict[str, Any]]:
    services.require_training_admin(request.user)
    return [{"id": a.pk, "activity_id": a.activity_id, "resource_id": a.resource_id, "resource": str(a.resource)}
            for a in XapiActivity.objects.select_related("resource")]


@router.post("/training/xapi/activities", response={201: ActivityOut})
def map_activity(request: HttpRequest, payload: ActivityIn) -> Status:
    resource = get_object_or_404(Resource, pk=payload.resource_id)
    mapping = services.map_xapi_activity(request.user, activity_id=payload.activity_id, resource=resource)
    return Status(201, {"id": mapping.pk, "activity_id": mapping.activity_id, "resource_id": resource.pk,
                        "resource": str(resource)})


@router.delete("/training/xapi/activities/{mapping_id}", response={204: None})
def unmap_activity(request: HttpRequest, mapping_id: int) -> Status:
    services.unmap_xapi_activity(get_object_or_404(XapiActivity, pk=mapping_id), request.user)
    return Status(204, None)


def _xapi_error(status: int, message: str) -> HttpResponse:
    return HttpResponse(json.dumps({"detail": message}), status=status, content_type="application/json")


def _store(request: HttpRequest, statement_id: str | None) -> HttpResponse | list[str]:
    services.require_xapi_sender(request.user)
    if request.content_type.startswith("multipart/form-data"):
        # A form post (its parts were already read as form fields): statements come as a JSON body.
        return _xapi_error(400, "send the statements as a JSON body (application/json), not as a form")
    try:
        body = xapi.parse_body(request.body)
    except xapi.XapiInvalid as error:
        return _xapi_error(400, f"request body: {error}")
    statements = body if isinstance(body, list) else [body]
    if statement_id is not None:
        if isinstance(body, list):
            return _xapi_error(400, "PUT takes one statement, not a list")
        if not xapi.is_uuid(statement_id):
            return _xapi_error(400, f"statementId: {statement_id!r} is not a UUID")
    try:
        outcome = services.store_statements(request.user, statements, statement_id=statement_id)
    except ValidationError as error:
        return _xapi_error(400, " ".join(error.messages))
    except services.Conflict as error:
        return _xapi_error(409, str(error))
    return outcome.ids


@router.post("/xapi/statements", response=list[str], tags=["xAPI"])
def post_statements(request: HttpRequest) -> Any:
    """Store one xAPI 1.0.3 statement or a list (all or nothing); returns their ids in order. A
    statement already stored with the same id and content is accepted again without any effect."""
    return _store(request, None)


@router.put("/xapi/statements", response={204: None}, tags=["xAPI"])
def put_statement(request: HttpRequest, statementId: str) -> Any:  # noqa: N803 - the spec's parameter name
    result = _store(request, statementId)
    return result if isinstance(result, HttpResponse) else Status(204, None)


@router.get("/xapi/statements", tags=["xAPI"])
def get_statement(request: HttpRequest, statementId: str) -> Any:  # noqa: N803
    """One stored statement, exactly as received (with its id)."""
    services.require_xapi_sender(request.user)
    if not xapi.is_uuid(statementId):
        return _xapi_error(400, f"statementId: {statementId!r} is not a UUID")
    return get_object_or_404(XapiStatement, statement_id=statementId).raw
