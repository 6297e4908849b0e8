"""Development pages: the learning catalogue, a person's development plan ("My development" for
oneself), a manager's team plans, HR's training optimiser and the commissions.

Thin: reads here are small set-based queries; every write goes through
`compms.development.services`. A person the viewer may not see is 404, as on the organisation and
evidence pages (a 403 would confirm the employee id exists).
"""

from __future__ import annotations

import math
import uuid as uuid_module
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from compms.access import has_role, person_of
from compms.access.development import (
    can_see_team_plans,
    plan_people,
    require_training_planner,
    team_people,
)
from compms.access.people import require_organisation_reader
from compms.accounts.models import Role as AccessRole
from compms.development import services
from compms.development.models import Commission, DevelopmentNeed, DevelopmentPlan, PlanAction, Resource
from compms.development.optimise import plan_training
from compms.frameworks.models import Competency, FrameworkVersion
from compms.organisation.models import Person, Unit
from compms.site import uploads

PER_PAGE = 50
OPTIMISER_RESULT_SECONDS = 3600
OPTIMISER_ROWS_SHOWN = 200


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


# ---------------------------------------------------------------- catalogue

@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    require_organisation_reader(request.user)
    rows = Resource.objects.filter(active=True)
    kind, query = request.GET.get("kind", ""), request.GET.get("q", "").strip()
    if kind:
        rows = rows.filter(kind=kind)
    if query:
        rows = rows.filter(title__icontains=query)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "development/catalogue.html", {"page": page, "kinds": Resource.Kind.choices,
                                                          "kind": kind, "q": query,
                                                          "is_hr": has_role(request.user, AccessRole.HR)})


@login_required
@require_http_methods(["GET", "POST"])
def resource_detail(request: HttpRequest, resource_id: str) -> HttpResponse:
    require_organisation_reader(request.user)
    resource = get_object_or_404(Resource, resource_id=resource_id)
    may_edit = services.can_edit_catalogue(request.user)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only HR and administrators may change the learning catalogue.")
        uploaded = request.FILES.get("file")
        if uploaded is None:
            messages.error(request, "Choose a file to upload.")
        else:
            try:
                services.attach_resource_file(resource, request.user, uploaded)
                messages.success(request, f"Uploaded {resource.file.name.rsplit('/', 1)[-1]}.")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return redirect("development:resource", resource_id=resource.resource_id)
    return render(request, "development/resource.html", {
        "resource": resource, "outcomes": resource.outcomes.select_related("competency"), "may_edit": may_edit,
        "file_name": resource.file.name.rsplit("/", 1)[-1] if resource.file else ""})


@login_required
def resource_file(request: HttpRequest, resource_id: str) -> FileResponse:
    require_organisation_reader(request.user)
    resource = get_object_or_404(Resource, resource_id=resource_id)
    if not resource.file:
        raise Http404("This resource has no file.")
    # Always a download with a checked type and a sandbox, never a page of this site.
    return uploads.file_response(resource.file.open("rb"), resource.file.name.rsplit("/", 1)[-1])


# ---------------------------------------------------------------- a person's plan

