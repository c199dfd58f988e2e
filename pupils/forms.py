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
