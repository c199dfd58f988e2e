"""Before the meeting (reg. 20): the invitation step is met only when *every* required person was invited 2 weeks
ahead, and the advice step by its circulation to everyone invited 2 weeks ahead, never by the first invitation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.ehc import review_services
from reviews.ehc.review_steps import check_invitees
from reviews.models import AnnualReview, ReviewInvitation
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import deadlines

D = dt.date


def test_domain_md_meeting_tue_3_feb_2026_needs_everyone_invited_by_tue_20_jan() -> None:
    def invited(party: str, day: dt.date) -> ReviewInvitation:
        return ReviewInvitation(party=party, name=party, invited_on=day)

    on_time = [invited(p, D(2026, 1, 20)) for p in ("parent", "head", "la", "health", "social_care")]
    check = check_invitees(on_time, D(2026, 2, 3))
    assert (check.due_on, check.met_on, check.missing, check.late) == (D(2026, 1, 20), D(2026, 1, 20), [], [])
    # the first invitation alone does not meet it
    assert check_invitees(on_time[:1], D(2026, 2, 3)).met_on is None
    # a young person instead of the parent; the head a day late
    late = [invited("pupil", D(2026, 1, 6)), *on_time[2:], invited("head", D(2026, 1, 21))]
    check = check_invitees(late, D(2026, 2, 3))
    assert (check.met_on, check.late) == (D(2026, 1, 21), ["the head or principal"])
    assert check.summary == "Invited late: the head or principal"
    # optional invitees (an educational psychologist) count for nothing
    check = check_invitees([invited("ep", D(2026, 1, 1))], D(2026, 2, 3))
    assert len(check.missing) == 5


def _invite(review: AnnualReview, party: str, day: dt.date, **extra: Any) -> ReviewInvitation:
    return review_services.save_invitation(
        review, None, party=party, name=f"The {party}", email="", invited_on=day, advice_due_on=None, **extra
    )


@pytest.mark.django_db
def test_the_step_waits_for_every_required_invitee_and_shows_who_is_missing_or_late(world: Any) -> None:
    a = world.a  # meeting Wed 25 Nov 2026: invitations due by Wed 11 Nov; the parent invited on 2 Nov
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
    row = deadlines(a.trust, review=review)["invitations_by"]
    assert (row.due_on, row.state) == (D(2026, 11, 11), "open")
    assert row.detail == "Not invited: the head or principal, an LA SEN officer, health, social care"
    with tenant_context(a.trust.pk):
        _invite(review, "head", D(2026, 11, 3))
        _invite(review, "la", D(2026, 11, 4))
        _invite(review, "health", D(2026, 11, 5))
    assert deadlines(a.trust, review=review)["invitations_by"].state == "open"
    html = client_for(a.users["senco"]).get(reverse("reviews:annual_review", args=[review.uuid])).content.decode()
    assert "social care" in html and "Not invited" in html
    with tenant_context(a.trust.pk):
        _invite(review, "social_care", D(2026, 11, 20))
    row = deadlines(a.trust, review=review)["invitations_by"]
    assert (row.state, row.met_on, row.detail) == ("met", D(2026, 11, 20), "Invited late: social care")
    html = client_for(a.users["senco"]).get(reverse("reviews:annual_review", args=[review.uuid])).content.decode()
    assert "Invited late: social care" in html


@pytest.mark.django_db
def test_advice_is_met_by_its_circulation_two_weeks_before_and_requested_six_weeks_before(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        invitation = ReviewInvitation.objects.get(pk=a.invitation.pk)
    found = deadlines(a.trust, review=review)
    assert found["advice_requests_by"].due_on == D(2026, 10, 14)  # 6 weeks before: a reminder
    assert (found["advice_requests_by"].state, found["advice_requests_by"].met_on) == ("met", D(2026, 11, 2))
    assert "Planning date" in found["advice_requests_by"].rule
    assert (found["advice_circulated_by"].due_on, found["advice_circulated_by"].state) == (D(2026, 11, 11), "open")
    assert "reg. 20(4)" in found["advice_circulated_by"].rule
    with tenant_context(a.trust.pk):
        with pytest.raises(ValidationError) as nothing_yet:
            review_services.record_advice_circulated(review, circulated_on=D(2026, 11, 11))
        assert "circulated_on" in nothing_yet.value.message_dict
        review_services.save_invitation(
            review,
            invitation,
            party="parent",
            name="Parent of Pupil2",
            email="",
            invited_on=D(2026, 11, 2),
            advice_due_on=D(2026, 11, 16),
            response_on=D(2026, 11, 10),
            response="Our views",
        )
        review_services.record_advice_circulated(review, circulated_on=D(2026, 11, 11))
    row = deadlines(a.trust, review=review)["advice_circulated_by"]
    assert (row.state, row.met_on) == ("met", D(2026, 11, 11))


@pytest.mark.django_db
def test_circulation_before_the_advice_arrived_is_a_field_error_and_nothing_is_saved(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        invitation = ReviewInvitation.objects.get(pk=a.invitation.pk)
        review_services.save_invitation(
            review,
            invitation,
            party="parent",
            name="Parent of Pupil2",
            email="",
            invited_on=D(2026, 11, 2),
            advice_due_on=D(2026, 11, 16),
            response_on=D(2026, 11, 12),
        )
    url = reverse("reviews:review_advice_circulated", args=[review.uuid])
    response = client_for(a.users["senco"]).post(url, {"circulated_on": "2026-11-11"})
    assert response.status_code == 200
    assert "arrived on 12 November 2026: it cannot have been circulated before it arrived" in response.content.decode()
    with tenant_context(a.trust.pk):
        assert AnnualReview.objects.get(pk=review.pk).advice_circulated_on is None
    assert deadlines(a.trust, review=review)["advice_circulated_by"].state == "open"
    # once circulated, advice arriving later is refused too, until the circulation date is changed
    response = client_for(a.users["senco"]).post(url, {"circulated_on": "2026-11-12"})
    assert response.status_code == 302
    with tenant_context(a.trust.pk):
        review.refresh_from_db()
        with pytest.raises(ValidationError) as late:
            review_services.save_invitation(
                review,
                invitation,
                party="parent",
                name="Parent of Pupil2",
                email="",
                invited_on=D(2026, 11, 2),
                advice_due_on=D(2026, 11, 16),
                response_on=D(2026, 11, 13),
            )
        assert "response_on" in late.value.message_dict
        assert ReviewInvitation.objects.get(pk=invitation.pk).response_on == D(2026, 11, 12)
