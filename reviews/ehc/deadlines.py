"""The statutory deadlines of EHC needs assessment requests, EHC plans and annual reviews on the deadline engine
(the dates and their rules are `reviews.statutory`; which event meets each step is decided here)."""

from __future__ import annotations

import datetime as dt

from reviews import statutory
from reviews.deadlines.models import Deadline, DeadlineKind, DeadlineState
from reviews.deadlines.services import Wanted, apply_deadlines
from reviews.ehc.models import AnnualReview, EhcAssessmentRequest, EhcPlan, ReviewState
from reviews.ehc.review_steps import check_invitees
from schools.selectors import school_calendar


def sync_request_deadlines(request: EhcAssessmentRequest) -> None:
    dates = statutory.ehc_assessment_deadlines(
        request.la_responsible_on or request.received_on, la_became_responsible=request.la_responsible_on is not None
    )
    outcome = request.outcome
    refused = request.decision == "refused" or outcome == "refused"
    withdrawn = outcome == "withdrawn"
    wanted = [
        Wanted(
            f"request:{request.pk}:decide_to_assess",
            DeadlineKind.DECIDE_TO_ASSESS,
            dates["decide_to_assess"].date,
            dates["decide_to_assess"].rule,
            met_on=request.decided_on if request.decision != "pending" else None,
            cancelled=withdrawn and request.decision == "pending",
        ),
        Wanted(
            f"request:{request.pk}:final_plan",
            DeadlineKind.FINAL_PLAN,
            dates["final_plan"].date,
            dates["final_plan"].rule,
            met_on=request.outcome_on if outcome == "plan_issued" else None,
            cancelled=refused or withdrawn or outcome == "no_plan",
        ),
    ]
    if outcome == "no_plan" and request.draft_sent_on is None:
        # only once the LA decided, after assessing, not to issue a plan (reg. 10); a draft plan ends this clock
        wanted.append(
            Wanted(
                f"request:{request.pk}:notify_no_plan",
                DeadlineKind.NOTIFY_NO_PLAN,
                dates["notify_no_plan"].date,
                dates["notify_no_plan"].rule,
                met_on=request.outcome_on,
            )
        )
    apply_deadlines(request.pupil, {"request": request}, wanted, f"request:{request.pk}:")


def review_interval(plan: EhcPlan, base: dt.date) -> int:
    """The plan's own cycle while the child is under 5 on `base`; 12 months from their fifth birthday."""
    return plan.review_every_months if statutory.is_under_five(plan.pupil.date_of_birth, base) else 12


def _annual_review_wanted(plan: EhcPlan, prefix: str) -> list[Wanted]:
    """The review period running now (from the issue or the last review) and the planning date of its meeting;
    an earlier period's row is met by the LA's decision on the review held in it (s. 44(1): the review is
    complete with the decision), its meeting row by that review's meeting."""
    base = plan.last_reviewed_on or plan.issued_on
    dates = statutory.annual_review_deadlines(base, review_interval(plan, base))
    wanted = [
        Wanted(f"{prefix}review_by:{base.isoformat()}", DeadlineKind.REVIEW_BY, *_date_rule(dates["review_by"])),
        Wanted(f"{prefix}meeting_by:{base.isoformat()}", DeadlineKind.MEETING_BY, *_date_rule(dates["meeting_by"])),
    ]
    current = {w.key for w in wanted}
    reviews = sorted((r for r in plan.reviews.all() if r.held_on is not None), key=lambda r: r.held_on or base)
    starts = {plan.issued_on, *(r.held_on for r in reviews)}
    kinds = (DeadlineKind.REVIEW_BY, DeadlineKind.MEETING_BY)
    for row in Deadline.objects.filter(ehc_plan=plan, kind__in=kinds, state=DeadlineState.OPEN):
        if row.key in current:
            continue
        period_start = dt.date.fromisoformat(row.key.rsplit(":", 1)[1])
        review = next((r for r in reviews if r.held_on and r.held_on > period_start), None)
        if period_start not in starts or review is None:
            # a meeting date since corrected, or a last review typed on the plan with no review recorded here:
            # not wanted (cancelled), never marked met by a date that is not the LA's decision
            continue
        met_on = review.la_decision_on if row.kind == DeadlineKind.REVIEW_BY else review.held_on
        wanted.append(Wanted(row.key, row.kind, row.due_on, row.rule, row.detail, met_on=met_on))
    return wanted


def _date_rule(deadline: statutory.Deadline) -> tuple[dt.date, str]:
    return deadline.date, deadline.rule


