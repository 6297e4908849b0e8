"""Forms of the evidence pages. They only shape input; the rules live in compms.evidence.services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from compms.frameworks.models import Competency


class ClaimForm(forms.Form):
    """An employee's self-assessment: a competency of their roles (or one they hold evidence for)."""

    competency = forms.ModelChoiceField(queryset=Competency.objects.none(), empty_label="Choose a competency")
    level = forms.IntegerField(min_value=1, max_value=9)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           help_text="What you did that shows this level.")
    attachment = forms.FileField(required=False, help_text="Optional proof (certificate, report, photo).")

    def __init__(self, *args, competencies=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        field.queryset = competencies if competencies is not None else Competency.objects.none()
        field.label_from_instance = lambda c: f"{c.code} – {c.name}"


class ReviewForm(forms.Form):
    ACTIONS = (("verify", "Verify"), ("reject", "Reject"))

    action = forms.ChoiceField(choices=ACTIONS)
    level = forms.IntegerField(min_value=0, max_value=9, required=False)
    source = forms.ChoiceField(choices=(("manager", "Manager"), ("assessor", "Assessor")), required=False)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("comment") or "").strip():
            raise ValidationError({"comment": "Say why the claim is rejected."})
        return data
