"""Forms for EHC requests, plans and annual reviews. Fields, labels and choices come from the models; the rules
that relate one date to another are the services' (their errors are shown on these fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Field, QuerySet
from django.forms.models import fields_for_model

from provision.models import InterventionGroup
from reviews.apdr.forms import DateInput
from reviews.apdr.models import Progress
from reviews.ehc.models import (
    SECTION_FIELDS,
    AnnualReview,
    EhcAmendment,
    EhcAssessmentRequest,
    EhcOutcome,
    EhcPlan,
    EhcProvision,
    LaDecision,
    ReviewInvitation,
)
from send.uploads import StoredFile


def _formfield(field: Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    if field.is_relation:  # the view gives the choices; the scoped default manager cannot run at import
        kwargs["queryset"] = field.related_model._base_manager.none()  # type: ignore[union-attr]
    formfield = field.formfield(**kwargs)
    if isinstance(formfield, forms.DateField):
        formfield.widget = DateInput()
    if isinstance(formfield, forms.CharField) and isinstance(formfield.widget, forms.Textarea):
        formfield.widget.attrs["rows"] = 4
    return formfield


def model_form(model: type[Any], fields: tuple[str, ...], **extra: Any) -> type[forms.Form]:
    """A plain form with the model's fields (no model validation: the service validates and saves)."""
    callback: Any = _formfield
    attrs: dict[str, Any] = dict(fields_for_model(model, fields=list(fields), formfield_callback=callback))
    attrs.update(extra)
    return type(f"{model.__name__}Form", (forms.Form,), attrs)


RequestForm = model_form(
    EhcAssessmentRequest,
    ("requested_by", "requester_name", "local_authority", "case_officer", "sent_on", "received_on",
     "evidence_summary", "decision", "decided_on", "outcome", "outcome_on"),
)  # fmt: skip


class PlanForm(model_form(EhcPlan, ("local_authority", "case_officer", "case_officer_email", "issued_on",  # type: ignore[misc]
                                     "last_reviewed_on", "review_every_months", "phase_transfer_year",
                                     "post16_transfer", "document", *SECTION_FIELDS))):  # fmt: skip
    def __init__(self, *args: Any, documents: QuerySet[StoredFile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["document"]
        field.queryset = documents  # type: ignore[attr-defined]
        field.label_from_instance = lambda d: f"{d.original_name} ({d.uploaded_at:%-d %b %Y})"  # type: ignore[attr-defined]
        field.help_text = "The plan as the LA issued it: upload it to the pupil's documents first"
        field.label = "The plan document"


OutcomeForm = model_form(EhcOutcome, ("text", "timeframe"))


class ProvisionForm(model_form(EhcProvision, ("description", "frequency", "delivered_by", "outcome", "group"))):  # type: ignore[misc]
    def __init__(
        self, *args: Any, outcomes: QuerySet[EhcOutcome], groups: QuerySet[InterventionGroup], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = outcomes  # type: ignore[attr-defined]
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]


AmendmentForm = model_form(EhcAmendment, ("issued_on", "summary", "names_new_school"))


class CeaseForm(forms.Form):
    ceased_on = forms.DateField(widget=DateInput, label="Ceased on")
    reason = forms.CharField(label="Why the plan ceased", widget=forms.Textarea(attrs={"rows": 3}), required=False)


ScheduleForm = model_form(AnnualReview, ("meeting_on", "is_phase_transfer"))
InvitationForm = model_form(
    ReviewInvitation, ("party", "name", "email", "invited_on", "advice_due_on", "response_on", "response")
)


class MeetingForm(model_form(AnnualReview, ("held_on", "attendees", "pupil_views", "parent_views", "other_views",  # type: ignore[misc]
                                              "proposed_amendments", "recommendation"))):  # fmt: skip
    """The meeting record, with progress (and a note) towards each of the plan's outcomes."""

    def __init__(self, *args: Any, outcomes: list[EhcOutcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].required = True
        self.outcomes = outcomes
        for outcome in outcomes:
            self.fields[f"progress_{outcome.pk}"] = forms.ChoiceField(
                label=f"Progress towards: {outcome.text[:120]}",
                choices=[("", "Choose"), *Progress.choices],
                required=False,
            )
            self.fields[f"note_{outcome.pk}"] = forms.CharField(
                label="Notes on this outcome", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def progress(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {o.pk: (data.get(f"progress_{o.pk}") or "", data.get(f"note_{o.pk}") or "") for o in self.outcomes}


class ReportSentForm(forms.Form):
    sent_on = forms.DateField(widget=DateInput, label="Report sent to the LA and everyone invited on")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("", "Choose"), *LaDecision.choices], label="The LA decided to")
    decided_on = forms.DateField(widget=DateInput, label="Decision received on")
