"""Every write to EHC needs assessment requests, EHC plans and annual reviews: the dates are checked against each
other and against the steps before them (a field error a SENCO can act on, nothing saved), the change is made in
one transaction, and the deadline table is brought into step in that same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews import statutory
from reviews.ehc.deadlines import (
    review_interval,
    sync_plan_deadlines,
    sync_request_deadlines,
    sync_review_deadlines,
)
from reviews.ehc.models import (
    SECTION_FIELDS,
    AnnualReview,
    AssessDecision,
    EhcAmendment,
    EhcAssessmentRequest,
    EhcOutcome,
    EhcPlan,
    EhcProvision,
    LaDecision,
    RequestOutcome,
    ReviewState,
)
from send.dates import add_months


class Errors:
    """Collects field errors and raises them together, so the form shows every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _day(value: dt.date) -> str:
    return f"{value:%-d %B %Y}"


def _not_future(errors: Errors, field: str, value: dt.date | None, what: str) -> None:
    if value is not None and value > timezone.localdate():
        errors.add(field, f"{what} cannot be in the future.")


def _not_too_far(errors: Errors, field: str, value: dt.date) -> None:
    if value > add_months(timezone.localdate(), 24):
        errors.add(field, "Give a date within the next two years.")


# --- EHC needs assessment requests -----------------------------------------------------------------------------

REQUEST_FIELDS = (
    "requested_by",
    "requester_name",
    "local_authority",
    "case_officer",
    "sent_on",
    "received_on",
    "evidence_summary",
    "la_responsible_on",
    "decision",
    "decided_on",
    "outcome",
    "outcome_on",
    "draft_sent_on",
    "school_consulted_on",
)


def validate_request(pupil: Pupil, fields: Mapping[str, Any], request: EhcAssessmentRequest | None) -> None:
    errors = Errors()
    received, sent = fields.get("received_on"), fields.get("sent_on")
    decision, decided = fields.get("decision") or AssessDecision.PENDING, fields.get("decided_on")
    outcome, outcome_on = fields.get("outcome") or RequestOutcome.OPEN, fields.get("outcome_on")
    if not (fields.get("local_authority") or "").strip():
        errors.add("local_authority", "Name the local authority the request went to.")
    if received is None:
        errors.add("received_on", "Give the day the LA received the request: the statutory clock starts then.")
    else:
        _not_future(errors, "received_on", received, "The day the LA received the request")
        if received < pupil.date_of_birth:
            errors.add("received_on", "The request cannot come before the child's birth.")
        if sent is not None and sent > received:
            errors.add("sent_on", f"The request was received on {_day(received)}: it was sent on or before then.")
        if decided is not None and decided < received:
            errors.add("decided_on", f"The decision cannot come before the request was received ({_day(received)}).")
        if outcome_on is not None and outcome_on < received:
            errors.add("outcome_on", f"The outcome cannot come before the request was received ({_day(received)}).")
    _not_future(errors, "decided_on", decided, "The decision")
    _not_future(errors, "outcome_on", outcome_on, "The outcome")
    if decision != AssessDecision.PENDING and decided is None:
        errors.add("decided_on", "Give the day the LA's decision came.")
    if decision == AssessDecision.PENDING and decided is not None:
        errors.add("decision", "Say what the LA decided, or clear the decision date.")
    if outcome != RequestOutcome.OPEN and outcome_on is None:
        errors.add("outcome_on", "Give the day of the outcome.")
    if outcome == RequestOutcome.OPEN and outcome_on is not None:
        errors.add("outcome", "Choose the outcome, or clear its date.")
    if outcome in (RequestOutcome.PLAN_ISSUED, RequestOutcome.NO_PLAN) and decision != AssessDecision.ASSESS:
        errors.add("outcome", "A plan is issued (or not) only after the LA agreed to assess.")
    if outcome == RequestOutcome.REFUSED and decision != AssessDecision.REFUSED:
        errors.add("outcome", "Record the LA's refusal to assess as its decision too.")
    if decision == AssessDecision.REFUSED and outcome not in (RequestOutcome.REFUSED, RequestOutcome.OPEN):
        errors.add("outcome", "The LA refused to assess: the outcome is a refusal.")
    if decided and outcome_on and outcome_on < decided and outcome != RequestOutcome.WITHDRAWN:
        errors.add("outcome_on", f"The outcome cannot come before the decision ({_day(decided)}).")
    _check_draft(errors, fields, received)
    if outcome == RequestOutcome.OPEN:
        others = EhcAssessmentRequest.objects.filter(pupil=pupil, outcome=RequestOutcome.OPEN)
        if request is not None:
            others = others.exclude(pk=request.pk)
        if others.exists():
            errors.add("received_on", "This pupil already has a request in progress: update that one.")
    errors.raise_if_any()


