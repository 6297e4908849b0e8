"""Forms of the dictionary pages. They only check the shape of what was typed; the rules
(unique codes, parents in the same version, drafts only) live in services.py, whose
ValidationErrors are put back next to the matching field by `show_service_errors`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from compms.frameworks.models import Competency, Relation, Scale, ScaleLevel

INDICATOR_PREFIX = "indicator_"


class FrameworkForm(forms.Form):
    code = forms.SlugField(max_length=60, help_text="Letters, digits, hyphens, e.g. OPS-SAFETY")
    name = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ScaleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Scale) -> str:
        return f"{obj.name} ({obj.code})"


class CompetencyForm(forms.Form):
    """Edit or create a competency. One indicator box per level of the competency's scale
    (plus any level that already has an indicator), named indicator_<level>."""

    code = forms.CharField(max_length=100)
    name = forms.CharField(max_length=500)
    kind = forms.ChoiceField(choices=Competency.Kind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    item_type = forms.CharField(max_length=100, required=False,
                                help_text="e.g. Domain, Competency, Element")
    parent = forms.CharField(max_length=100, required=False, label="Parent (code)",
                             help_text="Code of the competency this one sits under; empty for the top level")
    scale = ScaleChoiceField(queryset=Scale.objects.none(), required=False, label="Scale override")
    esco_uri = forms.URLField(max_length=500, required=False, label="ESCO URI", assume_scheme="https")
    sfia_code = forms.CharField(max_length=20, required=False, label="SFIA code")

    def __init__(self, *args: Any, scales: QuerySet[Scale], default_scale: Scale | None,
                 levels: Iterable[ScaleLevel], extra_levels: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale_field = self.fields["scale"]
        assert isinstance(scale_field, forms.ModelChoiceField)
        scale_field.queryset = scales
        scale_field.empty_label = f"Framework default ({default_scale.name})" if default_scale else "None"
        self.indicator_errors: list[str] = []
        named = {level.value: level for level in levels if level.value > 0}
        for value in sorted(set(named) | {v for v in extra_levels if v not in named}):
            level = named.get(value)
            self.fields[f"{INDICATOR_PREFIX}{value}"] = forms.CharField(
                required=False, widget=forms.Textarea(attrs={"rows": 2}),
                label=f"Level {value} · {level.name}" if level else f"Level {value} (not in the scale)",
                help_text=level.descriptor if level else "Clear this box: the scale has no such level.",
            )

    def indicator_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(INDICATOR_PREFIX)]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(INDICATOR_PREFIX)]

    def indicators(self) -> dict[int, str]:
        # Empty boxes are left out: an empty level simply has no indicator.
        return {int(name.removeprefix(INDICATOR_PREFIX)): text.strip()
                for name, text in self.cleaned_data.items()
                if name.startswith(INDICATOR_PREFIX) and text and text.strip()}


class RelationForm(forms.Form):
    kind = forms.ChoiceField(choices=Relation.Kind.choices, initial=Relation.Kind.RELATED)
    target = forms.CharField(
        max_length=500, label="Target",
        help_text="A code in this framework, FRAMEWORK:CODE for another framework, or an external URI",
    )
    target_title = forms.CharField(max_length=500, required=False, label="Title (external targets)")


def show_service_errors(form: forms.Form, error: ValidationError,
                        field_aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError next to the fields it names; the rest above the form.
    The form must have been validated (is_valid called) first."""
    aliases = field_aliases or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, errors in error.message_dict.items():
        target = aliases.get(key, key)
        if target == "indicators" and isinstance(form, CompetencyForm):
            form.indicator_errors.extend(errors)
        elif target in form.fields:
            for message in errors:
                form.add_error(target, message)
        else:
            for message in errors:
                form.add_error(None, message)
