"""Annual reviews of EHC plans: scheduling, invitations and advice, the meeting record, the report for the LA and
the LA's decision. Each write keeps the review's deadlines in step, in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pupils.models import Pupil
from reviews.apdr.models import Progress
from reviews.ehc.deadlines import sync_plan_deadlines, sync_review_deadlines
from reviews.ehc.models import AnnualReview, LaDecision, OutcomeProgress, ReviewInvitation, ReviewState
from reviews.ehc.services import Errors, _day, _not_future, _not_too_far, current_plan, next_review_due


@transaction.atomic
def schedule_annual_review(
    pupil: Pupil, *, meeting_on: dt.date | None, is_phase_transfer: bool, by: Any
) -> AnnualReview:
    """Schedule the next annual review of the pupil's current plan, due by 12 months from its issue or last
    review (or the under-5 cycle); its invitation, report and decision deadlines follow from the meeting date."""
    plan = current_plan(pupil)
    if plan is None:
        raise ValidationError({"meeting_on": f"{pupil.display_name} has no current EHC plan: record the plan first."})
    if meeting_on is None:
        raise ValidationError({"meeting_on": "Give the date of the review meeting."})
    errors = Errors()
    _not_too_far(errors, "meeting_on", meeting_on)
    if meeting_on < (plan.last_reviewed_on or plan.issued_on):
        errors.add(
            "meeting_on",
            f"The meeting cannot come before the plan's issue or its last review "
            f"({_day(plan.last_reviewed_on or plan.issued_on)}).",
        )
    if plan.reviews.exclude(state=ReviewState.CLOSED).exists():
        errors.add("meeting_on", "This plan already has a review in progress: finish that one first.")
    if is_phase_transfer and not plan.phase_transfer_year:
        errors.add("is_phase_transfer", "Set the plan's phase transfer year first.")
    errors.raise_if_any()
    try:
        review = AnnualReview.objects.create(
            ehc_plan=plan,
            trust_id=plan.trust_id,
            due_by=next_review_due(plan),
            meeting_on=meeting_on,
            is_phase_transfer=is_phase_transfer,
            created_by=by,
        )
    except IntegrityError as error:  # a second tab scheduled one at the same moment
        raise ValidationError({"meeting_on": "This plan already has a review in progress."}) from error
    sync_review_deadlines(review)
    return review


def _require_open(review: AnnualReview) -> None:
    if review.state == ReviewState.CLOSED:
        raise ValidationError("This review is closed.")


@transaction.atomic
def reschedule_review(review: AnnualReview, *, meeting_on: dt.date, is_phase_transfer: bool) -> AnnualReview:
    _require_open(review)
    errors = Errors()
    if review.held_on is not None:
        errors.add("meeting_on", "The meeting has been held: its date is the day it was held.")
    plan = review.ehc_plan
    _not_too_far(errors, "meeting_on", meeting_on)
    if meeting_on < (plan.last_reviewed_on or plan.issued_on):
        errors.add("meeting_on", "The meeting cannot come before the plan's issue or its last review.")
    late = [i for i in review.invitations.all() if i.invited_on > meeting_on]
    if late:
        errors.add("meeting_on", f"Invitations were sent on {_day(late[0].invited_on)}: the meeting comes after them.")
    if is_phase_transfer and not plan.phase_transfer_year:
        errors.add("is_phase_transfer", "Set the plan's phase transfer year first.")
    errors.raise_if_any()
    review.meeting_on, review.is_phase_transfer = meeting_on, is_phase_transfer
    review.save()
    sync_review_deadlines(review)
    return review


@transaction.atomic
def save_invitation(
    review: AnnualReview,
    invitation: ReviewInvitation | None,
    *,
    party: str,
    name: str,
    email: str,
    invited_on: dt.date,
    advice_due_on: dt.date | None,
    response_on: dt.date | None = None,
    response: str = "",
) -> ReviewInvitation:
    """An invitation to the meeting (with an advice request when `advice_due_on` is given), or its reply."""
    _require_open(review)
    errors = Errors()
    meeting = review.held_on or review.meeting_on
    if not name.strip():
        errors.add("name", "Give the name of the person or service invited.")
    _not_future(errors, "invited_on", invited_on, "The invitation")
    if invited_on > meeting:
        errors.add("invited_on", f"Invitations go before the meeting ({_day(meeting)}), at least two weeks before.")
    if advice_due_on is not None:
        if advice_due_on < invited_on:
            errors.add("advice_due_on", "Advice cannot be due before it was asked for.")
        elif advice_due_on > meeting:
            errors.add("advice_due_on", f"Ask for advice before the meeting ({_day(meeting)}): it is circulated then.")
    if response_on is not None:
        _not_future(errors, "response_on", response_on, "The reply")
        if response_on < invited_on:
            errors.add("response_on", "A reply cannot come before the invitation.")
    if response.strip() and response_on is None:
        errors.add("response_on", "Give the day the reply or advice came.")
    circulated = review.advice_circulated_on
    if advice_due_on is not None and response_on is not None and circulated and response_on > circulated:
        errors.add(
            "response_on",
            f"The advice was circulated on {_day(circulated)}: advice received after that was not in it. "
            "Change the day it was circulated first.",
        )
    errors.raise_if_any()
    if invitation is None:
        invitation = ReviewInvitation(review=review, trust_id=review.trust_id)
    invitation.party, invitation.name, invitation.email = party, name.strip(), email.strip()
    invitation.invited_on, invitation.advice_due_on = invited_on, advice_due_on
    invitation.response_on, invitation.response = response_on, response.strip()
    invitation.save()
    sync_review_deadlines(review)
    return invitation


@transaction.atomic
def record_advice_circulated(review: AnnualReview, *, circulated_on: dt.date) -> AnnualReview:
    """The day the advice obtained went to everyone invited: reg. 20(4) is met by this, at least 2 weeks before
    the meeting, and it cannot come before the advice it carried."""
    _require_open(review)
    errors = Errors()
    _not_future(errors, "circulated_on", circulated_on, "The circulation")
    requests = [i for i in review.invitations.all() if i.advice_due_on is not None]
    received = [i for i in requests if i.response_on is not None]
    if not received:
        errors.add("circulated_on", "Record the advice received first: the circulation sends it to everyone invited.")
    for invitation in received:
        if invitation.response_on and invitation.response_on > circulated_on:
            errors.add(
                "circulated_on",
                f"The advice of {invitation.name} arrived on {_day(invitation.response_on)}: it cannot have been "
                "circulated before it arrived.",
            )
    errors.raise_if_any()
    review.advice_circulated_on = circulated_on
    review.save()
    sync_review_deadlines(review)
    return review


MEETING_FIELDS = (
    "attendees",
    "pupil_views",
    "parent_views",
    "other_views",
    "preparing_for_adulthood",
    "proposed_amendments",
    "recommendation",
)
# From Year 9 every review considers preparing for adulthood (reg. 20(6)).
FROM_YEAR_9 = frozenset({"9", "10", "11", "12", "13"})


@transaction.atomic
def record_meeting(
    review: AnnualReview, *, held_on: dt.date, progress: Mapping[int, tuple[str, str]], by: Any, **fields: Any
) -> AnnualReview:
    """The meeting record: who came, their views, progress towards each outcome, proposed amendments. The plan's
    next review is then due within 12 months of this meeting."""
    _require_open(review)
    plan = review.ehc_plan
    errors = Errors()
    _not_future(errors, "held_on", held_on, "The meeting")
    if held_on < plan.issued_on or (review.held_on is None and held_on < (plan.last_reviewed_on or plan.issued_on)):
        errors.add("held_on", "The meeting cannot come before the plan's issue or its last review.")
    if review.la_decision_on and held_on > review.la_decision_on:
        errors.add("held_on", f"The LA decided on {_day(review.la_decision_on)}: the meeting came before it.")
    early = [i for i in review.invitations.all() if i.invited_on > held_on]
    if early:
        errors.add("held_on", f"An invitation went on {_day(early[0].invited_on)}: the meeting cannot come before it.")
    if review.report_sent_on and held_on > review.report_sent_on:
        errors.add("held_on", f"The report went on {_day(review.report_sent_on)}: the meeting came before it.")
    if not (fields.get("attendees") or "").strip():
        errors.add("attendees", "Record who came to the meeting.")
    if plan.pupil.year_group in FROM_YEAR_9 and not (fields.get("preparing_for_adulthood") or "").strip():
        errors.add(
            "preparing_for_adulthood",
            "From Year 9 every review considers preparing for adulthood (reg. 20(6)): record what was discussed.",
        )
    outcomes = list(plan.outcomes.all())
    for outcome in outcomes:
        value, _ = progress.get(outcome.pk, ("", ""))
        if value not in Progress.values:
            errors.add(f"progress_{outcome.pk}", "Record progress towards this outcome.")
    if fields.get("recommendation") and fields["recommendation"] not in LaDecision.values:
        errors.add("recommendation", "Choose keep, amend or cease.")
    errors.raise_if_any()
    review.held_on = held_on
    for name in MEETING_FIELDS:
        if name in fields:
            setattr(review, name, (fields[name] or "").strip())
    if review.state == ReviewState.SCHEDULED:
        review.state = ReviewState.HELD
    review.save()
    for outcome in outcomes:
        value, note = progress[outcome.pk]
        OutcomeProgress.objects.update_or_create(
            review=review,
            outcome=outcome,
            trust_id=review.trust_id,
            defaults={"progress": value, "note": (note or "").strip()},
        )
    plan.last_reviewed_on = held_on
    plan.save(update_fields=["last_reviewed_on", "updated_at"])
    sync_review_deadlines(review)
    sync_plan_deadlines(plan)
    return review


@transaction.atomic
def send_report(review: AnnualReview, *, sent_on: dt.date) -> AnnualReview:
    _require_open(review)
    errors = Errors()
    if review.held_on is None:
        errors.add("sent_on", "Record the meeting first: the report comes from it.")
    elif sent_on < review.held_on:
        errors.add("sent_on", f"The report cannot go before the meeting ({_day(review.held_on)}).")
    _not_future(errors, "sent_on", sent_on, "The report")
    if review.la_decision_on and sent_on > review.la_decision_on:
        errors.add("sent_on", "The LA decided on the report: it went before the decision.")
    errors.raise_if_any()
    review.report_sent_on = sent_on
    if review.state == ReviewState.HELD:
        review.state = ReviewState.REPORT_SENT
    review.save()
    sync_review_deadlines(review)
    return review


@transaction.atomic
def record_la_decision(
    review: AnnualReview, *, decision: str, decided_on: dt.date, proposals_sent_on: dt.date | None = None
) -> AnnualReview:
    """Keep or cease closes the review; amend leaves it open until the amended plan is recorded. The proposed
    amendments, when they came with the decision, start the 8 weeks of the amended plan."""
    _require_open(review)
    errors = Errors()
    if proposals_sent_on is not None:
        if decision != LaDecision.AMEND:
            errors.add("proposals_sent_on", "Proposed amendments come with a decision to amend.")
        else:
            _check_proposals(errors, review, proposals_sent_on)
    if decision not in LaDecision.values:
        errors.add("decision", "Choose keep, amend or cease.")
    if review.held_on is None:
        errors.add("decided_on", "Record the meeting first: the LA decides after it.")
    elif decided_on < review.held_on:
        errors.add("decided_on", f"The LA cannot decide before the meeting ({_day(review.held_on)}).")
    if review.report_sent_on and decided_on < review.report_sent_on:
        errors.add("decided_on", f"The LA decides on the report, sent on {_day(review.report_sent_on)}.")
    _not_future(errors, "decided_on", decided_on, "The decision")
    errors.raise_if_any()
    review.la_decision, review.la_decision_on = decision, decided_on
    review.amendments_proposed_on = proposals_sent_on if decision == LaDecision.AMEND else None
    review.state = ReviewState.DECIDED if decision == LaDecision.AMEND else ReviewState.CLOSED
    review.save()
    sync_review_deadlines(review)
    sync_plan_deadlines(review.ehc_plan)  # the review is complete with the LA's decision (s. 44(1))
    return review


def _check_proposals(errors: Errors, review: AnnualReview, proposals_sent_on: dt.date) -> None:
    _not_future(errors, "proposals_sent_on", proposals_sent_on, "The proposals")
    if review.held_on is not None and proposals_sent_on < review.held_on:
        errors.add("proposals_sent_on", f"The LA proposes amendments after the meeting ({_day(review.held_on)}).")
    if review.amended_plan_on is not None and proposals_sent_on > review.amended_plan_on:
        errors.add("proposals_sent_on", "The proposals came before the amended plan.")


@transaction.atomic
def record_amendment_proposals(review: AnnualReview, *, proposals_sent_on: dt.date) -> AnnualReview:
    """The day the LA sent its proposed amendments, when they came after the decision was recorded: the amended
    plan is due 8 weeks from it, and proposals later than the 4-week decision are flagged."""
    _require_open(review)
    errors = Errors()
    if review.la_decision != LaDecision.AMEND:
        errors.add("proposals_sent_on", "Record the LA's decision to amend first.")
    else:
        _check_proposals(errors, review, proposals_sent_on)
    errors.raise_if_any()
    review.amendments_proposed_on = proposals_sent_on
    review.save()
    sync_review_deadlines(review)
    return review
