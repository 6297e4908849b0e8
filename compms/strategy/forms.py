"""Forms of the strategy pages. They parse and check input shape and resolve ids people type (unit and
role ids, employee ids) to rows; the services decide what is allowed and raise ValidationError, which
`add_service_errors` shows beside the matching field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from compms.organisation.forms import PublishedCompetencyMixin
from compms.organisation.models import Context, Person, Role, Unit
from compms.strategy.models import Objective, ScenarioChange, Target

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER_INPUT = forms.NumberInput(attrs={"class": "narrow-number"})


def _unit(external_id: str) -> Unit | None:
    external_id = (external_id or "").strip()
    if not external_id:
        return None
    unit = Unit.objects.filter(external_id=external_id).first()
    if unit is None:
        raise ValidationError(f"No unit with id {external_id!r}.")
    return unit


class ObjectiveForm(forms.Form):
    code = forms.CharField(max_length=60, help_text="Short and lasting, e.g. H2-2028 (letters, digits, - and _).")
    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.CharField(required=False, max_length=64, label="Owner (employee id)")
    due_date = forms.DateField(widget=DATE_INPUT, label="Due date")
    status = forms.ChoiceField(choices=Objective.Status.choices, initial=Objective.Status.DRAFT)

    def clean_owner(self) -> Person | None:
        employee_id = (self.cleaned_data.get("owner") or "").strip()
        if not employee_id:
            return None
        person = Person.objects.filter(employee_id=employee_id).first()
        if person is None:
            raise ValidationError(f"No person with employee id {employee_id!r}.")
        return person

    @classmethod
    def for_objective(cls, objective: Objective, **kwargs: Any) -> ObjectiveForm:
        return cls(initial={"code": objective.code, "title": objective.title, "description": objective.description,
                            "owner": objective.owner.employee_id if objective.owner_id else "",
                            "due_date": objective.due_date, "status": objective.status}, **kwargs)


class TargetFieldsMixin(forms.Form):
    level = forms.IntegerField(min_value=1, max_value=20, widget=NUMBER_INPUT)
    headcount = forms.IntegerField(min_value=1, max_value=1_000_000, widget=NUMBER_INPUT,
                                   help_text="How many people are needed at that level or above.")
    scope = forms.CharField(required=False, max_length=64, label="Scope (unit id)",
                            help_text="People in this unit and below count; empty: the whole organisation.")
    due_date = forms.DateField(required=False, widget=DATE_INPUT, label="Due date",
                               help_text="Empty: the objective's due date.")
    context = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Context")
    criticality = forms.ChoiceField(choices=Target.Criticality.choices)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def set_context_choices(self, contexts: list[Context]) -> None:
        self._contexts = contexts
        self.fields["context"].choices = [("", "No context")] + [(c.pk, c.name) for c in contexts]

    def clean_scope(self) -> Unit | None:
        return _unit(self.cleaned_data.get("scope", ""))

    def context_value(self) -> Context | None:
        pk = self.cleaned_data.get("context")
        return next((c for c in self._contexts if c.pk == pk), None)

    def target_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"level": data["level"], "headcount": data["headcount"], "scope_unit": data["scope"],
                "due_date": data["due_date"], "context": self.context_value(), "criticality": data["criticality"],
                "notes": data["notes"]}


class NewTargetForm(PublishedCompetencyMixin, TargetFieldsMixin):
    """A new target: the competency is picked by framework and code, like a requirement line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_context_choices(self.choices.contexts)


class TargetForm(TargetFieldsMixin):
    """Changing a target; a different competency is a different target (remove it and add another)."""

    def __init__(self, *args: Any, contexts: list[Context] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_context_choices(contexts if contexts is not None else list(Context.objects.order_by("code")))

    @classmethod
    def for_target(cls, target: Target, **kwargs: Any) -> TargetForm:
        return cls(initial={"level": target.level, "headcount": target.headcount,
                            "scope": target.scope_unit.external_id if target.scope_unit_id else "",
                            "due_date": target.due_date, "context": target.context_id,
                            "criticality": target.criticality, "notes": target.notes}, **kwargs)


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    objective = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                       label="Compare with the targets of")
    scope = forms.CharField(required=False, max_length=64, label="Count role demand in (unit id)",
                            help_text="Empty: the whole organisation.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._objectives = list(Objective.objects.order_by("code"))
        self.fields["objective"].choices = [("", "No objective")] + [(o.pk, str(o)) for o in self._objectives]

    def clean_scope(self) -> Unit | None:
        return _unit(self.cleaned_data.get("scope", ""))

    def objective_value(self) -> Objective | None:
        pk = self.cleaned_data.get("objective")
        return next((o for o in self._objectives if o.pk == pk), None)

    @classmethod
    def for_scenario(cls, scenario: Any, **kwargs: Any) -> ScenarioForm:
        return cls(initial={"name": scenario.name, "description": scenario.description,
                            "objective": scenario.objective_id,
                            "scope": scenario.scope_unit.external_id if scenario.scope_unit_id else ""}, **kwargs)


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(choices=ScenarioChange.Kind.choices, label="Change")
    unit = forms.CharField(max_length=64, label="Unit id")
    role = forms.CharField(required=False, max_length=64, label="Role id",
                           help_text="For adding or removing positions.")
    count = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=NUMBER_INPUT,
                               label="Positions")
    note = forms.CharField(required=False, max_length=500)

    def clean_unit(self) -> Unit | None:
        return _unit(self.cleaned_data.get("unit", ""))

    def clean_role(self) -> Role | None:
        external_id = (self.cleaned_data.get("role") or "").strip()
        if not external_id:
            return None
        role = Role.objects.filter(external_id=external_id).first()
        if role is None:
            raise ValidationError(f"No role with id {external_id!r}.")
        return role