def _check_draft(errors: Errors, fields: Mapping[str, Any], received: dt.date | None) -> None:
    """The draft plan comes after the decision to assess and before the final plan; the school is consulted on
    the draft; a draft means the LA is issuing a plan."""
    draft, consulted = fields.get("draft_sent_on"), fields.get("school_consulted_on")
    responsible, decided = fields.get("la_responsible_on"), fields.get("decided_on")
    outcome, outcome_on = fields.get("outcome") or RequestOutcome.OPEN, fields.get("outcome_on")
    _not_future(errors, "la_responsible_on", responsible, "The day the LA became responsible")
    _not_future(errors, "draft_sent_on", draft, "The draft plan")
    _not_future(errors, "school_consulted_on", consulted, "The consultation")
    if consulted is not None and (draft is None or consulted < draft):
        errors.add("school_consulted_on", "The LA consults the school on the draft plan: give the draft's date first.")
    if draft is None:
        return
    if (fields.get("decision") or AssessDecision.PENDING) != AssessDecision.ASSESS:
        errors.add("draft_sent_on", "A draft plan follows the LA's agreement to assess: record that decision.")
    elif decided is not None and draft < decided:
        errors.add("draft_sent_on", f"The draft cannot come before the decision to assess ({_day(decided)}).")
    if received is not None and draft < received:
        errors.add("draft_sent_on", f"The draft cannot come before the request was received ({_day(received)}).")
    if outcome == RequestOutcome.PLAN_ISSUED and outcome_on is not None and draft > outcome_on:
        errors.add("draft_sent_on", f"The final plan was issued on {_day(outcome_on)}: the draft came before it.")
    if outcome == RequestOutcome.NO_PLAN:
        errors.add("outcome", "A draft plan was sent, so the LA is issuing a plan: clear the draft's date, or say so.")


@transaction.atomic
def save_request(pupil: Pupil, request: EhcAssessmentRequest | None, *, by: Any, **fields: Any) -> EhcAssessmentRequest:
    """Record a request for an EHC needs assessment, or the LA's decisions on it, and its deadlines."""
    validate_request(pupil, fields, request)
    if request is None:
        request = EhcAssessmentRequest(pupil=pupil, trust_id=pupil.trust_id, created_by=by)
    for name in REQUEST_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(request, name, value.strip() if isinstance(value, str) else value)
    if not request.decision:
        request.decision = AssessDecision.PENDING
    if not request.outcome:
        request.outcome = RequestOutcome.OPEN
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as error:  # a second tab recorded one at the same moment
        raise ValidationError({"received_on": "This pupil already has a request in progress."}) from error
    sync_request_deadlines(request)
    return request


# --- EHC plans -------------------------------------------------------------------------------------------------

PLAN_FIELDS = (
    "local_authority",
    "case_officer",
    "case_officer_email",
    "issued_on",
    "last_reviewed_on",
    "review_every_months",
    "phase_transfer_year",
    "post16_transfer",
    "document",
    *SECTION_FIELDS,
)


