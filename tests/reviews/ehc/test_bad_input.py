"""Bad input to EHC records: field errors, and nothing half-saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.ehc import review_services
from reviews.ehc import services as ehc_services
from reviews.models import (
    AnnualReview,
    Deadline,
    EhcAssessmentRequest,
    EhcPlan,
    ReviewInvitation,
    ReviewState,
)
from send.dates import add_months as add_months_
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import TODAY, deadlines

pytestmark = pytest.mark.django_db


# --- Bad input: field errors, nothing saved ----------------------------------------------------------------------


def _errors(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_dates_out_of_order_are_field_errors_and_nothing_is_saved(world: Any) -> None:
    a = world.a
    senco = a.users["senco"]
    with tenant_context(a.trust.pk):
        before = (EhcAssessmentRequest.objects.count(), Deadline.objects.count(), ReviewInvitation.objects.count())
        errors = _errors(
            lambda: ehc_services.save_request(
                a.pupils[1],
                None,
                by=senco,
                requested_by="school",
                local_authority="Norfolk",
                received_on=dt.date(2026, 10, 1),
                sent_on=dt.date(2026, 10, 5),
                decision="assess",
                decided_on=dt.date(2026, 9, 1),
            )
        )
        assert "before the request was received" in errors["decided_on"][0]
        assert "sent_on" in errors
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        errors = _errors(
            lambda: review_services.save_invitation(
                review,
                None,
                party="ep",
                name="EP service",
                email="",
                invited_on=dt.date(2026, 11, 26),
                advice_due_on=None,
            )
        )
        assert "before the meeting" in errors["invited_on"][0]
        errors = _errors(
            lambda: review_services.reschedule_review(review, meeting_on=dt.date(2026, 11, 1), is_phase_transfer=False)
        )
        assert "Invitations were sent on 2 November 2026" in errors["meeting_on"][0]
        errors = _errors(lambda: review_services.record_la_decision(review, decision="keep", decided_on=TODAY))
        assert "Record the meeting first" in errors["decided_on"][0]
        assert (
            EhcAssessmentRequest.objects.count(),
            Deadline.objects.count(),
            ReviewInvitation.objects.count(),
        ) == before
        assert AnnualReview.objects.get(pk=review.pk).meeting_on == dt.date(2026, 11, 25)


def test_a_review_for_a_pupil_without_a_plan_is_refused_on_the_page(world: Any) -> None:
    a = world.a
    url = reverse("reviews:annual_review_new", kwargs={"pupil_uuid": a.pupils[1].uuid})
    response = client_for(a.users["senco"]).post(url, {"meeting_on": "2026-12-10"})
    assert response.status_code == 200
    assert "has no current EHC plan: record the plan first" in response.content.decode()
    with tenant_context(a.trust.pk):
        assert AnnualReview.objects.count() == 1


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (1999, "Give the year of the transfer"),
        (2101, "Give the year of the transfer"),
        (2024, "cannot come before the plan"),
    ],
)
def test_an_invalid_phase_transfer_year_is_a_field_error(world: Any, year: int, message: str) -> None:
    a = world.a
    url = reverse("reviews:ehc_plan_edit", kwargs={"plan_uuid": a.ehc_plan.uuid})
    response = client_for(a.users["senco"]).post(
        url,
        {
            "local_authority": "Norfolk",
            "issued_on": "2025-12-01",
            "review_every_months": "12",
            "phase_transfer_year": str(year),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with tenant_context(a.trust.pk):
        assert EhcPlan.objects.get(pk=a.ehc_plan.pk).phase_transfer_year is None


def test_only_an_under_five_has_a_shorter_review_cycle(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        errors = _errors(
            lambda: ehc_services.save_plan(
                a.pupils[1],
                None,
                by=a.users["senco"],
                local_authority="Norfolk",
                issued_on=dt.date(2026, 1, 5),
                review_every_months=6,
            )
        )
        assert "Only a child under 5" in errors["review_every_months"][0]
        errors = _errors(
            lambda: ehc_services.save_plan(
                a.pupils[2], None, by=a.users["senco"], local_authority="Norfolk", issued_on=dt.date(2026, 1, 5)
            )
        )
        assert "already has a current EHC plan" in errors["issued_on"][0]


def test_a_meeting_record_needs_progress_on_every_outcome(world: Any) -> None:
    a = world.a
    url = reverse("reviews:review_meeting", kwargs={"review_uuid": a.annual_review.uuid})
    response = client_for(a.users["assistant"]).post(url, {"held_on": "2026-11-25", "attendees": "Parent"})
    assert response.status_code == 200
    assert "Record progress towards this outcome." in response.content.decode()
    with tenant_context(a.trust.pk):
        assert AnnualReview.objects.get(pk=a.annual_review.pk).held_on is None


def test_more_bad_input_is_refused_with_field_errors(world: Any) -> None:
    a = world.a
    senco = a.users["senco"]
    with tenant_context(a.trust.pk):
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        errors = _errors(lambda: ehc_services.save_plan(plan.pupil, plan, by=senco, review_every_months=0))
        assert "every 12 months" in errors["review_every_months"][0]
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        far = add_months_(TODAY, 30)
        errors = _errors(lambda: review_services.reschedule_review(review, meeting_on=far, is_phase_transfer=False))
        assert "within the next two years" in errors["meeting_on"][0]
        with pytest.raises(ValidationError, match="decision to amend first"):
            ehc_services.record_amendment(
                plan, issued_on=TODAY, summary="x", names_new_school=False, by=senco, review=review
            )
        request = EhcAssessmentRequest.objects.get(pk=a.ehc_request.pk)
        errors = _errors(
            lambda: ehc_services.save_plan(
                request.pupil, None, by=senco, request=request, local_authority="Norfolk", issued_on=dt.date(2026, 9, 1)
            )
        )
        assert "before its request was received" in errors["issued_on"][0]
        review_services.record_meeting(
            review,
            held_on=dt.date(2026, 11, 25),
            progress={a.ehc_outcome.pk: ("met", "")},
            by=senco,
            attendees="Parent",
        )
        review_services.record_la_decision(review, decision="keep", decided_on=TODAY)
        ehc_services.cease_plan(plan, ceased_on=TODAY, reason="Left for a school in Wales")
        with pytest.raises(ValidationError, match="ceased"):
            ehc_services.save_plan(plan.pupil, plan, by=senco, local_authority="Suffolk")


def test_the_meeting_cannot_be_moved_after_the_las_decision(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        review_services.record_meeting(
            review,
            held_on=dt.date(2026, 11, 20),
            progress={a.ehc_outcome.pk: ("met", "")},
            by=a.users["senco"],
            attendees="Parent",
        )
        review_services.record_la_decision(review, decision="amend", decided_on=dt.date(2026, 11, 24))
        errors = _errors(
            lambda: review_services.record_meeting(
                review,
                held_on=dt.date(2026, 11, 25),
                progress={a.ehc_outcome.pk: ("met", "")},
                by=a.users["senco"],
                attendees="Parent",
            )
        )
        assert "the meeting came before it" in errors["held_on"][0]


def test_a_plan_recorded_from_the_record_answers_the_request_the_la_agreed_to_assess(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        request = EhcAssessmentRequest.objects.get(pk=a.ehc_request.pk)
        ehc_services.save_request(
            request.pupil,
            request,
            by=a.users["senco"],
            requested_by="school",
            local_authority="Norfolk",
            received_on=dt.date(2026, 9, 14),
            decision="assess",
            decided_on=dt.date(2026, 10, 20),
        )
        plan = ehc_services.save_plan(
            request.pupil, None, by=a.users["senco"], local_authority="Norfolk", issued_on=TODAY
        )
        request.refresh_from_db()
    assert (plan.request_id, request.outcome) == (request.pk, "plan_issued")
    assert deadlines(a.trust, request=request)["final_plan"].state == "met"


def test_an_amended_plan_recorded_on_the_plan_page_closes_the_review_that_decided_to_amend(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        review_services.record_meeting(
            review,
            held_on=dt.date(2026, 11, 20),
            progress={a.ehc_outcome.pk: ("met", "")},
            by=a.users["senco"],
            attendees="Parent",
        )
        review_services.record_la_decision(review, decision="amend", decided_on=dt.date(2026, 11, 24))
        ehc_services.record_amendment(
            EhcPlan.objects.get(pk=a.ehc_plan.pk),
            issued_on=TODAY,
            summary="SALT added",
            names_new_school=False,
            by=a.users["senco"],
        )
        review.refresh_from_db()
    assert (review.state, review.amended_plan_on) == (ReviewState.CLOSED, TODAY)
    assert deadlines(a.trust, review=review)["amended_plan_by"].state == "met"
