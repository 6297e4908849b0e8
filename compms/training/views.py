"""Training pages: sessions (list and calendar per resource), a session with its enrolments and
waiting list, the enrolment actions, my training, and due mandatory training. Every action posts
to a thin view that calls compms.training.services; controls show only to those who may use them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from compms.access import person_of, require_role
from compms.access.people import visible_people
from compms.access.training import is_training_admin
from compms.accounts.models import Role as UserRole
from compms.accounts.security import safe_next_url
from compms.development.models import Resource
from compms.organisation.models import Person, Unit
from compms.training import services
from compms.training.api import sessions_with_counts
from compms.training.models import Completion, Enrolment, Session


def _reader(request: HttpRequest) -> None:
    require_role(request.user, *UserRole.values)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(" ".join(messages_) for messages_ in error.message_dict.values())
    return " ".join(error.messages)


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def index(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions, optionally for one resource, grouped by month (a simple calendar)."""
    _reader(request)
    resources = list(Resource.objects.filter(active=True).order_by("title"))
    resource_id = request.GET.get("resource")
    sessions = sessions_with_counts().filter(ends_on__gte=services.today()).order_by("starts_on", "id")
    chosen = None
    if resource_id and resource_id.isdecimal():
        chosen = next((r for r in resources if r.pk == int(resource_id)), None)
        sessions = sessions.filter(resource_id=int(resource_id))
    months: dict[str, list[Session]] = {}
    for session in sessions[:500]:
        session.free = max(0, session.capacity - session.taken)
        months.setdefault(session.starts_on.strftime("%B %Y"), []).append(session)
    can_manage = is_training_admin(request.user)
    return render(request, "training/index.html", {
        "months": months, "resources": resources, "chosen": chosen, "can_manage": can_manage,
        "today": services.today(),
    })


@require_POST
def create_session(request: HttpRequest) -> HttpResponse:
    resource = get_object_or_404(Resource, pk=request.POST.get("resource") or 0)
    try:
        capacity = int(request.POST.get("capacity") or 0)
        session = services.create_session(
            request.user, resource=resource, starts_on=_parse_date(request.POST.get("starts_on")),
            ends_on=_parse_date(request.POST.get("ends_on")), capacity=capacity,
            place=request.POST.get("place", ""), online=bool(request.POST.get("online")),
            trainer_name=request.POST.get("trainer_name", ""))
    except (ValidationError, ValueError) as error:
        messages.error(request, _error_text(error) if isinstance(error, ValidationError) else "Capacity is a number.")
        return HttpResponseRedirect(reverse("training:index"))
    messages.success(request, f"Session of {resource.title} on {session.starts_on} created.")
    return HttpResponseRedirect(reverse("training:session", args=[session.pk]))


def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    _reader(request)
    session = get_object_or_404(sessions_with_counts(), pk=session_id)
    enrolments = list(services.visible_enrolments(request.user).filter(session=session).order_by("requested_at", "id"))
    me = person_of(request.user)
    rows = []
    for enrolment in enrolments:
        rows.append({
            "enrolment": enrolment,
            "can_decide": enrolment.status == "requested" and services.may_decide(request.user, enrolment),
            "can_withdraw": enrolment.is_open and services.may_act_for(request.user, enrolment.person),
            "can_record": enrolment.status == "enrolled" and services.may_record_outcome(request.user, session),
        })
    mine_open = me is not None and any(e.person_id == me.pk and e.is_open for e in enrolments)
    return render(request, "training/session.html", {
        "session": session, "rows": rows, "free": max(0, session.capacity - session.taken),
        "waiting": [e for e in enrolments if e.status == "waitlisted"],
        "can_request": me is not None and not mine_open and session.status == "scheduled"
        and session.starts_on >= services.today(),
        "can_manage": is_training_admin(request.user), "today": services.today(),
    })


@require_POST
def enrol(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=session_id)
    me = person_of(request.user)
    if me is None:
        raise PermissionDenied("Your log-in has no employee record.")
    try:
        services.request_enrolment(request.user, person=me, session=session, reason=request.POST.get("reason", ""))
        messages.success(request, "Your request was sent to your manager for approval.")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return HttpResponseRedirect(reverse("training:session", args=[session.pk]))


ACTIONS = ("approve", "reject", "withdraw", "attended", "no_show", "complete", "fail")


@require_POST
def enrolment_action(request: HttpRequest, enrolment_id: int, action: str) -> HttpResponse:
    enrolment = get_object_or_404(services.visible_enrolments(request.user), pk=enrolment_id)
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            enrolment = services.approve_enrolment(enrolment, request.user)
        elif action == "reject":
            enrolment = services.reject_enrolment(enrolment, request.user, reason=reason)
        elif action == "withdraw":
            enrolment = services.withdraw_enrolment(enrolment, request.user, reason=reason)
        elif action in ("attended", "no_show"):
            enrolment = services.record_attendance(enrolment, request.user, attended=action == "attended")
        elif action in ("complete", "fail"):
            enrolment = services.complete_enrolment(enrolment, request.user, passed=action == "complete",
                                                    completed_on=_parse_date(request.POST.get("completed_on")))
        else:
            raise PermissionDenied("Unknown action.")
        messages.success(request, f"{enrolment.person.name}: {enrolment.get_status_display().lower()}.")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    fallback = reverse("training:session", args=[enrolment.session_id]) if enrolment.session_id \
        else reverse("training:mine")
    # A path check alone let //evil.example through: only a target on this site is followed.
    return HttpResponseRedirect(safe_next_url(request, request.POST.get("next"), fallback))


def my_training(request: HttpRequest) -> HttpResponse:
    """My enrolments, my completions, my mandatory training, and (managers) requests waiting for me."""
    me = person_of(request.user)
    enrolments = list(Enrolment.objects.filter(person=me).select_related("resource", "session")
                      .order_by("-requested_at")) if me else []
    completions = list(Completion.objects.filter(person=me).select_related("resource")) if me else []
    mandatory = services.mandatory_status(Person.objects.filter(pk=me.pk)) if me else []
    to_decide = []
    if request.user.has_role(UserRole.MANAGER, UserRole.HR):
        to_decide = [e for e in services.visible_enrolments(request.user).filter(status="requested")
                     .exclude(person=me).order_by("requested_at")[:200]
                     if services.may_decide(request.user, e)]
    return render(request, "training/mine.html", {"me": me, "enrolments": enrolments, "completions": completions,
                                                  "mandatory": mandatory, "to_decide": to_decide})


def mandatory_page(request: HttpRequest) -> HttpResponse:
    """Who is due or overdue for mandatory training, per unit, among the people you may see."""
    _reader(request)
    people = visible_people(request.user).filter(active=True)
    units = list(Unit.objects.filter(pk__in=people.values("unit_id")).order_by("path")) \
        if not is_training_admin(request.user) else list(Unit.objects.order_by("path")[:2000])
    unit_id = request.GET.get("unit")
    unit = next((u for u in units if str(u.pk) == unit_id), None)
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    rows = services.mandatory_status(people)
    show_all = request.GET.get("all") == "1"
    shown = rows if show_all else [r for r in rows if r.status != "ok"]
    counts: dict[str, int] = {"ok": 0, "due": 0, "overdue": 0}
    for row in rows:
        counts[row.status] += 1
    return render(request, "training/mandatory.html", {"rows": shown, "units": units, "unit": unit,
                                                       "counts": counts, "show_all": show_all})
