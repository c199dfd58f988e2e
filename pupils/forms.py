from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from pupils.models import NeedType, SenStatus


class DateInput(forms.DateInput):
    input_type = "date"


class RegisterEntryForm(forms.Form):
    status = forms.ChoiceField(label="SEN status", choices=SenStatus.choices)
    primary_need: forms.ModelChoiceField[NeedType] = forms.ModelChoiceField(
        queryset=NeedType.objects.none(), required=False, help_text="Needed for K and E"
    )
    secondary_need: forms.ModelChoiceField[NeedType] = forms.ModelChoiceField(
        queryset=NeedType.objects.none(), required=False
    )
    on_monitoring_list = forms.BooleanField(
        label="On the monitoring list (needs watched, not on the register)", required=False
    )
    starts_on = forms.DateField(label="From", widget=DateInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="For example: EP assessment, APDR review"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        needs = NeedType.objects.order_by("code")
        self.fields["primary_need"].queryset = needs  # type: ignore[attr-defined]
        self.fields["secondary_need"].queryset = needs  # type: ignore[attr-defined]
        self.fields["starts_on"].initial = timezone.localdate()


class PassportForm(forms.Form):
    about_me = forms.CharField(label="About me", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    important_to_me = forms.CharField(
        label="What is important to me", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    how_to_support = forms.CharField(
        label="How best to support me", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    what_helps = forms.CharField(label="What helps", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    what_does_not_help = forms.CharField(
        label="What does not help", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    pupil_voice = forms.CharField(
        label="In my own words",
        required=False,
        help_text="The pupil's own words, as they said them",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    key_strategies = forms.CharField(
        label="Key strategies",
        help_text="One per line. Everyone who teaches the pupil sees these first.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PassportReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return with comments")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
