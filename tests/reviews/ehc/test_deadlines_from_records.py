"""EHC needs assessment requests, EHC plans and annual reviews: the deadlines they put in the table, and an annual
review from scheduling to the amended plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reviews.ehc import deadlines as ehc_deadlines
from reviews.ehc import review_services
from reviews.ehc import services as ehc_services
from reviews.models import (
    AnnualReview,
    Deadline,
    EhcPlan,
    ReviewInvitation,
    ReviewState,
)
from send.tenancy import tenant_context
from tests.reviews.support import TODAY, deadlines

pytestmark = pytest.mark.django_db


# --- Deadlines from the records ----------------------------------------------------------------------------------


def test_a_request_puts_domain_md_worked_example_in_the_table_and_decisions_meet_them(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        request = ehc_services.save_request(
            a.pupils[1],
            None,
            by=a.users["senco"],
            requested_by="parent",
            local_authority="Norfolk",
            received_on=dt.date(2025, 9, 15),
        )
    found = deadlines(a.trust, request=request)
    assert {k: d.due_on for k, d in found.items()} == {
        "decide_to_assess": dt.date(2025, 10, 27),
        "final_plan": dt.date(2026, 2, 2),
    }  # "no plan" by Mon 5 Jan 2026 only once the LA decides, after assessing, not to issue one
    assert "reg. 13" in found["final_plan"].rule
    with tenant_context(a.trust.pk):
        ehc_services.save_request(
            a.pupils[1],
            request,
            by=a.users["senco"],
            requested_by="parent",
            local_authority="Norfolk",
            received_on=dt.date(2025, 9, 15),
            decision="assess",
            decided_on=dt.date(2025, 10, 20),
        )
    found = deadlines(a.trust, request=request)
    assert (found["decide_to_assess"].state, found["decide_to_assess"].met_on) == ("met", dt.date(2025, 10, 20))
    assert found["final_plan"].state == "open"
    with tenant_context(a.trust.pk):
        plan = ehc_services.save_plan(
            a.pupils[1],
            None,
            by=a.users["senco"],
            request=request,
            local_authority="Norfolk",
            issued_on=dt.date(2026, 1, 30),
        )
        request.refresh_from_db()
    assert request.outcome == "plan_issued"
    found = deadlines(a.trust, request=request)
    assert found["final_plan"].state == "met" and "notify_no_plan" not in found
    assert deadlines(a.trust, ehc_plan=plan)["review_by"].due_on == dt.date(2027, 1, 29)


def test_an_annual_review_from_scheduling_to_the_amended_plan(world: Any) -> None:
    a = world.a
    senco = a.users["senco"]
    with tenant_context(a.trust.pk):
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        ehc_services.save_plan(plan.pupil, plan, by=senco, phase_transfer_year=2027)
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        assert review.due_by == dt.date(2026, 11, 30)  # 12 months starting with 1 Dec 2025
        review_services.reschedule_review(review, meeting_on=dt.date(2026, 11, 20), is_phase_transfer=True)
    found = deadlines(a.trust, review=review)
    assert found["invitations_by"].due_on == dt.date(2026, 11, 6)
    assert found["invitations_by"].state == "open"  # only the parent invited (2 Nov): not everyone required
    assert found["report_by"].due_on == dt.date(2026, 12, 4)
    assert found["la_decision_by"].due_on == dt.date(2026, 12, 18)
    assert found["advice_due"].state == "open"
    assert "amended_plan_by" not in found  # only once the LA decides to amend
    with tenant_context(a.trust.pk):
        review_services.save_invitation(
            review,
            ReviewInvitation.objects.get(pk=a.invitation.pk),
            party="parent",
            name="Parent of Pupil2",
            email="",
            invited_on=dt.date(2026, 11, 2),
            advice_due_on=dt.date(2026, 11, 16),
            response_on=dt.date(2026, 11, 12),
            response="We would like more speech therapy.",
        )
        for party in ("head", "la", "health", "social_care"):
            review_services.save_invitation(
                review, None, party=party, name=party, email="", invited_on=dt.date(2026, 11, 2), advice_due_on=None
            )
        review_services.record_advice_circulated(review, circulated_on=dt.date(2026, 11, 13))
        review_services.record_meeting(
            review,
            held_on=dt.date(2026, 11, 20),
            progress={a.ehc_outcome.pk: ("partly", "Joins in with one friend")},
            by=senco,
            attendees="Parent\nSENCO\nClass teacher",
            pupil_views="I like Lego club",
            parent_views="Happy with progress",
            other_views="",
            proposed_amendments="Add SALT to F",
            recommendation="amend",
        )
        review_services.send_report(review, sent_on=dt.date(2026, 11, 24))
        review_services.record_la_decision(review, decision="amend", decided_on=dt.date(2026, 11, 25))
    found = deadlines(a.trust, review=review)
    assert {k: d.state for k, d in found.items()} == {
        "invitations_by": "met",
        "advice_requests_by": "met",
        "advice_circulated_by": "met",
        "advice_due": "met",
        "report_by": "met",
        "la_decision_by": "met",
        "amended_plan_by": "open",
    }
    assert found["amended_plan_by"].due_on == dt.date(2027, 2, 12)  # 12 weeks from the meeting
    with tenant_context(a.trust.pk):
        plan.refresh_from_db()
        assert plan.last_reviewed_on == dt.date(2026, 11, 20)
        ehc_services.record_amendment(
            plan,
            issued_on=dt.date(2026, 11, 26) if dt.date(2026, 11, 26) <= TODAY else TODAY,
            summary="SALT added to section F; names Oakfield Academy",
            names_new_school=True,
            by=senco,
            review=review,
        )
        review.refresh_from_db()
    assert review.state == ReviewState.CLOSED
    assert deadlines(a.trust, review=review)["amended_plan_by"].state == "met"
    plan_deadlines = deadlines(a.trust, ehc_plan=plan, state="open")
    assert plan_deadlines["review_by"].due_on == dt.date(2027, 11, 19)  # 12 months starting with this review
    assert deadlines(a.trust, ehc_plan=plan, kind="transfer_plan_by")["transfer_plan_by"].state == "met"
    assert deadlines(a.trust, ehc_plan=plan, kind="transfer_meeting_by")["transfer_meeting_by"].state == "met"


def test_an_under_five_is_reviewed_on_their_own_cycle_until_they_turn_five(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        pupil = a.pupils[1]
        pupil.date_of_birth = dt.date(2022, 1, 10)
        pupil.save()
        plan = ehc_services.save_plan(
            pupil,
            None,
            by=a.users["senco"],
            local_authority="Norfolk",
            issued_on=dt.date(2026, 3, 1),
            review_every_months=6,
        )
        due = deadlines(a.trust, ehc_plan=plan)["review_by"]
        assert (due.due_on, "under 5" in due.rule) == (dt.date(2026, 8, 31), True)
        plan.last_reviewed_on = dt.date(2026, 9, 1)  # reviewed; now 4 years 8 months
        plan.save()
        ehc_deadlines.sync_plan_deadlines(plan)
        assert deadlines(a.trust, ehc_plan=plan, state="open")["review_by"].due_on == dt.date(2027, 2, 28)
        plan.last_reviewed_on = dt.date(2027, 2, 1)  # now five: back to twelve months
        plan.save()
        ehc_deadlines.sync_plan_deadlines(plan)
        assert deadlines(a.trust, ehc_plan=plan, state="open")["review_by"].due_on == dt.date(2028, 1, 31)


def test_phase_transfer_dates_move_back_to_the_last_school_day(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        a.term.starts_on, a.term.ends_on = dt.date(2026, 11, 2), dt.date(2026, 11, 19)
        a.term.save()
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        ehc_services.save_plan(plan.pupil, plan, by=a.users["senco"], phase_transfer_year=2027)
    found = deadlines(a.trust, ehc_plan=plan)
    assert found["transfer_plan_by"].due_on == dt.date(2027, 2, 14)
    # 12 weeks before is Sat 22 Nov 2026, after the term entered ends (Thu 19 Nov): moved back to it
    assert found["transfer_meeting_by"].due_on == dt.date(2026, 11, 19)
    assert "last school day" in found["transfer_meeting_by"].rule


def test_ceasing_a_plan_closes_its_open_deadlines(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        ehc_services.cease_plan(plan, ceased_on=TODAY, reason="Moved to another LA")
        assert not Deadline.objects.filter(ehc_plan=plan, state="open").exists()
        assert not Deadline.objects.filter(review=a.annual_review, state="open").exists()
        assert AnnualReview.objects.get(pk=a.annual_review.pk).state == ReviewState.CLOSED
