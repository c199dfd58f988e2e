from __future__ import annotations

from typing import Any

from django import forms

from schools.models import Federation, Phase, Role, School, SchoolYear
from send.forms import limit_choices


class DateInput(forms.DateInput):
    input_type = "date"


class SchoolForm(forms.Form):
    name = forms.CharField(max_length=200)
    urn = forms.RegexField(regex=r"^\d{6}$", label="URN", error_messages={"invalid": "A URN is six digits."})
    la_code = forms.RegexField(
        regex=r"^\d{3}$", label="LA number", error_messages={"invalid": "An LA number is three digits."}
    )
    establishment_number = forms.RegexField(
        regex=r"^\d{4}$",
        label="DfE establishment number",
        error_messages={"invalid": "An establishment number is four digits."},
    )
    phase = forms.ChoiceField(choices=Phase.choices)
    federation: forms.ModelChoiceField[Federation] = forms.ModelChoiceField(
        queryset=Federation.objects.none(), required=False
    )
    pupil_photos = forms.BooleanField(label="Show pupil photos on records and passports", required=False)
    plan_label = forms.ChoiceField(
        choices=[("SEN support plan", "SEN support plan"), ("IEP", "IEP (individual education plan)")],
        label="Name for SEN support plans",
        initial="SEN support plan",
        required=False,
    )
    plan_review_days_before_term_end = forms.IntegerField(
        min_value=0, max_value=60, initial=7, required=False, label="Review plans this many days before the end of term"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["plan_label"] = data.get("plan_label") or "SEN support plan"
        if data.get("plan_review_days_before_term_end") is None:
            data["plan_review_days_before_term_end"] = 7
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["federation"], Federation.objects.all())


class SchoolYearForm(forms.Form):
    name = forms.RegexField(
        regex=r"^\d{4}-\d{2}$", help_text="For example 2026-27", error_messages={"invalid": "Write it as 2026-27."}
    )
    starts_on = forms.DateField(widget=DateInput)
    ends_on = forms.DateField(widget=DateInput)


class TermForm(forms.Form):
    school_year: forms.ModelChoiceField[SchoolYear] = forms.ModelChoiceField(queryset=SchoolYear.objects.none())
    name = forms.CharField(max_length=60, help_text="For example Autumn 1")
    starts_on = forms.DateField(widget=DateInput)
    ends_on = forms.DateField(widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["school_year"], SchoolYear.objects.all())


class InsetDayForm(forms.Form):
    date = forms.DateField(widget=DateInput)
    reason = forms.CharField(max_length=200, required=False, initial="INSET")


class MembershipForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        queryset=School.objects.none(), required=False, help_text="Leave empty for a trust-wide role"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["school"], School.objects.all())


class InviteForm(MembershipForm):
    full_name = forms.CharField(max_length=200)
    email = forms.EmailField()

    field_order = ["full_name", "email", "role", "school"]


class FederationForm(forms.Form):
    name = forms.CharField(max_length=200)
    schools: forms.ModelMultipleChoiceField[School] = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["schools"], School.objects.order_by("name"))


class ApiClientForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="Which system this is, for example Arbor MIS sync")
    can_read = forms.BooleanField(label="Read: pupils, classes, staff, contacts and SEN data", required=False)
    can_write = forms.BooleanField(label="Write: create and update pupils, classes, staff and contacts", required=False)
    all_schools = forms.BooleanField(label="All schools of the trust, including schools added later", required=False)
    schools: forms.ModelMultipleChoiceField[School] = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only these schools, when not all schools",
    )
    rate_limit_per_minute = forms.IntegerField(label="Requests per minute", min_value=1, max_value=100_000, initial=600)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["schools"], School.objects.order_by("name"))
        if editing:
            del self.fields["name"]
