"""The amended plan is due 8 weeks from the LA's proposed amendments (reg. 22; R (L) v Devon CC [2022]); proposals
sent after the LA's 4 weeks to decide are flagged; 12 weeks from the meeting is only the outer limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from reviews.ehc import review_services
from reviews.models import AnnualReview, ReviewInvitation
from reviews.statutory import review_meeting_deadlines
from send.tenancy import tenant_context
from tests.reviews.support import deadlines

D = dt.date


def test_domain_md_proposals_sent_tue_10_feb_2026_final_by_tue_7_apr() -> None:
    dates = review_meeting_deadlines(D(2026, 2, 3), D(2026, 2, 10))
    assert dates["amended_plan_by"].date == D(2026, 4, 7)
    assert "8 weeks of the proposed amendments" in dates["amended_plan_by"].rule
    outer = review_meeting_deadlines(D(2026, 2, 3))["amended_plan_by"]
    assert (outer.date, "outer limit" in outer.rule) == (D(2026, 4, 28), True)


def _held_on_1_oct(a: Any) -> AnnualReview:
    ReviewInvitation.objects.filter(review=a.annual_review).delete()
    review = AnnualReview.objects.get(pk=a.annual_review.pk)
    review_services.reschedule_review(review, meeting_on=D(2026, 10, 1), is_phase_transfer=False)
    review_services.record_meeting(
        review, held_on=D(2026, 10, 1), progress={a.ehc_outcome.pk: ("partly", "")}, by=a.users["senco"], attendees="x"
    )
    return review


@pytest.mark.django_db
def test_the_amended_plan_counts_from_the_proposals_and_late_proposals_are_flagged(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = _held_on_1_oct(a)
        review_services.record_la_decision(review, decision="amend", decided_on=D(2026, 10, 20))
    row = deadlines(a.trust, review=review)["amended_plan_by"]
    assert row.due_on == D(2026, 12, 24)  # 12 weeks from the meeting, until the proposals are known
    with tenant_context(a.trust.pk):
        review_services.record_amendment_proposals(review, proposals_sent_on=D(2026, 11, 5))
    row = deadlines(a.trust, review=review)["amended_plan_by"]
    assert row.due_on == D(2026, 12, 31)  # 8 weeks from Thu 5 Nov
    assert "after the 4-week decision (29 Oct 2026)" in row.detail and "R (L) v Devon CC" in row.detail


@pytest.mark.django_db
def test_proposals_in_time_are_not_flagged_and_bad_proposal_dates_are_field_errors(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = _held_on_1_oct(a)
        with pytest.raises(ValidationError) as keep:
            review_services.record_la_decision(
                review, decision="keep", decided_on=D(2026, 10, 20), proposals_sent_on=D(2026, 10, 20)
            )
        assert "proposals_sent_on" in keep.value.message_dict
        with pytest.raises(ValidationError) as early:
            review_services.record_la_decision(
                review, decision="amend", decided_on=D(2026, 10, 20), proposals_sent_on=D(2026, 9, 30)
            )
        assert "proposals_sent_on" in early.value.message_dict
        assert AnnualReview.objects.get(pk=review.pk).la_decision == ""
        review_services.record_la_decision(
            review, decision="amend", decided_on=D(2026, 10, 20), proposals_sent_on=D(2026, 10, 20)
        )
    row = deadlines(a.trust, review=review)["amended_plan_by"]
    assert (row.due_on, row.detail) == (D(2026, 12, 15), "")
