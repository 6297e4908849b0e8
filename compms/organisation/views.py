"""Organisation pages: the unit tree and people search, person pages, job roles with their DACUM
charts and requirement profiles, the role editor, job descriptions and file import/export.

Views stay thin: reads go through `pages_queries`, writes through `services`, access through
`access`. A person the viewer may not see answers 404, not 403: a 403 would confirm that the
employee id exists, which is itself personal information.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

from csp.decorators import csp_update
from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compms.access import people as access
from compms.accounts.services import restore_access
from compms.interop.base import (
    ExportFormat,
    ImportFailed,
    ImportFormat,
    ImportResult,
    RowError,
    exporters,
    importers,
)
from compms.organisation import services
from compms.organisation.forms import (
    DutyForm,
    EditorChoices,
    ImportForm,
    NewDutyForm,
    NewRequirementForm,
    NewTaskForm,
    PeopleSearchForm,
    RequirementForm,
    RoleDetailsForm,
    RoleFilterForm,
    RoleForm,
    TaskCompetencyForm,
    TaskForm,
    add_service_errors,
)
from compms.organisation.jobdescription import (
    PdfUnavailable,
    job_description_data,
    render_html,
    render_markdown,
    render_pdf,
)
from compms.organisation.models import Duty, Requirement, Role, Task, TaskCompetency
from compms.organisation.pages_queries import (
    DutyRow,
    ProfileLine,
    TaskCard,
    competency_suggestions,
    dacum_chart,
    person_page,
    requirement_profile,
    role_families,
    role_list,
    search_people,
    tree_steps,
    unit_tree,
)

PEOPLE_PER_PAGE = 50
ROLES_PER_PAGE = 50
# The organisation's own file formats, in the order HR usually loads them.
ORGANISATION_FORMATS = ("units", "roles", "people", "dacum", "requirements")


# ---------------------------------------------------------------- organisation tree and people


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    steps = tree_steps(unit_tree())
    units = {step.node.unit.pk: step.node.unit for step in steps if step.node is not None}
    form = PeopleSearchForm(request.GET or None)
    query, unit, people_page = "", None, None
    if form.is_valid():
        query = form.cleaned_data["q"] or ""
        unit = units.get(form.cleaned_data["unit"])
        if query or unit is not None:
            people = search_people(access.visible_people(request.user), query, unit)
            people_page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "organisation/index.html", {
        "steps": steps,
        "unit_count": len(units),
        "form": form,
        "query": query,
        "selected_unit": unit,
        # Keep the branch down to the chosen unit unfolded.
        "open_ids": {int(part) for part in unit.path.strip("/").split("/") if part} if unit else set(),
        "people_page": people_page,
        "can_import": access.can_edit_organisation(request.user),
    })


@require_GET
def person_detail(request: HttpRequest, employee_id: str) -> HttpResponse:
    visible = access.visible_people(request.user)
    person = visible.select_related("unit", "manager").filter(employee_id=employee_id).first()
    if person is None:
        # Same answer whether the person does not exist or is outside what the viewer may see.
        raise Http404("No such person.")
    return _person_response(request, person, visible)


def _person_response(request: HttpRequest, person: Any, visible: Any, *, status: int = 200,
                     errors: dict[str, list[str]] | None = None) -> HttpResponse:
    return render(request, "organisation/person.html", {
        "page": person_page(person, visible),
        # HR's controls for leaving, returning and giving a log-in back (each service checks again).
        "can_edit_person": access.can_edit_organisation(request.user),
        "access_errors": errors or {},
    }, status=status)


def _person_action(request: HttpRequest, employee_id: str, action: Callable[[Any, Any], str]) -> HttpResponse:
    """Run an HR action on the person page: back to the page with a message, or the page again with the
    refused fields and a 400."""
    if not access.can_edit_organisation(request.user):
        raise PermissionDenied("Only HR and administrators may record leavers and returns.")
    visible = access.visible_people(request.user)
    person = get_object_or_404(visible.select_related("unit", "manager"), employee_id=employee_id)
    try:
        done = action(person, visible)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return _person_response(request, person, visible, status=400, errors=errors)
    messages.success(request, done)
    return redirect("organisation:person", employee_id=employee_id)


@require_POST
def person_leave(request: HttpRequest, employee_id: str) -> HttpResponse:
    def leave(person: Any, visible: Any) -> str:
        successor = None
        successor_id = request.POST.get("successor", "").strip()
        if successor_id:
            successor = visible.filter(employee_id=successor_id).first()
            if successor is None:
                raise ValidationError({"successor": f"No person with employee id {successor_id!r}."})
        left = services.mark_left(person, request.user, left_on=request.POST.get("left_on", ""),
                                  successor=successor)
        return f"{left.name} left on {left.left_on}: their log-in, sessions and API tokens are ended."

    return _person_action(request, employee_id, leave)


@require_POST
def person_return(request: HttpRequest, employee_id: str) -> HttpResponse:
    def come_back(person: Any, _visible: Any) -> str:
        back = services.record_return(person, request.user, start_date=request.POST.get("start_date", ""))
        return f"{back.name} is back from {back.start_date}. Their log-in stays off until you give it back."

    return _person_action(request, employee_id, come_back)


@require_POST
def person_restore_access(request: HttpRequest, employee_id: str) -> HttpResponse:
    def restore(person: Any, _visible: Any) -> str:
        user = restore_access(person, request.user)
        return f"The log-in {user.get_username()} may sign in again."

    return _person_action(request, employee_id, restore)


# ---------------------------------------------------------------- roles (reading)


@require_http_methods(["GET", "POST"])
def roles(request: HttpRequest) -> HttpResponse:
    can_edit = access.can_edit_roles(request.user)
    create_form = RoleForm(prefix="new") if can_edit else None
    status = 200
    if request.method == "POST":
        _require_role_editor(request)
        create_form = RoleForm(request.POST, prefix="new")
        if create_form.is_valid():
            try:
                role = services.create_role(request.user, **create_form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(create_form, exc)
            else:
                messages.success(request, f"Role “{role.name}” created. Add its duties and tasks below.")
                return redirect("organisation:role_editor", external_id=role.external_id)
        status = 400
    families = role_families()
    filters = RoleFilterForm(request.GET or None, families=families)
    query = family = ""
    if filters.is_valid():
        query, family = filters.cleaned_data["q"], filters.cleaned_data["family"]
    page = Paginator(role_list(query, family), ROLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "organisation/role_list.html", {
        "roles_page": page, "filters": filters, "create_form": create_form, "can_edit": can_edit,
        "query": query, "family": family,
    }, status=status)


def _role(external_id: str) -> Role:
    return get_object_or_404(Role, external_id=external_id)


@require_GET
def role_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    role = _role(external_id)
    chart = dacum_chart(role)
    return render(request, "organisation/role_detail.html", {
        "role": role,
        "chart": chart,
        "entries": [RequirementEditor(line, None) for line in requirement_profile(role, chart)],
        "can_edit": access.can_edit_roles(request.user),
    })


# ---------------------------------------------------------------- role editor


def _require_role_editor(request: HttpRequest) -> None:
    if not access.can_edit_roles(request.user):
        raise PermissionDenied("Only HR, competency managers and administrators may change job roles.")


@dataclass
class TaskEditor:
    card: TaskCard
    form: TaskForm
    attach_form: TaskCompetencyForm


@dataclass
class DutyEditor:
    row: DutyRow
    form: DutyForm
    add_task_form: NewTaskForm
    tasks: list[TaskEditor]


@dataclass
class RequirementEditor:
    line: ProfileLine
    form: RequirementForm | None  # None on the read-only role page


def _editor_page(request: HttpRequest, role: Role, failed: dict[str, django_forms.Form] | None = None,
                 status: int = 200) -> HttpResponse:
    """The editor with every form in place; `failed` holds bound forms (by slot key) to show with errors."""
    failed = failed or {}
    choices = EditorChoices.load()
    chart = dacum_chart(role)
    profile = requirement_profile(role, chart)

    def slot(key: str, make: Callable[[], django_forms.Form]) -> Any:
        return failed.get(key) or make()

    duties = []
    for row in chart:
        duty = row.duty
        tasks = [
            TaskEditor(
                card,
                slot(f"task-{card.task.pk}", lambda t=card.task: TaskForm.for_task(t, prefix=f"task{t.pk}")),
                slot(f"attach-{card.task.pk}", lambda t=card.task: TaskCompetencyForm(
                    prefix=f"attach{t.pk}", choices=choices)),
            )
            for card in row.cards
        ]
        duties.append(DutyEditor(
            row,
            slot(f"duty-{duty.pk}", lambda d=duty: DutyForm(
                initial={"title": d.title, "sort_order": d.sort_order}, prefix=f"duty{d.pk}")),
            slot(f"add-task-{duty.pk}", lambda d=duty: NewTaskForm(prefix=f"newtask{d.pk}")),
            tasks,
        ))
    requirements = [
        RequirementEditor(line, slot(f"req-{line.requirement.pk}", lambda r=line.requirement:
                                     RequirementForm.for_requirement(r, prefix=f"req{r.pk}")))
        for line in profile
    ]
    return render(request, "organisation/role_editor.html", {
        "role": role,
        "details_form": slot("details", lambda: RoleDetailsForm.for_role(role, prefix="role")),
        "add_duty_form": slot("add-duty", lambda: NewDutyForm(prefix="newduty")),
        "new_requirement_form": slot("new-requirement", lambda: NewRequirementForm(prefix="newreq",
                                                                                   choices=choices)),
        "duties": duties,
        "entries": requirements,
        "has_frameworks": bool(choices.versions),
    }, status=status)


def role_editor_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Role editor actions: POST only, editors only (403 for anyone else), role looked up by its id."""

    @wraps(view)
    @require_POST
    def wrapped(request: HttpRequest, external_id: str, **kwargs: Any) -> HttpResponse:
        _require_role_editor(request)
        return view(request, _role(external_id), **kwargs)

    return wrapped