@login_required
def my_plan(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    if me is None:
        return render(request, "development/no_person.html", status=404)
    return plan_page(request, me.employee_id)


def _goal_competencies() -> list[Competency]:
    return list(Competency.objects.filter(version__status=FrameworkVersion.Status.PUBLISHED)
                .select_related("version__framework").order_by("code")[:500])


@login_required
@require_http_methods(["GET", "POST"])
def plan_page(request: HttpRequest, employee_id: str) -> HttpResponse:
    person = get_object_or_404(plan_people(request.user).select_related("unit"), employee_id=employee_id)
    me = person_of(request.user)
    if request.method == "POST":
        return _plan_post(request, person)
    plan = DevelopmentPlan.objects.filter(person=person).select_related("approved_by").first()
    needs = list(DevelopmentNeed.objects.filter(person=person).select_related("competency"))
    progress = services.need_progress(needs)
    actions = list(plan.actions.select_related("resource", "mentor", "need__competency")) if plan else []
    gaps = services.person_gap_rows(person)
    open_need_uuids = {n.competency_uuid for n in needs if n.status == DevelopmentNeed.Status.OPEN}
    achieved = sum(1 for n in needs if progress[n.pk].achieved)
    done = sum(1 for a in actions if a.status == PlanAction.Status.DONE)
    is_me = me is not None and me.pk == person.pk
    return render(request, "development/plan.html", {
        "person": person, "plan": plan, "is_me": is_me,
        "mentor_preference": services.mentor_preference(person) if is_me else None,
        "needs": [(n, progress[n.pk]) for n in needs], "actions": actions, "gaps": gaps,
        "gaps_without_need": [g for g in gaps if g.competency_uuid not in open_need_uuids],
        "recommendations": services.recommendations(person, gaps=gaps),
        "mentors": services.mentor_suggestions(person, gaps=gaps, viewer=request.user),
        "may_approve": services.can_approve_plan(request.user, person),
        "progress": {"needs": len(needs), "achieved": achieved, "actions": len(actions), "done": done},
        "competencies": _goal_competencies(), "is_hr": has_role(request.user, AccessRole.HR),
    })


def _plan_post(request: HttpRequest, person: Person) -> HttpResponse:
    action = request.POST.get("action", "")
    post = request.POST
    try:
        if action == "needs_from_gaps":
            made = services.needs_from_gaps(request.user, person)
            messages.success(request, f"{len(made)} development needs made from gaps.")
        elif action == "add_goal":
            competency = get_object_or_404(Competency, pk=post.get("competency") or 0)
            services.add_goal(request.user, person, competency=competency,
                              target_level=int(post.get("target_level") or 0),
                              target_date=post.get("target_date") or None, note=post.get("note", ""))
            messages.success(request, f"Goal added: {competency.code} to level {post.get('target_level')}.")
        elif action == "add_resource":
            resource = get_object_or_404(Resource, resource_id=post.get("resource", ""))
            services.add_action(request.user, person, kind=PlanAction.Kind.RESOURCE, resource=resource)
            messages.success(request, f"{resource.title} added to the plan.")
        elif action == "add_mentor":
            # Only a colleague the viewer may name: the page never confirms anyone else exists.
            mentor = services.suggested_mentor(person, post.get("mentor", ""), viewer=request.user)
            if mentor is None:
                raise Http404("No such person.")
            services.add_action(request.user, person, kind=PlanAction.Kind.MENTOR, mentor=mentor)
            messages.success(request, f"Mentoring by {mentor.name} added to the plan.")
        elif action == "mentor_preference":
            preference = services.set_mentor_preference(request.user, person,
                                                        share_levels=post.get("share_levels") == "on")
            messages.success(request, "Colleagues looking for a mentor now see your levels." if preference.share_levels
                             else "Colleagues looking for a mentor now see your name only.")
        elif action == "add_task":
            services.add_action(request.user, person, kind=PlanAction.Kind.TASK, task=post.get("task", ""))
            messages.success(request, "On-the-job task added to the plan.")
        elif action == "submit":
            services.submit_plan(request.user, person)
            messages.success(request, "Plan submitted for approval.")
        elif action == "approve":
            services.approve_plan(request.user, person)
            messages.success(request, f"Plan of {person.name} approved.")
        elif action == "request_enrolments":
            made = services.request_plan_enrolments(request.user, person)
            messages.success(request, f"{len(made)} enrolment requests sent to training.")
        else:
            messages.error(request, "Unknown action.")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except (ValueError, TypeError):
        messages.error(request, "Check the numbers and dates you entered.")
    except services.TrainingUnavailable as exc:
        messages.error(request, str(exc))
    return redirect("development:person", employee_id=person.employee_id)


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """A manager's reports (direct and indirect) with the state of their plans."""
    if not can_see_team_plans(request.user):
        raise PermissionDenied("The team plans page is for managers.")
    people = team_people(request.user).filter(active=True).select_related("unit").order_by("name")
    page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    ids = [p.pk for p in page]
    plans = {p.person_id: p for p in DevelopmentPlan.objects.filter(person_id__in=ids)}
    open_needs: dict[int, int] = {}
    for person_id in DevelopmentNeed.objects.filter(person_id__in=ids, status="open").values_list("person_id",
                                                                                                flat=True):
        open_needs[person_id] = open_needs.get(person_id, 0) + 1
    actions: dict[int, int] = {}
    for person_id in PlanAction.objects.filter(plan__person_id__in=ids).values_list("plan__person_id", flat=True):
        actions[person_id] = actions.get(person_id, 0) + 1
    rows = [{"person": p, "plan": plans.get(p.pk), "open_needs": open_needs.get(p.pk, 0),
             "actions": actions.get(p.pk, 0)} for p in page]
    return render(request, "development/team.html", {"rows": rows, "page": page,
                                                      "is_hr": has_role(request.user, AccessRole.HR)})


# ---------------------------------------------------------------- optimiser

def _require_hr(request: HttpRequest) -> None:
    require_training_planner(request.user)


@login_required
@require_http_methods(["GET", "POST"])
def optimiser(request: HttpRequest) -> HttpResponse:
    _require_hr(request)
    form = {"unit": request.POST.get("unit", ""), "budget": request.POST.get("budget", ""),
            "hours": request.POST.get("hours", "")}
    report = None
    token = ""
    errors: list[str] = []
    if request.method == "POST":
        unit_pk = None
        if form["unit"].strip():
            unit = Unit.objects.filter(external_id=form["unit"].strip()).first()
            if unit is None:
                errors.append(f"No unit with id {form['unit'].strip()!r}.")
            else:
                unit_pk = unit.pk
        try:
            budget = float(Decimal(form["budget"]))
            hours = float(Decimal(form["hours"])) if form["hours"].strip() else None
        except (InvalidOperation, ValueError):
            errors.append("Budget and hours must be numbers.")
            budget, hours = 0.0, None
        if not errors and not (math.isfinite(budget) and budget >= 0):
            errors.append("Budget: give a number of zero or more.")
        if not errors and hours is not None and not (math.isfinite(hours) and hours >= 0):
            errors.append("Hours per person: give a number of zero or more.")
        if not errors:
            try:
                report = plan_training(unit_pk=unit_pk, budget=budget, hours_per_person=hours,
                                       scope_label=form["unit"].strip() or "organisation")
            except ValueError as exc:
                errors.append(str(exc))
        if report is not None:
            token = uuid_module.uuid4().hex
            cache.set(f"development-optimiser-{token}", {
                "user": request.user.pk, "pairs": [(e.person_id, e.resource_id) for e in report.enrolments]},
                OPTIMISER_RESULT_SECONDS)
    return render(request, "development/optimiser.html", {
        "form": form, "report": report, "token": token, "errors": errors,
        "shown": report.enrolments[:OPTIMISER_ROWS_SHOWN] if report else [],
        "units": Unit.objects.order_by("path").values_list("external_id", "name")[:300]})


@login_required
@require_POST
def optimiser_accept(request: HttpRequest) -> HttpResponse:
    _require_hr(request)
    stored = cache.get(f"development-optimiser-{request.POST.get('token', '')}")
    if not stored or stored["user"] != request.user.pk:
        messages.error(request, "That plan is no longer available; run the optimiser again.")
        return redirect("development:optimiser")
    try:
        requested = services.accept_optimised_plan(request.user, [tuple(p) for p in stored["pairs"]])
    except services.TrainingUnavailable as exc:
        messages.error(request, f"{exc} The plan was not accepted.")
        return redirect("development:optimiser")
    except ValidationError as exc:
        messages.error(request, f"The plan was not accepted: {_errors(exc)}")
        return redirect("development:optimiser")
    cache.delete(f"development-optimiser-{request.POST.get('token', '')}")
    messages.success(request, f"Plan accepted: {len(requested)} enrolment requests sent to training.")
    return redirect("development:optimiser")


# ---------------------------------------------------------------- commissions

def _require_commissions(request: HttpRequest) -> None:
    if not services.can_manage_commissions(request.user):
        raise PermissionDenied("Commissions are for HR and administrators.")


@login_required
def commissions(request: HttpRequest) -> HttpResponse:
    _require_commissions(request)
    rows = Commission.objects.select_related("resource", "competency")
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "development/commissions.html", {"page": page, "statuses": Commission.Status.choices,
                                                            "status": status})


