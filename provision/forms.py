from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from provision.models import FundingSource, Intervention, Measure, NeedArea, Wave
from pupils.models import Pupil
from schools.models import School, SchoolClass, SchoolYear, User, YearGroup
from send.forms import limit_choices


class DateInput(forms.DateInput):
    input_type = "date"


class InterventionForm(forms.Form):
    name = forms.CharField(max_length=200)
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        queryset=School.objects.none(),
        required=False,
        empty_label="The trust's catalogue (all schools)",
        help_text="Only the trust SEND lead publishes to every school",
    )
    need_areas = forms.MultipleChoiceField(
        choices=NeedArea.choices, widget=forms.CheckboxSelectMultiple, required=False, label="Areas of need"
    )
    wave = forms.ChoiceField(choices=Wave.choices, label="Wave")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence_base = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    sessions_per_week = forms.IntegerField(min_value=1, max_value=25, initial=2)
    session_minutes = forms.IntegerField(min_value=5, max_value=480, initial=30, label="Minutes a session")
    weeks = forms.IntegerField(min_value=1, max_value=52, initial=10, label="Typical duration (weeks)")
    group_size = forms.IntegerField(min_value=1, max_value=40, initial=4, label="Typical group size")
    staffing = forms.CharField(max_length=100, initial="Teaching assistant", label="Delivered by")
    resources = forms.CharField(max_length=300, required=False)
    resources_cost_per_pupil = forms.DecimalField(
        label="Resources cost per pupil (£)", initial=0, min_value=Decimal("0"), max_digits=9, decimal_places=2
    )
    measure = forms.ChoiceField(choices=Measure.choices, label="Entry and exit measure")
    measure_label = forms.CharField(max_length=100, required=False, label="Name of the school's scale")
    archived = forms.BooleanField(required=False, label="Archived: no longer offered for new groups")

    def __init__(self, *args: Any, schools: QuerySet[School], trust_wide: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        limit_choices(field, schools)
        field.required = not trust_wide


class StaffRateForm(forms.Form):
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(queryset=School.objects.none())
    school_year: forms.ModelChoiceField[SchoolYear] = forms.ModelChoiceField(queryset=SchoolYear.objects.none())
    role_name = forms.CharField(
        max_length=100, label="Staff role", help_text="For example Teaching assistant (level 3)"
    )
    hourly_rate = forms.DecimalField(
        label="Hourly rate with on-costs (£)", min_value=Decimal("0.01"), max_value=Decimal("500"), decimal_places=2
    )

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["school"], schools)
        limit_choices(self.fields["school_year"], SchoolYear.objects.order_by("-starts_on"))


class GroupForm(forms.Form):
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(queryset=School.objects.none())
    intervention: forms.ModelChoiceField[Intervention] = forms.ModelChoiceField(queryset=Intervention.objects.none())
    name = forms.CharField(max_length=200, help_text="For example Year 4 Talk Boost (Mon/Thu)")
    staff: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, label="Led by", required=False
    )
    staff_role = forms.CharField(
        max_length=100, initial="Teaching assistant", help_text="Costed at this role's hourly rate"
    )
    sessions_per_week = forms.IntegerField(min_value=1, max_value=25, initial=2)
    session_minutes = forms.IntegerField(min_value=5, max_value=480, initial=30, label="Minutes a session")
    timetable = forms.CharField(max_length=200, required=False, help_text="For example Mon and Thu 9:10–9:40")
    starts_on = forms.DateField(widget=DateInput, label="Starts")
    ends_on = forms.DateField(widget=DateInput, label="Ends")
    funding_source = forms.ChoiceField(choices=FundingSource.choices)
    resources_cost_per_pupil = forms.DecimalField(
        label="Resources cost per pupil (£)", initial=0, min_value=Decimal("0"), max_digits=9, decimal_places=2
    )

    def __init__(
        self,
        *args: Any,
        schools: QuerySet[School],
        interventions: QuerySet[Intervention],
        staff: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["school"], schools)
        limit_choices(self.fields["intervention"], interventions)
        limit_choices(self.fields["staff"], staff)


class ScoresForm(forms.Form):
    entry_score = forms.DecimalField(required=False, max_digits=7, decimal_places=2)
    entry_on = forms.DateField(widget=DateInput, required=False, label="Entry measure taken on")
    exit_score = forms.DecimalField(required=False, max_digits=7, decimal_places=2)
    exit_on = forms.DateField(widget=DateInput, required=False, label="Exit measure taken on")


class AddMemberForm(ScoresForm):
    pupil: forms.ModelChoiceField[Pupil] = forms.ModelChoiceField(queryset=Pupil.objects.none())
    joined_on = forms.DateField(widget=DateInput, label="Joined on")

    field_order = ["pupil", "joined_on", "entry_score", "entry_on"]

    def __init__(self, *args: Any, pupils: QuerySet[Pupil], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["pupil"], pupils, label=lambda p: f"{p.display_name} ({p.get_year_group_display()})")
        del self.fields["exit_score"], self.fields["exit_on"]


class MemberForm(ScoresForm):
    left_on = forms.DateField(widget=DateInput, required=False, label="Left the group early on")


class MapFilterForm(forms.Form):
    """The map's filters. The schools and classes are lists the view read once: the choices and the check of
    the chosen ones come from them, with no query of their own."""

    school = forms.ChoiceField(required=False)
    year_group = forms.ChoiceField(choices=[("", "All year groups"), *YearGroup.choices], required=False)
    school_class = forms.ChoiceField(required=False, label="Class")
    starts_on = forms.DateField(widget=DateInput, required=False, label="From")
    ends_on = forms.DateField(widget=DateInput, required=False, label="To")

    def __init__(self, *args: Any, schools: list[School], classes: list[SchoolClass], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schools = {str(school.uuid): school for school in schools}
        self.classes = {str(school_class.uuid): school_class for school_class in classes}
        several = len(schools) > 1
        cast(forms.ChoiceField, self.fields["school"]).choices = [
            ("", "All schools"),
            *((key, s.name) for key, s in self.schools.items()),
        ]
        cast(forms.ChoiceField, self.fields["school_class"]).choices = [
            ("", "All classes"),
            *((key, f"{c.name} – {c.school.name}" if several else c.name) for key, c in self.classes.items()),
        ]

    def clean_school(self) -> School | None:
        return self.schools.get(self.cleaned_data.get("school") or "")

    def clean_school_class(self) -> SchoolClass | None:
        return self.classes.get(self.cleaned_data.get("school_class") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The end of the period cannot be before its start.")
        return data