def _back_to_editor(role: Role, anchor: str = "") -> HttpResponse:
    url = reverse("organisation:role_editor", kwargs={"external_id": role.external_id})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _run(request: HttpRequest, role: Role, form: django_forms.Form, slot: str, action: Callable[[], Any],
         success: str, anchor: str | Callable[[Any], str] = "",
         aliases: dict[str, str] | None = None) -> HttpResponse:
    """Validate the form, run the service call, then go back to the editor (at `anchor`, or at the
    anchor computed from what the service returned); on any error show the editor again with this
    form's errors beside its fields (400)."""
    if form.is_valid():
        try:
            result = action()
        except ValidationError as exc:
            add_service_errors(form, exc, aliases)
        else:
            messages.success(request, success)
            return _back_to_editor(role, anchor(result) if callable(anchor) else anchor)
    return _editor_page(request, role, failed={slot: form}, status=400)


@require_http_methods(["GET", "POST"])
def role_editor(request: HttpRequest, external_id: str) -> HttpResponse:
    _require_role_editor(request)
    role = _role(external_id)
    if request.method == "GET":
        return _editor_page(request, role)
    form = RoleDetailsForm(request.POST, prefix="role")
    return _run(request, role, form, "details",
                lambda: services.update_role(role, request.user, **form.cleaned_data),
                "Role details saved.", "details")


