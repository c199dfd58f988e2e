from __future__ import annotations

from typing import Any, cast

from django import forms

from reports.models import GovernorVisit
from schools.models import School, SchoolYear
from send.forms import DateInput, ModelFieldsForm


class GovernorVisitForm(ModelFieldsForm):
    """The school is one of those the user records visits for: any other (or another trust's) is a field error."""

    model = GovernorVisit
    model_fields = ("visited_on", "focus", "what_they_saw", "questions", "actions")
    school = forms.ChoiceField()

    def __init__(self, *args: Any, schools: list[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schools = {str(s.uuid): s for s in schools}
        school_field = cast(forms.ChoiceField, self.fields["school"])
        school_field.choices = [(key, s.name) for key, s in self._schools.items()]
        self.order_fields(["school", *self.model_fields])

    def clean_school(self) -> School:
        return self._schools[self.cleaned_data["school"]]


class PeriodForm(forms.Form):
    """A report's period: both dates, the end not before the start."""

    starts_on = forms.DateField(label="From", widget=DateInput())
    ends_on = forms.DateField(label="To", widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The period must end on or after the day it starts.")
        return data


class BudgetForm(forms.Form):
    """A school and school year among the user's, and an amount of zero or more (the service checks it too)."""

    school = forms.ChoiceField()
    school_year = forms.ChoiceField()
    amount = forms.DecimalField(label="Notional SEN budget (£)", max_digits=10, decimal_places=2)

    def __init__(self, *args: Any, schools: list[School], years: list[SchoolYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schools = {str(s.uuid): s for s in schools}
        self._years = {str(y.pk): y for y in years}
        school_field = cast(forms.ChoiceField, self.fields["school"])
        year_field = cast(forms.ChoiceField, self.fields["school_year"])
        school_field.choices = [(k, s.name) for k, s in self._schools.items()]
        year_field.choices = [(k, y.name) for k, y in self._years.items()]

    def clean_school(self) -> School:
        return self._schools[self.cleaned_data["school"]]

    def clean_school_year(self) -> SchoolYear:
        return self._years[self.cleaned_data["school_year"]]