def validate_plan(
    pupil: Pupil, fields: Mapping[str, Any], plan: EhcPlan | None, request: EhcAssessmentRequest | None = None
) -> None:
    errors = Errors()
    if request is not None:
        if request.decision == AssessDecision.REFUSED or request.outcome not in (
            RequestOutcome.OPEN,
            RequestOutcome.PLAN_ISSUED,
        ):
            errors.add(
                "issued_on", f"That request ended as {request.get_outcome_display().lower()}: no plan came of it."
            )
        received = request.received_on
        if fields.get("issued_on") is not None and fields["issued_on"] < received:
            errors.add("issued_on", f"The plan cannot be issued before its request was received ({_day(received)}).")
        draft = request.draft_sent_on
        if fields.get("issued_on") is not None and draft is not None and fields["issued_on"] < draft:
            errors.add("issued_on", f"The draft plan was sent on {_day(draft)}: the final plan comes after it.")
    issued, reviewed = fields.get("issued_on"), fields.get("last_reviewed_on")
    months = fields.get("review_every_months")
    months = 12 if months is None else months
    if not (fields.get("local_authority") or "").strip():
        errors.add("local_authority", "Name the local authority that issued the plan.")
    if issued is None:
        errors.add("issued_on", "Give the day the final plan was issued.")
    else:
        _not_future(errors, "issued_on", issued, "The day the plan was issued")
        if issued < pupil.date_of_birth:
            errors.add("issued_on", "The plan cannot be issued before the child's birth.")
        if reviewed is not None and reviewed < issued:
            errors.add("last_reviewed_on", f"The last review cannot come before the plan was issued ({_day(issued)}).")
        under_five = statutory.is_under_five(pupil.date_of_birth, issued)
        if months != 12 and not (3 <= months <= 6):
            errors.add("review_every_months", "Review every 12 months, or every 3 to 6 for a child under 5.")
        elif months != 12 and not under_five:
            errors.add(
                "review_every_months",
                "Only a child under 5 is reviewed more often than every 12 months; this child was 5 when the "
                "plan was issued.",
            )
    _not_future(errors, "last_reviewed_on", reviewed, "The last review")
    year = fields.get("phase_transfer_year")
    if year is not None:
        try:
            statutory.phase_transfer_deadlines(year, bool(fields.get("post16_transfer")))
        except ValueError as error:
            errors.add("phase_transfer_year", str(error))
        else:
            if issued is not None and year < issued.year:
                errors.add("phase_transfer_year", f"The transfer cannot come before the plan ({issued.year}).")
    if fields.get("post16_transfer") and year is None:
        errors.add("phase_transfer_year", "Give the year of the post-16 transfer.")
    document = fields.get("document")
    if document is not None and (document.owner_type.model != "pupil" or str(document.owner_id) != str(pupil.pk)):
        errors.add("document", "Choose one of this pupil's documents.")
    current = EhcPlan.objects.filter(pupil=pupil, ceased_on__isnull=True)
    if plan is not None:
        current = current.exclude(pk=plan.pk)
    if current.exists():
        errors.add("issued_on", "This pupil already has a current EHC plan: update it, or record that it ceased.")
    errors.raise_if_any()


@transaction.atomic
def save_plan(
    pupil: Pupil,
    plan: EhcPlan | None,
    *,
    by: Any,
    request: EhcAssessmentRequest | None = None,
    set_register_to_e: bool = False,
    **fields: Any,
) -> EhcPlan:
    """Record an issued EHC plan (from its request, when there was one) or change it; then its deadlines. A new
    plan can set the pupil's register status to E in the same transaction (`set_register_to_e`)."""
    if plan is not None:
        _require_current(plan)
        fields = {name: fields.get(name, getattr(plan, name)) for name in PLAN_FIELDS}
    elif request is None:
        # the pupil's request the LA agreed to assess is the one this plan answers
        request = EhcAssessmentRequest.objects.filter(
            pupil=pupil, outcome=RequestOutcome.OPEN, decision=AssessDecision.ASSESS
        ).first()
    validate_plan(pupil, fields, plan, request if plan is None else None)
    if plan is None:
        plan = EhcPlan(pupil=pupil, trust_id=pupil.trust_id, request=request)
    for name in PLAN_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(plan, name, value.strip() if isinstance(value, str) else value)
    if plan.review_every_months is None:
        plan.review_every_months = 12
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:  # a second tab recorded a plan at the same moment
        raise ValidationError({"issued_on": "This pupil already has a current EHC plan."}) from error
    if request is not None and request.outcome == RequestOutcome.OPEN:
        request.decision = AssessDecision.ASSESS
        request.decided_on = request.decided_on or plan.issued_on
        request.outcome, request.outcome_on = RequestOutcome.PLAN_ISSUED, plan.issued_on
        request.save()
        sync_request_deadlines(request)
    sync_plan_deadlines(plan)
    if set_register_to_e:
        from reviews.ehc.register_services import set_register_to_ehc_plan

        set_register_to_ehc_plan(plan, by=by)
    return plan


def _require_current(plan: EhcPlan) -> None:
    if plan.ceased_on is not None:
        raise ValidationError(f"This plan ceased on {_day(plan.ceased_on)}: it can no longer be changed.")


@transaction.atomic
def save_outcome(plan: EhcPlan, outcome: EhcOutcome | None, *, text: str, timeframe: str) -> EhcOutcome:
    _require_current(plan)
    if not text.strip():
        raise ValidationError({"text": "Write the outcome, as section E of the plan sets it out."})
    if outcome is None:
        outcome = EhcOutcome(ehc_plan=plan, trust_id=plan.trust_id, position=plan.outcomes.count())
    outcome.text, outcome.timeframe = text.strip(), timeframe
    outcome.save()
    return outcome


