"""Pages: my assessments (open a draft), the assessment form, and HR's assessor registrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from compms.access import person_of, sees_everyone
from compms.access.assessments import may_assess, may_edit_assessment, restrict_assessments
from compms.assessments import services
from compms.assessments.models import Assessment, Method
from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.evidence.models import AssessorRegistration
from compms.frameworks.models import Competency, FrameworkVersion
from compms.organisation.forms import add_service_errors
from compms.organisation.models import Context, Person


def published_competencies() -> QuerySet[Competency]:
    return Competency.objects.filter(version__status=FrameworkVersion.Status.PUBLISHED).select_related(
        "version__framework").order_by("version__framework__name", "name")


def competency_label(competency: Competency) -> str:
    return f"{competency.version.framework.name}: {competency.name}"


class PersonField(forms.CharField):
    """An employee id typed in, turned into the active Person."""

    def clean(self, value: Any) -> Person:
        value = super().clean(value)
        person = Person.objects.filter(employee_id=value.strip(), active=True).first()
        if person is None:
            raise ValidationError("No active person with that employee id.")
        return person


class OpenForm(forms.Form):
    person = PersonField(max_length=64, label="Person (employee id)")
    competency = forms.ModelChoiceField(queryset=None)
    level = forms.IntegerField(min_value=1, max_value=99)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competency"].queryset = published_competencies()
        self.fields["competency"].label_from_instance = competency_label


class CriterionForm(forms.Form):
    met = forms.BooleanField(required=False, label="Met")
    method = forms.ChoiceField(choices=Method.choices)
    contexts = forms.ModelMultipleChoiceField(queryset=Context.objects.order_by("name"), required=False,
                                              widget=forms.CheckboxSelectMultiple, label="Conditions")
    note = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contexts"].label_from_instance = lambda c: c.name


def _messages_of(exc: Exception) -> str:
    return "; ".join(getattr(exc, "messages", None) or [str(exc)])


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = OpenForm(request.POST or None) if may_assess(request.user) else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only assessors with an employee record open assessments.")
        if form.is_valid():
            try:
                assessment = services.open_assessment(request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Draft opened: record each criterion, then submit.")
                return redirect("assessments:detail", assessment.pk)
        status = 400
    me = person_of(request.user)
    rows = restrict_assessments(Assessment.objects.select_related(
        "person", "assessor", "competency__version__framework"), request.user)
    mine = rows.filter(assessor=me) if me else rows.none()
    received = rows.filter(person=me) if me else rows.none()
    return render(request, "assessments/index.html", {
        "form": form, "mine": mine[:300], "received": received[:300],
        "everyone": rows.exclude(Q(assessor=me) | Q(person=me))[:300] if sees_everyone(request.user) else None,
    }, status=status)


def _load(request: HttpRequest, assessment_id: int) -> Assessment:
    return get_object_or_404(restrict_assessments(Assessment.objects.select_related(
        "person", "assessor", "competency__version__framework", "evidence"), request.user), pk=assessment_id)


def _detail_page(request: HttpRequest, assessment: Assessment, status: int = 200,
                 bound: dict[int, CriterionForm] | None = None) -> HttpResponse:
    editable = may_edit_assessment(request.user, assessment)
    records = {r.indicator_id: r for r in assessment.records.prefetch_related("contexts")}
    rows = []
    for indicator in services.criteria_of(assessment.competency, assessment.level):
        found = records.get(indicator.pk)
        form = (bound or {}).get(indicator.pk) or (CriterionForm(prefix=f"c{indicator.pk}", initial={
            "met": found.met, "method": found.method, "contexts": list(found.contexts.all()), "note": found.note,
        } if found else None) if editable else None)
        rows.append({"indicator": indicator, "record": found, "form": form})
    return render(request, "assessments/detail.html", {
        "assessment": assessment, "rows": rows, "editable": editable,
        "min_conditions": services.min_conditions_for(assessment.competency_uuid),
        "missing": services.missing(assessment) if assessment.is_draft else [],
    }, status=status)


@require_http_methods(["GET"])
def detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _detail_page(request, _load(request, assessment_id))


@require_POST
def criterion(request: HttpRequest, assessment_id: int, indicator_id: int) -> HttpResponse:
    assessment = _load(request, assessment_id)
    form = CriterionForm(request.POST, prefix=f"c{indicator_id}")
    if not form.is_valid():
        return _detail_page(request, assessment, status=400, bound={indicator_id: form})
    try:
        services.record_criterion(assessment, request.user, indicator_id=indicator_id, **form.cleaned_data)
    except (ValidationError, PermissionDenied, evidence_services.Conflict) as exc:
        messages.error(request, _messages_of(exc))
    except services.LevelIndicator.DoesNotExist:
        messages.error(request, "That is not a criterion of this assessment.")
    else:
        messages.success(request, "Criterion recorded.")
    return redirect("assessments:detail", assessment.pk)


@require_POST
def submit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _load(request, assessment_id)
    try:
        done = services.submit_assessment(assessment, request.user)
    except (ValidationError, PermissionDenied, evidence_services.Conflict) as exc:
        messages.error(request, _messages_of(exc))
        return _detail_page(request, Assessment.objects.get(pk=assessment.pk), status=400)
    messages.success(request, f"Submitted: assessor evidence at level {done.level} recorded.")
    return redirect("assessments:detail", assessment.pk)


class RegistrationForm(forms.Form):
    person = PersonField(max_length=64, label="Person (employee id)")
    competency = forms.ModelChoiceField(queryset=None)
    max_level = forms.IntegerField(min_value=1, max_value=99, label="Up to level")
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text="Last day it counts; empty: open-ended.")
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competency"].queryset = published_competencies()
        self.fields["competency"].label_from_instance = competency_label


class RegistrationFilters(forms.Form):
    competency = forms.ModelChoiceField(queryset=None, required=False, empty_label="(any)")
    person = forms.CharField(max_length=100, required=False, help_text="Name or employee id")
    state = forms.ChoiceField(choices=[("", "(any)"), ("current", "Current"), ("expired", "Ended")],
                              required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competency"].queryset = published_competencies()
        self.fields["competency"].label_from_instance = competency_label


@require_http_methods(["GET", "POST"])
def registrations(request: HttpRequest) -> HttpResponse:
    evidence_services.require_hr(request.user)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evidence_services.register_assessor(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Registration granted.")
            return redirect("assessments:registrations")
    filters = RegistrationFilters(request.GET or None)
    rows = AssessorRegistration.objects.select_related("person", "competency__version__framework")
    today = prof.today()
    if filters.is_valid():
        wanted = filters.cleaned_data
        if wanted["competency"]:
            rows = rows.filter(competency_uuid=wanted["competency"].uuid)
        if wanted["person"]:
            rows = rows.filter(Q(person__name__icontains=wanted["person"]) | Q(person__employee_id=wanted["person"]))
        if wanted["state"] == "current":
            rows = rows.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        elif wanted["state"] == "expired":
            rows = rows.filter(valid_until__lt=today)
    listed = [{"registration": r, "current": r.valid_until is None or r.valid_until >= today} for r in rows[:500]]
    return render(request, "assessments/registrations.html", {"form": form, "filters": filters, "rows": listed},
                  status=400 if form.errors else 200)


@require_POST
def end_registration(request: HttpRequest, registration_id: int) -> HttpResponse:
    evidence_services.require_hr(request.user)
    registration = get_object_or_404(AssessorRegistration, pk=registration_id)
    ended = evidence_services.end_registration(registration, request.user)
    last_day: dt.date = ended.valid_until
    messages.success(request, f"Registration of {ended.person.name} ended; its last day was {last_day:%Y-%m-%d}.")
    return redirect("assessments:registrations")
