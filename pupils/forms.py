from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from pupils.models import Flag, Gender, NeedType, SenStatus
from schools.models import School, SchoolClass, YearGroup
from send.forms import limit_choices


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
        limit_choices(self.fields["primary_need"], needs)
        limit_choices(self.fields["secondary_need"], needs)
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


class PupilForm(forms.Form):
    legal_first_name = forms.CharField(max_length=100)
    legal_last_name = forms.CharField(max_length=100)
    preferred_first_name = forms.CharField(max_length=100, required=False)
    preferred_last_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(widget=DateInput)
    gender = forms.ChoiceField(choices=Gender.choices)
    upn = forms.CharField(label="UPN", max_length=20, help_text="13 characters, for example B801200005001")
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(queryset=School.objects.none())
    year_group = forms.ChoiceField(choices=YearGroup.choices)
    school_class: forms.ModelChoiceField[SchoolClass] = forms.ModelChoiceField(
        label="Class", queryset=SchoolClass.objects.none(), required=False
    )
    admission_date = forms.DateField(widget=DateInput, required=False)
    leaving_date = forms.DateField(widget=DateInput, required=False)
    mis_id = forms.CharField(label="MIS id", max_length=100, required=False)

    def __init__(self, *args: Any, schools: Any, classes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["school"], schools)
        limit_choices(self.fields["school_class"], classes)


class FlagForm(forms.Form):
    flag = forms.ChoiceField(choices=Flag.choices)
    holds = forms.TypedChoiceField(
        label="Change", choices=[("1", "It starts"), ("0", "It ends")], coerce=lambda v: v == "1"
    )
    on = forms.DateField(label="From", widget=DateInput)
    reason = forms.CharField(max_length=300, help_text="For example: placement began, confirmed by the Virtual School")