@transaction.atomic
def save_provision(
    plan: EhcPlan,
    item: EhcProvision | None,
    *,
    description: str,
    frequency: str,
    delivered_by: str,
    outcome: EhcOutcome | None,
    group: InterventionGroup | None,
) -> EhcProvision:
    _require_current(plan)
    errors = Errors()
    if not description.strip():
        errors.add("description", "Describe the provision, specified and quantified as section F sets it out.")
    if outcome is not None and outcome.ehc_plan_id != plan.pk:
        errors.add("outcome", "Choose one of this plan's outcomes.")
    if group is not None and group.school_id != plan.pupil.school_id:
        errors.add("group", "Choose an intervention group of the pupil's school.")
    errors.raise_if_any()
    if item is None:
        item = EhcProvision(ehc_plan=plan, trust_id=plan.trust_id, position=plan.provision.count())
    item.description, item.frequency, item.delivered_by = description.strip(), frequency.strip(), delivered_by.strip()
    item.outcome, item.group = outcome, group
    item.save()
    return item


@transaction.atomic
def record_amendment(
    plan: EhcPlan,
    *,
    issued_on: dt.date,
    summary: str,
    names_new_school: bool,
    by: Any,
    review: AnnualReview | None = None,
) -> EhcAmendment:
    """An amended plan the LA issued. From a review, it closes the review (the last step of its cycle)."""
    _require_current(plan)
    if review is None:
        # the review in progress whose LA decision was to amend: this is its amended plan
        review = plan.reviews.filter(la_decision=LaDecision.AMEND).exclude(state=ReviewState.CLOSED).first()
    elif review.la_decision != LaDecision.AMEND or review.state == ReviewState.CLOSED:
        raise ValidationError("Record the LA's decision to amend first: the amended plan follows it.")
    errors = Errors()
    _not_future(errors, "issued_on", issued_on, "The amended plan")
    if issued_on < plan.issued_on:
        errors.add("issued_on", f"An amendment cannot come before the plan was issued ({_day(plan.issued_on)}).")
    if review is not None and review.la_decision_on and issued_on < review.la_decision_on:
        errors.add(
            "issued_on", f"The amended plan cannot come before the LA's decision ({_day(review.la_decision_on)})."
        )
    if not summary.strip():
        errors.add("summary", "Say what changed in the plan.")
    errors.raise_if_any()
    amendment = EhcAmendment.objects.create(
        ehc_plan=plan,
        trust_id=plan.trust_id,
        review=review,
        issued_on=issued_on,
        summary=summary.strip(),
        names_new_school=names_new_school,
        recorded_by=by,
    )
    if review is not None:
        review.amended_plan_on = issued_on
        review.state = ReviewState.CLOSED
        review.save()
        sync_review_deadlines(review)
    sync_plan_deadlines(plan)
    return amendment


@transaction.atomic
def cease_plan(plan: EhcPlan, *, ceased_on: dt.date, reason: str, new_status: str = "", by: Any = None) -> EhcPlan:
    """Closes its open deadlines; with `new_status` (asked on the page), the register follows in the same
    transaction."""
    _require_current(plan)
    errors = Errors()
    _not_future(errors, "ceased_on", ceased_on, "The day the plan ceased")
    if ceased_on < plan.issued_on:
        errors.add("ceased_on", f"A plan cannot cease before it was issued ({_day(plan.issued_on)}).")
    if not reason.strip():
        errors.add("reason", "Say why the plan ceased (outcomes achieved, moved LA, left education...).")
    errors.raise_if_any()
    plan.ceased_on, plan.cease_reason = ceased_on, reason.strip()
    plan.save()
    plan.reviews.exclude(state=ReviewState.CLOSED).update(state=ReviewState.CLOSED, updated_at=timezone.now())
    sync_plan_deadlines(plan)
    if new_status:
        from reviews.ehc.register_services import set_register_after_ceasing

        set_register_after_ceasing(plan, status=new_status, by=by)
    return plan


# --- Annual reviews ----------------------------------------------------------------------------------------------


def current_plan(pupil: Pupil) -> EhcPlan | None:
    return EhcPlan.objects.filter(pupil=pupil, ceased_on__isnull=True).first()


def next_review_due(plan: EhcPlan) -> dt.date:
    base = plan.last_reviewed_on or plan.issued_on
    return statutory.annual_review_deadlines(base, review_interval(plan, base))["review_by"].date
