"""Forms for Virtual Schools, care records and PEPs. Fields, labels and choices come from the models; the rules
that relate one value to another are the services' (their errors are shown on these fields)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from provision.models import InterventionGroup
from reviews.pep.care_services import LeftCareBy
from reviews.pep.models import (
    CareEvent,
    CareEventKind,
    CareRecord,
    Pep,
    PepTarget,
    Rating,
    VirtualSchool,
    VirtualSchoolTerm,
)
from reviews.pep.ppp_models import PppAllocation, PppEntry, PppRoute
from reviews.pep.services import PEP_FIELDS
from schools.models import SchoolYear
from send.forms import DateInput, ModelFieldsForm, limit_choices


class VirtualSchoolForm(ModelFieldsForm):
    model = VirtualSchool
    model_fields = (
        "name",
        "local_authority",
        "head_name",
        "contact_email",
        "contact_phone",
        "epep_system",
        "extra_sections",
    )


class VirtualSchoolTermForm(ModelFieldsForm):
    model = VirtualSchoolTerm
    model_fields = ("school_year", "name", "final_date")

    def __init__(self, *args: Any, years: QuerySet[SchoolYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["school_year"], years)


class CareRecordForm(ModelFieldsForm):
    model = CareRecord
    model_fields = ("virtual_school", "looked_after_on", "social_worker", "social_worker_contact", "carer", "placement")
    emergency = forms.BooleanField(label="It was an emergency placement", required=False)

    def __init__(self, *args: Any, virtual_schools: QuerySet[VirtualSchool], new: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["virtual_school"], virtual_schools)
        if not new:
            del self.fields["emergency"]


class CareEventForm(ModelFieldsForm):
    model = CareEvent
    model_fields = ("kind", "happened_on", "detail")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [(k, label) for k, label in CareEventKind.choices if k != CareEventKind.BECAME_LOOKED_AFTER]


class LeaveCareForm(forms.Form):
    on = forms.DateField(label="Left care on", widget=DateInput())
    route = forms.ChoiceField(label="How they left care", choices=LeftCareBy.choices)
    declared = forms.BooleanField(
        label="The parent has declared it (for the census and Pupil Premium Plus)", required=False
    )


class StartPepForm(ModelFieldsForm):
    model = Pep
    model_fields = ("term", "due_on", "started_on", "meeting_on")

    def __init__(self, *args: Any, terms: QuerySet[VirtualSchoolTerm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["term"], terms, label=lambda t: f"{t} (final date {t.final_date:%-d %b %Y})")
        self.fields["term"].required = False
        self.fields["due_on"].required = False
        self.fields["due_on"].help_text = "For a PEP outside the terms (new to care, a change): when it is due"


class PepForm(ModelFieldsForm):
    """The sections every Virtual School asks for, then the pupil's Virtual School's own (by their headings)."""

    model = Pep
    model_fields = PEP_FIELDS

    def __init__(self, *args: Any, headings: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headings = headings
        for index, heading in enumerate(headings):
            self.fields[f"extra_{index}"] = forms.CharField(
                label=heading, required=False, widget=forms.Textarea(attrs={"rows": 3})
            )

    def extra(self) -> dict[str, str]:
        return {heading: self.cleaned_data.get(f"extra_{i}", "") for i, heading in enumerate(self.headings)}

    def sections(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PEP_FIELDS}


class PepTargetForm(ModelFieldsForm):
    model = PepTarget
    model_fields = (
        "area",
        "wording",
        "success_criteria",
        "owner",
        "review_on",
        "provision",
        "ppp_requested",
        "progress",
    )

    def __init__(self, *args: Any, groups: QuerySet[InterventionGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["provision"], groups, label=lambda g: f"{g.name} ({g.intervention.name})")
        self.fields["review_on"].required = False  # the service's own message says why it is needed


class VerdictForm(forms.Form):
    rating = forms.ChoiceField(label="The Virtual School's rating", choices=[("", "Choose"), *Rating.choices])
    comment = forms.CharField(label="Their comments", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(
        label="What they decided",
        choices=[("complete", "Complete: accepted"), ("returned", "Returned for amendment")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Why it was returned", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PppAllocationForm(forms.Form):
    financial_year = forms.TypedChoiceField(label="Financial year (April to March)", coerce=int, choices=[])
    route = forms.ChoiceField(label="Route", choices=PppRoute.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label="Amount (£)", required=False, min_value=0, help_text="Leave empty for the year's national rate"
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_field = cast(forms.ChoiceField, self.fields["financial_year"])
        year_field.choices = [(y, f"{y}–{(y + 1) % 100:02d}") for y in years]


class PppEntryForm(ModelFieldsForm):
    model = PppEntry
    model_fields = ("movement", "on", "amount", "target", "provision", "note")
    allocation: forms.ModelChoiceField[PppAllocation] = forms.ModelChoiceField(
        label="Financial year", queryset=PppAllocation.objects.none()
    )

    def __init__(
        self,
        *args: Any,
        allocations: QuerySet[PppAllocation],
        targets: QuerySet[PepTarget],
        groups: QuerySet[InterventionGroup],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["allocation"], allocations, label=str)
        limit_choices(
            self.fields["target"], targets, label=lambda t: f"{t.wording[:60]} (PEP due {t.pep.due_on:%-d %b %Y})"
        )
        limit_choices(self.fields["provision"], groups, label=lambda g: g.name)