@role_editor_view
def duty_add(request: HttpRequest, role: Role) -> HttpResponse:
    form = NewDutyForm(request.POST, prefix="newduty")
    return _run(request, role, form, "add-duty",
                lambda: services.add_duty(role, request.user, title=form.cleaned_data["title"]),
                "Duty added.", lambda duty: f"duty-{duty.pk}")


@role_editor_view
def duty_update(request: HttpRequest, role: Role, duty_id: int) -> HttpResponse:
    duty = get_object_or_404(Duty, pk=duty_id, role=role)
    form = DutyForm(request.POST, prefix=f"duty{duty.pk}")
    return _run(request, role, form, f"duty-{duty.pk}",
                lambda: services.update_duty(duty, request.user, title=form.cleaned_data["title"],
                                             sort_order=form.cleaned_data["sort_order"]),
                "Duty saved.", f"duty-{duty.pk}")


@role_editor_view
def duty_delete(request: HttpRequest, role: Role, duty_id: int) -> HttpResponse:
    duty = get_object_or_404(Duty, pk=duty_id, role=role)
    services.delete_duty(duty, request.user)
    messages.success(request, f"Duty “{duty.title}” and its tasks deleted.")
    return _back_to_editor(role, "chart")


@role_editor_view
def task_add(request: HttpRequest, role: Role, duty_id: int) -> HttpResponse:
    duty = get_object_or_404(Duty, pk=duty_id, role=role)
    form = NewTaskForm(request.POST, prefix=f"newtask{duty.pk}")
    return _run(request, role, form, f"add-task-{duty.pk}",
                lambda: services.add_task(duty, request.user, **form.cleaned_data),
                "Task added.", lambda task: f"task-{task.pk}")