def sync_plan_deadlines(plan: EhcPlan) -> None:
    prefix = f"ehcp:{plan.pk}:"
    if plan.ceased_on is not None:
        apply_deadlines(plan.pupil, {"ehc_plan": plan}, [], prefix)
        for review in plan.reviews.all():
            apply_deadlines(plan.pupil, {"review": review}, [], f"review:{review.pk}:")
        return
    wanted = _annual_review_wanted(plan, prefix)
    if plan.phase_transfer_year:
        transfer = statutory.phase_transfer_deadlines(
            plan.phase_transfer_year, plan.post16_transfer, school_calendar(plan.pupil.school_id)
        )
        year = plan.phase_transfer_year
        # met by this transfer's review and amended plan: from the September a year before the transfer
        since = dt.date(year - 1, 9, 1)
        held = (
            plan.reviews.filter(is_phase_transfer=True, held_on__gte=since)
            .order_by("-held_on")
            .values_list("held_on", flat=True)
            .first()
        )
        named = (
            plan.amendments.filter(names_new_school=True, issued_on__gte=since)
            .order_by("-issued_on")
            .values_list("issued_on", flat=True)
        ).first()
        wanted += [
            Wanted(
                f"{prefix}transfer_meeting_by:{year}",
                DeadlineKind.TRANSFER_MEETING_BY,
                transfer["review_meeting_by"].date,
                transfer["review_meeting_by"].rule,
                detail=f"Transfer in September {year}",
                met_on=held,
            ),
            Wanted(
                f"{prefix}transfer_plan_by:{year}",
                DeadlineKind.TRANSFER_PLAN_BY,
                transfer["amended_plan_by"].date,
                transfer["amended_plan_by"].rule,
                detail=f"Transfer in September {year}",
                met_on=named,
            ),
        ]
    apply_deadlines(plan.pupil, {"ehc_plan": plan}, wanted, prefix)


def sync_review_deadlines(review: AnnualReview) -> None:
    prefix = f"review:{review.pk}:"
    plan = review.ehc_plan
    if plan.ceased_on is not None:
        apply_deadlines(plan.pupil, {"review": review}, [], prefix)
        return
    meeting = review.held_on or review.meeting_on
    dates = statutory.review_meeting_deadlines(meeting, review.amendments_proposed_on)
    invitations = list(review.invitations.all())
    closed = review.state == ReviewState.CLOSED
    invitees = check_invitees(invitations, meeting)
    advice_requested = [i.invited_on for i in invitations if i.advice_due_on]
    wanted = [
        Wanted(
            f"{prefix}invitations_by",
            DeadlineKind.INVITATIONS_BY,
            dates["invitations_by"].date,
            dates["invitations_by"].rule,
            detail=invitees.summary,
            met_on=invitees.met_on,
            cancelled=closed and invitees.met_on is None,
        ),
        Wanted(
            f"{prefix}advice_requests_by",
            DeadlineKind.ADVICE_REQUESTS_BY,
            dates["advice_requests_by"].date,
            dates["advice_requests_by"].rule,
            met_on=min(advice_requested, default=None),
            cancelled=closed and not advice_requested,
        ),
        Wanted(
            f"{prefix}advice_circulated_by",
            DeadlineKind.ADVICE_CIRCULATED_BY,
            dates["advice_circulated_by"].date,
            dates["advice_circulated_by"].rule,
            met_on=review.advice_circulated_on,
            cancelled=closed and not review.advice_circulated_on,
        ),
        Wanted(
            f"{prefix}report_by",
            DeadlineKind.REPORT_BY,
            dates["report_by"].date,
            dates["report_by"].rule,
            met_on=review.report_sent_on,
            cancelled=closed and not review.report_sent_on,
        ),
        Wanted(
            f"{prefix}la_decision_by",
            DeadlineKind.LA_DECISION_BY,
            dates["la_decision_by"].date,
            dates["la_decision_by"].rule,
            met_on=review.la_decision_on,
            cancelled=closed and not review.la_decision_on,
        ),
    ]
    for invitation in invitations:
        if invitation.advice_due_on:
            wanted.append(
                Wanted(
                    f"{prefix}advice:{invitation.pk}",
                    DeadlineKind.ADVICE_DUE,
                    invitation.advice_due_on,
                    "Advice asked for by the date the school set, before the meeting (reg. 20)",
                    detail=f"{invitation.name} ({invitation.get_party_display()})",
                    met_on=invitation.response_on,
                    cancelled=closed and not invitation.response_on,
                )
            )
    if review.la_decision == "amend":
        wanted.append(
            Wanted(
                f"{prefix}amended_plan_by",
                DeadlineKind.AMENDED_PLAN_BY,
                dates["amended_plan_by"].date,
                dates["amended_plan_by"].rule,
                detail=_late_proposals(review, dates["la_decision_by"].date),
                met_on=review.amended_plan_on,
            )
        )
    apply_deadlines(plan.pupil, {"review": review}, wanted, prefix)


def _late_proposals(review: AnnualReview, decision_by: dt.date) -> str:
    """Proposals sent after the 4 weeks the LA has to decide: the practice R (L) v Devon CC [2022] ruled unlawful."""
    proposed = review.amendments_proposed_on
    if proposed is not None and proposed > decision_by:
        return (
            f"Proposals sent {proposed:%-d %b %Y}, after the 4-week decision ({decision_by:%-d %b %Y}): "
            "unlawful (R (L) v Devon CC [2022])"
        )
    return ""
