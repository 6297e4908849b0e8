"""Forms of the organisation pages. They only parse and check input shape; the services decide what is
allowed and raise ValidationError, which `add_service_errors` puts next to the matching field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from compms.frameworks.models import Competency, FrameworkVersion
from compms.organisation.models import Context, Requirement, Role, Task, TaskCompetency
from compms.organisation.pages_queries import find_published_competency, published_versions


def add_service_errors(form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: each message beside its field when the form has
    that field (possibly under another name, via `aliases`), otherwise at the top of the form."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        target = aliases.get(name, name)
        if target in form.fields:
            form.add_error(target, messages)
        else:
            label = "" if name == "__all__" else f"{name.replace('_', ' ')}: "
            form.add_error(None, [f"{label}{message}" for message in messages])


class PeopleSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Find people",
                        widget=forms.TextInput(attrs={"placeholder": "Name, employee id or e-mail",
                                                      "type": "search"}))
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RoleFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"placeholder": "Name, id or purpose", "type": "search"}))
    family = forms.ChoiceField(required=False, label="Family")

    def __init__(self, *args: Any, families: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["family"].choices = [("", "All families")] + [(f, f) for f in families or []]


class RoleForm(forms.Form):
    external_id = forms.CharField(max_length=64, label="Role id",
                                  help_text="A short, lasting identifier, e.g. OPS-TECH-2 (used in imports).")
    name = forms.CharField(max_length=300)
    family = forms.CharField(max_length=200, required=False)
    grade = forms.CharField(max_length=60, required=False)
    purpose = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_external_id(self) -> str:
        value = self.cleaned_data["external_id"].strip()
        if "/" in value:
            raise ValidationError("A role id cannot contain '/'.")
        return value


class RoleDetailsForm(RoleForm):
    """Editing an existing role: its id stays as it is (imports and links rely on it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["external_id"]

    @classmethod
    def for_role(cls, role: Role, **kwargs: Any) -> RoleDetailsForm:
        return cls(initial={"name": role.name, "family": role.family, "grade": role.grade,
                            "purpose": role.purpose}, **kwargs)


class DutyForm(forms.Form):
    title = forms.CharField(max_length=300, label="Duty")
    sort_order = forms.IntegerField(required=False, min_value=0, label="Position",
                                    widget=forms.NumberInput(attrs={"class": "narrow-number"}))


class NewDutyForm(DutyForm):
    title = forms.CharField(max_length=300, label="New duty",
                            widget=forms.TextInput(attrs={"placeholder": "e.g. Maintain pumps"}))
    sort_order = None  # a new duty goes last; it can be moved once it exists


IMPORTANCE_CHOICES = [("", "–"), ("1", "1 low"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 critical")]


class TaskForm(forms.Form):
    title = forms.CharField(max_length=500, label="Task")
    frequency = forms.ChoiceField(required=False, choices=[("", "–")] + list(Task.Frequency.choices))
    importance = forms.TypedChoiceField(required=False, choices=IMPORTANCE_CHOICES, coerce=int,
                                        empty_value=None)
    sort_order = forms.IntegerField(required=False, min_value=0, label="Position",
                                    widget=forms.NumberInput(attrs={"class": "narrow-number"}))

    @classmethod
    def for_task(cls, task: Task, **kwargs: Any) -> TaskForm:
        return cls(initial={"title": task.title, "frequency": task.frequency, "importance": task.importance,
                            "sort_order": task.sort_order}, **kwargs)


@dataclass(frozen=True)
class EditorChoices:
    """Choices shared by every form of the role editor, loaded once per page rather than once per form."""

    versions: list[FrameworkVersion]
    contexts: list[Context]

    @classmethod
    def load(cls) -> EditorChoices:
        return cls(published_versions(), list(Context.objects.order_by("code")))


class EditorForm(forms.Form):
    def __init__(self, *args: Any, choices: EditorChoices | None = None, **kwargs: Any) -> None:
        self.choices = choices or EditorChoices.load()
        super().__init__(*args, **kwargs)


class NewTaskForm(TaskForm):
    title = forms.CharField(max_length=500, label="New task",
                            widget=forms.TextInput(attrs={"placeholder": "Starts with a verb: Replace seals"}))
    sort_order = None  # a new task goes last in its duty


class PublishedCompetencyMixin(EditorForm):
    """Framework (its latest published version) + competency code, resolved to a Competency row."""

    framework = forms.ChoiceField(label="Framework")
    code = forms.CharField(max_length=100, label="Competency code",
                           widget=forms.TextInput(attrs={"autocomplete": "off", "data-competency-code": "1"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].choices = [(v.framework.code, f"{v.framework.code}: {v.framework.name} "
                                                               f"(v{v.number})") for v in self.choices.versions]
        self.fields["framework"].widget.attrs["data-competency-framework"] = "1"
        self.competency: Competency | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        framework, code = data.get("framework"), data.get("code")
        if framework and code:
            self.competency = find_published_competency(framework, code, self.choices.versions)
            if self.competency is None:
                self.add_error("code", f"No competency {code!r} in the published version of {framework}.")
        return data


class TaskCompetencyForm(PublishedCompetencyMixin):
    level = forms.IntegerField(min_value=0, max_value=20, widget=forms.NumberInput(attrs={"class": "narrow-number"}))
    standard = forms.ChoiceField(required=False, label="Standard",
                                 choices=[("", "From the competency's kind")] + list(TaskCompetency.Standard.choices))


class RequirementForm(forms.Form):
    """Adjusting one line of the profile by hand. Its context is part of what the line is (the same
    competency in another context is another line), so a different context means adding a line."""

    level = forms.IntegerField(min_value=0, max_value=20, widget=forms.NumberInput(attrs={"class": "narrow-number"}))
    criticality = forms.ChoiceField(choices=Requirement.Criticality.choices)
    note = forms.CharField(max_length=500, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "Why it differs from the chart"}))

    @classmethod
    def for_requirement(cls, requirement: Requirement, **kwargs: Any) -> RequirementForm:
        return cls(initial={"level": requirement.level, "criticality": requirement.criticality,
                            "note": requirement.note}, **kwargs)


class NewRequirementForm(PublishedCompetencyMixin):
    """A requirement line set by hand: one no task names (e.g. a licence), or one for a context."""

    level = forms.IntegerField(min_value=0, max_value=20, widget=forms.NumberInput(attrs={"class": "narrow-number"}))
    criticality = forms.ChoiceField(choices=Requirement.Criticality.choices)
    context = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Context")
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["context"].choices = [("", "Any context")] + [(c.pk, c.name) for c in self.choices.contexts]

    def context_value(self) -> Context | None:
        pk = self.cleaned_data.get("context")
        return next((c for c in self.choices.contexts if c.pk == pk), None)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(label="CSV or .xlsx file")

    def __init__(self, *args: Any, kinds: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds or []

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise ValidationError("Upload a .csv or .xlsx file.")
        return upload