@role_editor_view
def task_update(request: HttpRequest, role: Role, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=task_id, duty__role=role)
    form = TaskForm(request.POST, prefix=f"task{task.pk}")
    return _run(request, role, form, f"task-{task.pk}",
                lambda: services.update_task(task, request.user, **form.cleaned_data),
                "Task saved.", f"task-{task.pk}")


@role_editor_view
def task_delete(request: HttpRequest, role: Role, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=task_id, duty__role=role)
    duty_id = task.duty_id
    services.delete_task(task, request.user)
    messages.success(request, f"Task “{task.title}” deleted; the profile was derived again.")
    return _back_to_editor(role, f"duty-{duty_id}")


@role_editor_view
def task_competency_set(request: HttpRequest, role: Role, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=task_id, duty__role=role)
    form = TaskCompetencyForm(request.POST, prefix=f"attach{task.pk}")
    return _run(request, role, form, f"attach-{task.pk}",
                lambda: services.set_task_competency(task, request.user, competency=form.competency,
                                                     level=form.cleaned_data["level"],
                                                     standard=form.cleaned_data["standard"]),
                "Competency attached; the profile was derived again.", f"task-{task.pk}",
                aliases={"competency": "code"})


@role_editor_view
def task_competency_remove(request: HttpRequest, role: Role, link_id: int) -> HttpResponse:
    link = get_object_or_404(TaskCompetency.objects.select_related("competency"), pk=link_id, task__duty__role=role)
    task_id = link.task_id
    services.remove_task_competency(link, request.user)
    messages.success(request, f"{link.competency.code} removed from the task; the profile was derived again.")
    return _back_to_editor(role, f"task-{task_id}")


@role_editor_view
def requirements_derive(request: HttpRequest, role: Role) -> HttpResponse:
    services.derive_requirements(role, request.user)
    messages.success(request, "Profile derived again from the chart.")
    return _back_to_editor(role, "profile")


@role_editor_view
def requirement_add(request: HttpRequest, role: Role) -> HttpResponse:
    form = NewRequirementForm(request.POST, prefix="newreq")
    return _run(request, role, form, "new-requirement",
                lambda: services.set_requirement(role, request.user, competency=form.competency,
                                                 level=form.cleaned_data["level"],
                                                 criticality=form.cleaned_data["criticality"],
                                                 context=form.context_value(), note=form.cleaned_data["note"]),
                "Requirement added by hand.", "profile", aliases={"competency": "code"})


@role_editor_view
def requirement_update(request: HttpRequest, role: Role, requirement_id: int) -> HttpResponse:
    requirement = get_object_or_404(Requirement.objects.select_related("competency", "context"),
                                    pk=requirement_id, role=role)
    form = RequirementForm(request.POST, prefix=f"req{requirement.pk}")
    return _run(request, role, form, f"req-{requirement.pk}",
                lambda: services.set_requirement(role, request.user, competency=requirement.competency,
                                                 level=form.cleaned_data["level"],
                                                 criticality=form.cleaned_data["criticality"],
                                                 context=requirement.context, note=form.cleaned_data["note"]),
                f"Requirement {requirement.competency.code} changed by hand.", f"req-{requirement.pk}")


