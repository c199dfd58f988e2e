"""The review's record: from Year 9 every review considers preparing for adulthood (reg. 20(6)); the LA's dates
are the days the school *received* its decisions, and say so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.ehc import review_services
from reviews.models import AnnualReview
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
D = dt.date


def _hold(a: Any, review: AnnualReview, **fields: Any) -> AnnualReview:
    return review_services.record_meeting(
        review,
        held_on=D(2026, 11, 25),
        progress={a.ehc_outcome.pk: ("partly", "")},
        by=a.users["senco"],
        attendees="Parent\nSENCO",
        **fields,
    )


def test_from_year_9_a_review_without_preparing_for_adulthood_is_a_field_error(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        pupil = a.ehc_plan.pupil
        pupil.year_group = "9"
        pupil.save()
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        with pytest.raises(ValidationError) as missing:
            _hold(a, review, preparing_for_adulthood="  ")
        assert "reg. 20(6)" in missing.value.message_dict["preparing_for_adulthood"][0]
        assert AnnualReview.objects.get(pk=review.pk).held_on is None
        _hold(a, review, preparing_for_adulthood="Work experience at the garden centre; travel training")
    html = client_for(a.users["senco"]).get(reverse("reviews:annual_review", args=[review.uuid])).content.decode()
    assert "Preparing for adulthood" in html and "travel training" in html


def test_before_year_9_it_is_not_asked_for(world: Any) -> None:
    a = world.a  # Year 5
    with tenant_context(a.trust.pk):
        review = _hold(a, AnnualReview.objects.get(pk=a.annual_review.pk))
        assert review.held_on == D(2026, 11, 25)


def test_the_las_dates_are_labelled_as_received(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = _hold(a, AnnualReview.objects.get(pk=a.annual_review.pk))
        review_services.record_la_decision(review, decision="keep", decided_on=D(2026, 11, 27))
    html = client_for(a.users["senco"]).get(reverse("reviews:annual_review", args=[review.uuid])).content.decode()
    assert "Met 27 Nov (received)" in html  # the LA's decision: the day the school received it
    html = client_for(a.users["senco"]).get(reverse("reviews:ehc_request_edit", args=[a.ehc_request.uuid])).content
    assert "Outcome received on" in html.decode()
