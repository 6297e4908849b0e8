"""Logbook page: log work performed, see my entries, and (as a supervisor) confirm or reject others'."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from compms.access import person_of
from compms.access.logbook import restrict_entries
from compms.evidence import services as evidence_services
from compms.frameworks.models import Competency, FrameworkVersion
from compms.logbook import services
from compms.logbook.models import Entry
from compms.organisation.forms import add_service_errors
from compms.organisation.models import Person


class EntryForm(forms.Form):
    performed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    task = forms.ModelChoiceField(queryset=None, required=False, empty_label="(free text below)")
    description = forms.CharField(max_length=500, required=False)
    competency = forms.ModelChoiceField(queryset=Competency.objects.filter(
        version__status=FrameworkVersion.Status.PUBLISHED).order_by("code"), required=False,
        help_text="Only for free text: the competency the work shows.")
    level = forms.IntegerField(min_value=1, max_value=9, required=False)
    hours = forms.DecimalField(min_value=Decimal("0.25"), max_digits=6, decimal_places=2)
    supervisor = forms.CharField(max_length=64, help_text="Your supervisor's employee id.")

    def __init__(self, *args, tasks=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from compms.organisation.models import Task

        self.fields["task"].queryset = Task.objects.filter(pk__in=[t.pk for t in tasks])
        self.fields["task"].label_from_instance = lambda t: f"{t.duty.role.name}: {t.title}"

    def clean_supervisor(self) -> Person:
        person = Person.objects.filter(employee_id=self.cleaned_data["supervisor"].strip(), active=True).first()
        if person is None:
            raise ValidationError("No active person with that employee id.")
        return person


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    if me is None:
        return render(request, "evidence/no_person.html", status=404)
    tasks = services.tasks_of(me)
    form = EntryForm(request.POST or None, tasks=tasks)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_entry(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Logged; your supervisor will confirm it.")
            return redirect("logbook:index")
    return render(request, "logbook/index.html", {
        "form": form,
        "entries": Entry.objects.filter(person=me).select_related("task", "competency", "supervisor")[:200],
        "queue": Entry.objects.filter(supervisor=me, status=Entry.Status.PENDING).select_related(
            "person", "task", "competency")[:200],
    }, status=400 if form.errors else 200)


@require_POST
def review(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(restrict_entries(Entry.objects.all(), request.user), pk=entry_id)
    comment = (request.POST.get("comment") or "").strip()
    try:
        if request.POST.get("action") == "confirm":
            done = services.confirm_entry(entry, request.user, comment=comment)
            messages.success(request, f"Confirmed: {done.evidence.count()} experience record(s) written.")
        else:
            services.reject_entry(entry, request.user, comment=comment)
            messages.success(request, "Entry rejected.")
    except (ValidationError, PermissionDenied, evidence_services.Conflict) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("logbook:index")