@role_editor_view
def requirement_reset(request: HttpRequest, role: Role, requirement_id: int) -> HttpResponse:
    requirement = get_object_or_404(Requirement.objects.select_related("competency"), pk=requirement_id, role=role)
    try:
        services.reset_requirement_to_derived(requirement, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Requirement {requirement.competency.code} follows the chart again.")
    return _back_to_editor(role, "profile")


@role_editor_view
def requirement_remove(request: HttpRequest, role: Role, requirement_id: int) -> HttpResponse:
    requirement = get_object_or_404(Requirement.objects.select_related("competency"), pk=requirement_id, role=role)
    try:
        services.remove_requirement(requirement, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Requirement {requirement.competency.code} removed.")
    return _back_to_editor(role, "profile")


@require_GET
def competency_lookup(request: HttpRequest) -> JsonResponse:
    """Suggestions for the competency code field of the role editor (progressive enhancement)."""
    _require_role_editor(request)
    results = competency_suggestions(request.GET.get("framework", ""), request.GET.get("q", ""))
    return JsonResponse({"results": results})


# ---------------------------------------------------------------- job descriptions


def _file_stem(role: Role) -> str:
    return f"{slugify(role.external_id) or 'role'}-job-description"


# The printable page carries its styles inside itself (Chromium prints it to PDF from a file, fetching
# nothing), so this one page allows inline styles; scripts stay forbidden as everywhere.
@require_GET
@csp_update({"style-src": ["'unsafe-inline'"]})
def job_description(request: HttpRequest, external_id: str) -> HttpResponse:
    data = job_description_data(_role(external_id))
    return HttpResponse(render_html(request, data))


@require_GET
def job_description_markdown(request: HttpRequest, external_id: str) -> HttpResponse:
    role = _role(external_id)
    response = HttpResponse(render_markdown(job_description_data(role)), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_stem(role)}.md"'
    return response


@require_GET
def job_description_pdf(request: HttpRequest, external_id: str) -> HttpResponse:
    role = _role(external_id)
    data = job_description_data(role)
    try:
        pdf = render_pdf(render_html(None, data, for_print=True))
    except PdfUnavailable as exc:
        return render(request, "organisation/pdf_unavailable.html", {"role": role, "reason": str(exc)}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_stem(role)}.pdf"'
    return response


# ---------------------------------------------------------------- import and export


def _require_organisation_editor(request: HttpRequest) -> None:
    if not access.can_edit_organisation(request.user):
        raise PermissionDenied("Only HR and administrators may import or export organisation files.")


def _organisation_formats(registry: dict[str, Any]) -> list[Any]:  # ImportFormat or ExportFormat
    return [registry[name] for name in ORGANISATION_FORMATS if name in registry]


@require_http_methods(["GET", "POST"])
def import_files(request: HttpRequest) -> HttpResponse:
    _require_organisation_editor(request)
    available = _organisation_formats(importers())
    kinds = [(fmt.name, f"{fmt.name}: {fmt.help}") for fmt in available]
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    errors: list[RowError] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fmt = importers()[form.cleaned_data["kind"]]
            upload = form.cleaned_data["file"]
            try:
                result = _run_import(fmt, upload, request.user)
            except ImportFailed as exc:
                errors = exc.errors
            except ValidationError as exc:
                errors = [_as_row_error(exc)]
            else:
                messages.success(request, f"{upload.name}: " + ("; ".join(result.summary) or "imported."))
                return redirect("organisation:import")
        status = 400
    return render(request, "organisation/import.html", {
        "form": form,
        "errors": errors,
        "exports": _organisation_formats(exporters()),
    }, status=status)


def _run_import(fmt: ImportFormat, upload: Any, actor: Any) -> ImportResult:
    # Importers read from a path; keep the upload's extension, it tells CSV from .xlsx.
    suffix = Path(upload.name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="compms-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return fmt.run(path, actor, {})


def _as_row_error(exc: ValidationError) -> RowError:
    return RowError(None, "", " ".join(exc.messages))


@require_GET
def export_file(request: HttpRequest, name: str) -> HttpResponse:
    _require_organisation_editor(request)
    registry = exporters()
    if name not in ORGANISATION_FORMATS or name not in registry:
        raise Http404("No such export.")
    fmt: ExportFormat = registry[name]
    options: dict[str, Any] = {}
    table_format = request.GET.get("format", "")
    if table_format in ("csv", "xlsx"):
        options["format"] = table_format
    content, filename, content_type = fmt.run(None, request.user, options)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
