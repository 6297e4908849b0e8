"""Succession pages: the succession chart (key positions by bench strength), a key position's successors,
the 9-box, a person's career map and their own development page.

Thin: reads through `analysis`/`learning`/`ninebox`, writes through `services`, access through `access`.
Edit controls are shown only to those who may use them.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from compms.access import person_of
from compms.core.readiness import DEFAULT_HOURS_PER_LEVEL, DEFAULT_PACE_HOURS_PER_MONTH, READINESS_LABELS
from compms.gaps.loader import load_snapshot
from compms.organisation.models import Person, Position, Role
from compms.succession import access, analysis, learning, services, svg
from compms.succession.models import KeyPosition, Level
from compms.succession.ninebox import nine_box_people


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in (exc.messages if not hasattr(exc, "error_dict") else
                    [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]):
        messages.error(request, message)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The succession chart: key positions coloured by bench strength, flags and critical competencies."""
    if not access.can_see_succession(request.user):
        me = person_of(request.user)
        if me is None:
            raise PermissionDenied("Succession plans are for HR and managers.")
        return redirect("succession:person", employee_id=me.employee_id)
    keys = list(KeyPosition.objects.select_related("role", "unit", "position__holder"))
    report = analysis.bench_strength(keys, visible=access.visible_indices(request.user, load_snapshot()),
                                     in_scope=access.key_positions_in_scope(request.user, keys))
    can_edit = access.is_hr(request.user)
    return render(request, "succession/index.html", {
        "report": report, "chart": svg.succession_chart(report.positions), "can_edit": can_edit,
        "positions": Position.objects.select_related("role", "unit").filter(key_position__isnull=True)[:500]
        if can_edit else [], "levels": Level.choices})


@login_required
@require_POST
def mark(request: HttpRequest) -> HttpResponse:
    access.require_hr(request.user)
    position = Position.objects.filter(pk=request.POST.get("position") or 0).first()
    try:
        key = services.mark_key_position(request.user, position=position,
                                         risk_of_loss=request.POST.get("risk_of_loss", "medium"),
                                         impact=request.POST.get("impact", "medium"),
                                         note=request.POST.get("note", ""))
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("succession:index")
    messages.success(request, f"{key} is now a key position.")
    return redirect("succession:key_position", pk=key.pk)


@login_required
def key_position(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_succession_reader(request.user)
    key = get_object_or_404(KeyPosition.objects.select_related("role", "unit", "position__holder"), pk=pk)
    visible = access.visible_indices(request.user, load_snapshot())
    in_scope = access.key_positions_in_scope(request.user, [key])
    report = analysis.successors(key, visible=visible, in_scope=in_scope is None or key.pk in in_scope)
    nominees = access.succession_people(request.user).filter(active=True).order_by("name")
    return render(request, "succession/key_position.html", {
        "key": key, "report": report, "nominees": nominees[:500], "readiness_labels": READINESS_LABELS,
        "default_hours": DEFAULT_HOURS_PER_LEVEL, "pace": DEFAULT_PACE_HOURS_PER_MONTH})


@login_required
@require_POST
def nominate(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_succession_reader(request.user)
    key = get_object_or_404(KeyPosition, pk=pk)
    person = _succession_person(request)
    try:
        services.nominate(key, request.user, person=person, note=request.POST.get("note", ""))
        messages.success(request, f"{person.name} nominated.")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("succession:key_position", pk=key.pk)


@login_required
@require_POST
def override(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_succession_reader(request.user)
    key = get_object_or_404(KeyPosition, pk=pk)
    person = _succession_person(request)
    try:
        services.override_readiness(key, request.user, person=person, readiness=request.POST.get("readiness", ""),
                                    reason=request.POST.get("reason", ""),
                                    computed=analysis.computed_readiness(key, person))
        messages.success(request, f"Readiness of {person.name} recorded.")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("succession:key_position", pk=key.pk)


@login_required
def nine_box(request: HttpRequest) -> HttpResponse:
    access.require_succession_reader(request.user)
    people = nine_box_people(request.user)
    return render(request, "succession/nine_box.html", {
        "people": people, "grid": svg.nine_box_grid(people), "can_calibrate": access.is_hr(request.user)})


@login_required
@require_POST
def calibrate(request: HttpRequest) -> HttpResponse:
    access.require_hr(request.user)
    person = get_object_or_404(Person, pk=_int(request.POST.get("person")))
    try:
        services.calibrate(request.user, person=person, performance=int(request.POST.get("performance") or 0),
                           potential=int(request.POST.get("potential") or 0), reason=request.POST.get("reason", ""))
        messages.success(request, f"{person.name} moved.")
    except (ValidationError, ValueError) as exc:
        _errors(request, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
    return redirect("succession:nine_box")


def _visible_person(request: HttpRequest, employee_id: str) -> Person:
    person = Person.objects.filter(employee_id=employee_id).first()
    if person is None or not access.can_see_careers(request.user, person):
        raise Http404("No such person.")
    return person


def _succession_person(request: HttpRequest) -> Person:
    """The person a nomination or override names: one whose succession data the user may change, or 404 (the
    same answer as for nobody, so the page never confirms who exists outside the user's scope)."""
    person = access.succession_people(request.user).filter(pk=_int(request.POST.get("person"))).first()
    if person is None or not access.manages_person(request.user, person):
        raise Http404("No such person.")
    return person


def _int(value: str | None) -> int:
    """A posted id, or 0 (matches nothing) for junk and for numbers no database key can hold."""
    try:
        number = int(value or 0)
    except ValueError:
        return 0
    return number if 0 < number < 2**63 else 0


@login_required
def person(request: HttpRequest, employee_id: str) -> HttpResponse:
    """Careers: the career map, "what do I need for role X", and the person's own learning page."""
    subject = _visible_person(request, employee_id)
    role_id = request.GET.get("role")
    only_role = Role.objects.filter(external_id=role_id).values_list("pk", flat=True).first() if role_id else None
    report = analysis.careers(subject.pk, top=8)
    focus = analysis.careers(subject.pk, top=1, only_role=only_role).options if only_role else []
    page = learning.learning_page(subject)
    is_me = getattr(person_of(request.user), "pk", None) == subject.pk
    return render(request, "succession/person.html", {
        "subject": subject, "report": report, "focus": focus[0] if focus else None,
        "career_map": svg.career_map(subject.name, report.current_roles, report.options),
        "page": page, "history_chart": svg.level_history(page.months, page.history),
        "is_me": is_me, "roles": Role.objects.order_by("name")})


@login_required
@require_POST
def add_goal(request: HttpRequest, employee_id: str) -> HttpResponse:
    subject = _visible_person(request, employee_id)
    try:
        competency = learning.resolve_competency(request.POST.get("framework", ""), request.POST.get("competency", ""))
        target_date = request.POST.get("target_date") or None
        services.set_goal(request.user, person=subject, competency=competency,
                          target_level=int(request.POST.get("target_level") or 0),
                          target_date=dt.date.fromisoformat(target_date) if target_date else None,
                          note=request.POST.get("note", ""))
        messages.success(request, "Goal added.")
    except (ValidationError, ValueError) as exc:
        _errors(request, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
    return redirect("succession:person", employee_id=subject.employee_id)