@login_required
@require_POST
def commissions_raise(request: HttpRequest) -> HttpResponse:
    _require_commissions(request)
    raised = services.raise_commissions(request.user)
    messages.success(request, f"{len(raised)} commissions raised." if raised else
                     "Nothing to commission: the catalogue and the sessions cover every open need.")
    return redirect("development:commissions")


@login_required
@require_http_methods(["GET", "POST"])
def commission_detail(request: HttpRequest, commission_id: int) -> HttpResponse:
    _require_commissions(request)
    commission = get_object_or_404(Commission.objects.select_related("resource", "competency", "created_by"),
                                   pk=commission_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "move":
                services.move_commission(commission, request.user, request.POST.get("status", ""),
                                         note=request.POST.get("note", ""))
                messages.success(request, "Commission updated.")
            elif request.POST.get("action") == "link":
                code = request.POST.get("resource", "").strip()
                resource = get_object_or_404(Resource, resource_id=code) if code else None
                sessions = [int(s) for s in request.POST.get("sessions", "").replace(",", " ").split() if s.isdecimal()]
                services.link_commission(commission, request.user, resource=resource, session_ids=sessions)
                messages.success(request, "Linked.")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        return redirect("development:commission", commission_id=commission.pk)
    sessions: list[Any] = []
    session_model = services.training_model("Session")
    if session_model is not None and commission.session_ids:
        sessions = list(session_model.objects.filter(pk__in=commission.session_ids))
    needs = commission.needs.select_related("person", "competency").order_by("person__name")[:200]
    return render(request, "development/commission.html", {
        "commission": commission, "moves": [(m, Commission.Status(m).label)
                                            for m in services.allowed_commission_moves(commission)],
        "needs": needs, "need_count": commission.needs.count(), "sessions": sessions,
        "back": reverse("development:commissions")})
