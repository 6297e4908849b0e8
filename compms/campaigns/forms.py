from __future__ import annotations

from django import forms

from compms.organisation.models import Role, Unit


class LaunchForm(forms.Form):
    name = forms.CharField(max_length=200)
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False, to_field_name="external_id",
                                  help_text="Everyone in this unit and below.")
    roles = forms.ModelMultipleChoiceField(queryset=Role.objects.all(), required=False, to_field_name="external_id",
                                           help_text="Only holders of these roles (optional).")
