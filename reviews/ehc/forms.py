"""Forms for EHC requests, plans and annual reviews. Fields, labels and choices come from the models; the rules
that relate one date to another are the services' (their errors are shown on these fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from provision.models import InterventionGroup
from reviews.apdr.models import Progress
from reviews.deadlines.models import ExemptionGround
from reviews.ehc import review_services, services
from reviews.ehc.models import (
    AnnualReview,
    EhcAmendment,
    EhcAssessmentRequest,
    EhcOutcome,
    EhcPlan,
    EhcProvision,
    LaDecision,
    ReviewInvitation,
)
from reviews.ehc.register_services import AFTER_CEASING
from send.forms import DateInput, ModelFieldsForm, limit_choices
from send.uploads import StoredFile


class RequestForm(ModelFieldsForm):
    model = EhcAssessmentRequest
    model_fields = services.REQUEST_FIELDS


class PlanForm(ModelFieldsForm):
    model = EhcPlan
    model_fields = services.PLAN_FIELDS

    def __init__(
        self, *args: Any, documents: QuerySet[StoredFile], offer_register: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if offer_register:  # a new plan, for a pupil not yet at E: the register and the plans agree
            self.fields["set_register_to_e"] = forms.BooleanField(
                label="Set the pupil's SEN register status to E (EHC plan) from the plan's issue",
                required=False,
                initial=True,
                help_text="Recorded as a register change, with its history",
            )
        field = self.fields["document"]
        limit_choices(field, documents, label=lambda d: f"{d.original_name} ({d.uploaded_at:%-d %b %Y})")
        field.help_text = "The plan as the LA issued it: upload it to the pupil's documents first"
        field.label = "The plan document"


class OutcomeForm(ModelFieldsForm):
    model = EhcOutcome
    model_fields = ("text", "timeframe")


class ProvisionForm(ModelFieldsForm):
    model = EhcProvision
    model_fields = ("description", "frequency", "delivered_by", "outcome", "group")

    def __init__(
        self, *args: Any, outcomes: QuerySet[EhcOutcome], groups: QuerySet[InterventionGroup], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["outcome"], outcomes)
        limit_choices(self.fields["group"], groups)


class AmendmentForm(ModelFieldsForm):
    model = EhcAmendment
    model_fields = ("issued_on", "summary", "names_new_school")


class CeaseForm(forms.Form):
    ceased_on = forms.DateField(widget=DateInput, label="Ceased on")
    reason = forms.CharField(label="Why the plan ceased", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    new_status = forms.ChoiceField(
        label="The pupil's SEN status now",
        choices=[("", "Choose"), *AFTER_CEASING],
        help_text="Recorded as a register change, with its history",
    )


class ScheduleForm(ModelFieldsForm):
    model = AnnualReview
    model_fields = ("meeting_on", "is_phase_transfer")


class InvitationForm(ModelFieldsForm):
    model = ReviewInvitation
    model_fields = ("party", "name", "email", "invited_on", "advice_due_on", "response_on", "response")


class MeetingForm(ModelFieldsForm):
    """The meeting record, with progress (and a note) towards each of the plan's outcomes."""

    model = AnnualReview
    model_fields = ("held_on", *review_services.MEETING_FIELDS)

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


class AdviceCirculatedForm(forms.Form):
    circulated_on = forms.DateField(widget=DateInput, label="The advice was circulated to everyone invited on")


class ExemptionForm(forms.Form):
    """The ground is checked by the service, so that a missing one is a field error saying what to choose."""

    ground = forms.ChoiceField(
        choices=[("", "Choose the ground"), *ExemptionGround.choices], required=False, label="The ground claimed"
    )
    reason = forms.CharField(label="Why it applies", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    claimed_by = forms.CharField(label="Who claimed it", max_length=200, required=False)
    claimed_on = forms.DateField(widget=DateInput, label="Claimed on", required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("", "Choose"), *LaDecision.choices], label="The LA decided to")
    decided_on = forms.DateField(widget=DateInput, label="Decision received on")
    proposals_sent_on = forms.DateField(
        widget=DateInput,
        label="If amending: the LA sent its proposed amendments on",
        required=False,
        help_text="The final amended plan is due 8 weeks from this day",
    )


class ProposalsForm(forms.Form):
    proposals_sent_on = forms.DateField(widget=DateInput, label="The LA sent its proposed amendments on")
