"""Reads for EHC requests, plans and reviews: tenant-scoped, permission-filtered, each list in a fixed number of
queries."""

from __future__ import annotations

from typing import Any

from pupils.models import Pupil
from reviews import statutory
from reviews.deadlines.models import Deadline, DeadlineState
from reviews.deadlines.selectors import DEADLINE_RELATED
from reviews.ehc.models import (
    SECTION_FIELDS,
    AnnualReview,
    EhcAssessmentRequest,
    EhcOutcome,
    EhcPlan,
    OutcomeProgress,
    ReviewState,
)
from reviews.ehc.review_steps import check_invitees
from send import policy


def ehc_of_pupil(user: Any, pupil: Pupil) -> dict[str, Any]:
    """What the pupil record shows: requests and plans, newest first, and the current plan's open review."""
    requests: list[EhcAssessmentRequest] = list(policy.visible(user, EhcAssessmentRequest.objects.filter(pupil=pupil)))
    plans: list[EhcPlan] = list(policy.visible(user, EhcPlan.objects.filter(pupil=pupil)))
    current = next((p for p in plans if p.ceased_on is None), None)
    open_review = (
        AnnualReview.objects.filter(ehc_plan=current).exclude(state=ReviewState.CLOSED).first() if current else None
    )
    deadlines: list[Deadline] = list(
        policy.visible(user, Deadline.objects.filter(pupil=pupil, state=DeadlineState.OPEN)).select_related(
            *DEADLINE_RELATED
        )
    )
    return {
        "ehc_requests": requests,
        "ehc_plans": plans,
        "current_plan": current,
        "open_review": open_review,
        "open_deadlines": deadlines,
    }


def request_detail(request: EhcAssessmentRequest) -> dict[str, Any]:
    draft = request.draft_sent_on
    return {
        "draft_dates": list(statutory.draft_plan_dates(draft, request.school_consulted_on).values()) if draft else [],
        "deadlines": list(request.deadlines.select_related(*DEADLINE_RELATED)),
        "plans": list(request.plans.all()),
    }


def plan_detail(plan: EhcPlan) -> dict[str, Any]:
    outcomes = list(plan.outcomes.all())
    linked = _targets_by_outcome(outcomes)
    labels = {f.name: f.verbose_name for f in EhcPlan._meta.fields}
    return {
        "sections": [(labels[name], getattr(plan, name)) for name in SECTION_FIELDS],
        "outcomes": outcomes,
        "provision": list(plan.provision.select_related("outcome", "group__intervention")),
        "amendments": list(plan.amendments.select_related("recorded_by", "review")),
        "reviews": list(plan.reviews.all()),
        "deadlines": list(plan.deadlines.select_related(*DEADLINE_RELATED)),
        "outcome_rows": [(o, linked.get(o.pk, [])) for o in outcomes],
    }


def _targets_by_outcome(outcomes: list[EhcOutcome]) -> dict[int, list[Any]]:
    from reviews.apdr.models import Target

    found: dict[int, list[Any]] = {}
    for target in Target.objects.filter(ehc_outcome__in=outcomes).select_related("plan").order_by("-plan__cycle"):
        if target.ehc_outcome_id is not None:
            found.setdefault(target.ehc_outcome_id, []).append(target)
    return found


def review_detail(review: AnnualReview) -> dict[str, Any]:
    plan = review.ehc_plan
    outcomes = list(plan.outcomes.all())
    progress = {p.outcome_id: p for p in OutcomeProgress.objects.filter(review=review)}
    invitations = list(review.invitations.all())
    return {
        "plan": plan,
        "outcomes": outcomes,
        "outcome_rows": [(outcome, progress.get(outcome.pk)) for outcome in outcomes],
        "invitations": invitations,
        "invitees": check_invitees(invitations, review.held_on or review.meeting_on),
        "deadlines": list(review.deadlines.select_related(*DEADLINE_RELATED).order_by("due_on", "pk")),
        "provision": list(plan.provision.select_related("outcome", "group__intervention")),
    }
