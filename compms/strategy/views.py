"""Strategy pages: objectives with their targets' supply, demand, gap, pipeline and coverage over time
(with CSV/XLSX export), and scenarios with their editor and the side-by-side comparison with today.

Views stay thin: reads go through `analysis`, writes through `services`, access through `access`.
Everyone who may read strategy sees the same figures; only HR and administrators get edit controls.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compms.gaps.svg import Series, line_chart
from compms.interop.base import TABLE_CONTENT_TYPES, write_table
from compms.organisation.forms import EditorChoices, add_service_errors
from compms.organisation.models import Context
from compms.strategy import access, analysis, services
from compms.strategy.forms import ChangeForm, NewTargetForm, ObjectiveForm, ScenarioForm, TargetForm
from compms.strategy.models import Objective, Scenario, ScenarioChange, Target


def reader_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_strategy_reader(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def editor_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only, HR and administrators only (403 for anyone else)."""

    @wraps(view)
    @require_POST
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_edit_strategy(request.user):
            raise PermissionDenied("Only HR and administrators may change objectives, targets and scenarios.")
        return view(request, *args, **kwargs)

    return wrapped


def coverage_chart(line: analysis.TargetReport) -> SafeString:
    """Supply at each point against the target's headcount, with the gaps app's line chart."""
    supply = [value for _, value in line.coverage]
    # A ceiling divisible by 4 keeps the chart's five grid lines on whole numbers of people.
    ceiling = max(4, -(-max([*supply, line.headcount]) // 4) * 4)
    chart = line_chart(
        [f"{day.day} {day:%b %Y}" for day, _ in line.coverage],
        [Series(f"People at level {line.level}+", supply), Series(f"Demand ({line.headcount})",
                                                                  [line.headcount] * len(supply), dashed=True)],
        f"Coverage of {line.competency} at level {line.level} or above, {line.scope}, "
        f"until {line.due_date.isoformat()}",
        y_max=ceiling, y_format=lambda value: f"{value:g}", label_every=max(1, -(-len(supply) // 12)))
    return mark_safe(chart)  # line_chart escapes every text it draws


def _service_error(form: django_forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    add_service_errors(form, exc, aliases)


# ---------------------------------------------------------------- objectives

@require_http_methods(["GET", "POST"])
@reader_view
def index(request: HttpRequest) -> HttpResponse:
    can_edit = access.can_edit_strategy(request.user)
    form = ObjectiveForm(prefix="new") if can_edit else None
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only HR and administrators may create objectives.")
        form = ObjectiveForm(request.POST, prefix="new")
        if form.is_valid():
            try:
                objective = services.create_objective(request.user, **form.cleaned_data)
            except ValidationError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, f"Objective {objective.code} created. Add its targets below.")
                return redirect("strategy:objective", pk=objective.pk)
        status = 400
    objectives = Objective.objects.select_related("owner").annotate(target_count=Count("targets"))
    return render(request, "strategy/index.html", {
        "objectives": objectives, "form": form, "can_edit": can_edit,
        "scenario_count": Scenario.objects.count(),
    }, status=status)


def _objective_page(request: HttpRequest, objective: Objective, failed: dict[str, django_forms.Form] | None = None,
                    status: int = 200) -> HttpResponse:
    failed = failed or {}
    can_edit = access.can_edit_strategy(request.user)
    report = analysis.objective_gap(objective)
    targets = {t.pk: t for t in objective.targets.select_related("scope_unit", "context")}
    contexts = list(Context.objects.order_by("code"))
    rows = []
    for line in report.targets:
        target = targets[line.target_id]
        rows.append({
            "line": line,
            "chart": coverage_chart(line),
            "form": (failed.get(f"target-{target.pk}") or TargetForm.for_target(
                target, prefix=f"target{target.pk}", contexts=contexts)) if can_edit else None,
        })
    choices = EditorChoices.load() if can_edit else None
    return render(request, "strategy/objective.html", {
        "objective": objective, "report": report, "rows": rows, "can_edit": can_edit,
        "edit_form": (failed.get("objective") or ObjectiveForm.for_objective(objective, prefix="objective"))
        if can_edit else None,
        "target_form": (failed.get("new-target") or NewTargetForm(prefix="newtarget", choices=choices))
        if can_edit else None,
        "has_frameworks": bool(choices and choices.versions),
    }, status=status)


@require_GET
@reader_view
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective.objects.select_related("owner"), pk=pk)
    return _objective_page(request, objective)


@editor_action
def objective_update(request: HttpRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=pk)
    form = ObjectiveForm(request.POST, prefix="objective")
    if form.is_valid():
        try:
            services.update_objective(objective, request.user, **form.cleaned_data)
        except ValidationError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, "Objective saved.")
            return redirect("strategy:objective", pk=pk)
    return _objective_page(request, objective, {"objective": form}, status=400)


@editor_action
def objective_delete(request: HttpRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=pk)
    services.delete_objective(objective, request.user)
    messages.success(request, f"Objective {objective.code} deleted.")
    return redirect("strategy:index")


@editor_action
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=pk)
    form = NewTargetForm(request.POST, prefix="newtarget")
    if form.is_valid() and form.competency is not None:
        try:
            services.add_target(objective, request.user, competency=form.competency, **form.target_fields())
        except ValidationError as exc:
            _service_error(form, exc, {"competency": "code", "scope_unit": "scope"})
        else:
            messages.success(request, "Target added.")
            return redirect(reverse("strategy:objective", kwargs={"pk": pk}) + "#targets")
    return _objective_page(request, objective, {"new-target": form}, status=400)


@editor_action
def target_update(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Target.objects.select_related("objective"), pk=pk)
    form = TargetForm(request.POST, prefix=f"target{target.pk}")
    if form.is_valid():
        try:
            services.update_target(target, request.user, **form.target_fields())
        except ValidationError as exc:
            _service_error(form, exc, {"scope_unit": "scope"})
        else:
            messages.success(request, "Target saved.")
            return redirect(reverse("strategy:objective", kwargs={"pk": target.objective_id}) + f"#target-{pk}")
    return _objective_page(request, target.objective, {f"target-{target.pk}": form}, status=400)


@editor_action
def target_remove(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Target, pk=pk)
    services.remove_target(target, request.user)
    messages.success(request, "Target removed.")
    return redirect(reverse("strategy:objective", kwargs={"pk": target.objective_id}) + "#targets")


@require_GET
@reader_view
def objective_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in TABLE_CONTENT_TYPES:
        raise Http404("Export as csv or xlsx.")
    objective = get_object_or_404(Objective, pk=pk)
    report = analysis.objective_gap(objective)
    response = HttpResponse(write_table(analysis.EXPORT_COLUMNS, analysis.export_rows(report), fmt),
                            content_type=TABLE_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (f'attachment; filename="strategy-{objective.code}-'
                                       f'{report.as_of.isoformat()}.{fmt}"')
    return response


# ---------------------------------------------------------------- scenarios

@require_http_methods(["GET", "POST"])
@reader_view
def scenarios(request: HttpRequest) -> HttpResponse:
    can_edit = access.can_edit_strategy(request.user)
    form = ScenarioForm(prefix="new") if can_edit else None
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only HR and administrators may create scenarios.")
        form = ScenarioForm(request.POST, prefix="new")
        if form.is_valid():
            try:
                scenario = services.create_scenario(
                    request.user, name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                    objective=form.objective_value(), scope_unit=form.cleaned_data["scope"])
            except ValidationError as exc:
                _service_error(form, exc, {"scope_unit": "scope"})
            else:
                messages.success(request, f"Scenario “{scenario.name}” created. Add its changes below.")
                return redirect("strategy:scenario", pk=scenario.pk)
        status = 400
    listing = Scenario.objects.select_related("objective", "scope_unit", "created_by").annotate(
        change_count=Count("changes"))
    return render(request, "strategy/scenarios.html", {"scenarios": listing, "form": form, "can_edit": can_edit},
                  status=status)


def _scenario_page(request: HttpRequest, scenario: Scenario, failed: dict[str, django_forms.Form] | None = None,
                   status: int = 200) -> HttpResponse:
    failed = failed or {}
    can_edit = access.can_edit_strategy(request.user)
    return render(request, "strategy/scenario.html", {
        "scenario": scenario,
        "changes": list(scenario.changes.select_related("unit", "role")),
        "comparison": analysis.evaluate_scenario(scenario),
        "can_edit": can_edit,
        "edit_form": (failed.get("scenario") or ScenarioForm.for_scenario(scenario, prefix="scenario"))
        if can_edit else None,
        "change_form": (failed.get("change") or ChangeForm(prefix="change")) if can_edit else None,
    }, status=status)


def _scenario(pk: int) -> Scenario:
    return get_object_or_404(Scenario.objects.select_related("objective", "scope_unit", "created_by"), pk=pk)


@require_GET
@reader_view
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _scenario_page(request, _scenario(pk))


@editor_action
def scenario_update(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(pk)
    form = ScenarioForm(request.POST, prefix="scenario")
    if form.is_valid():
        try:
            services.update_scenario(scenario, request.user, name=form.cleaned_data["name"],
                                     description=form.cleaned_data["description"],
                                     objective=form.objective_value(), scope_unit=form.cleaned_data["scope"])
        except ValidationError as exc:
            _service_error(form, exc, {"scope_unit": "scope"})
        else:
            messages.success(request, "Scenario saved.")
            return redirect("strategy:scenario", pk=pk)
    return _scenario_page(request, scenario, {"scenario": form}, status=400)


@editor_action
def scenario_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(pk)
    services.delete_scenario(scenario, request.user)
    messages.success(request, f"Scenario “{scenario.name}” deleted.")
    return redirect("strategy:scenarios")


@editor_action
def change_add(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(pk)
    form = ChangeForm(request.POST, prefix="change")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_scenario_change(scenario, request.user, kind=data["kind"], unit=data["unit"],
                                         role=data["role"], count=data["count"], note=data["note"])
        except ValidationError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, "Change added; the comparison below includes it.")
            return redirect(reverse("strategy:scenario", kwargs={"pk": pk}) + "#comparison")
    return _scenario_page(request, scenario, {"change": form}, status=400)


@editor_action
def change_remove(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ScenarioChange, pk=pk)
    services.remove_scenario_change(change, request.user)
    messages.success(request, "Change removed.")
    return redirect("strategy:scenario", pk=change.scenario_id)
