"""The annual review as the law counts it (DOMAIN.md, Children and Families Act 2014 s. 44(1)): a period of 12
months *starting with* the day the plan was made or last reviewed, complete only with the LA's decision inside it,
and a meeting planned 4 weeks before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from reviews.ehc import review_services
from reviews.models import AnnualReview, EhcPlan
from reviews.statutory import annual_review_deadlines
from send.dates import last_day_of_months_starting_with
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import deadlines

D = dt.date


def test_the_period_ends_the_day_before_the_anniversary() -> None:
    assert last_day_of_months_starting_with(D(2025, 3, 10), 12) == D(2026, 3, 9)
    assert last_day_of_months_starting_with(D(2025, 3, 1), 12) == D(2026, 2, 28)
    # no 29 February in 2025: the period starting with 29 Feb 2024 ends on the month's last day
    assert last_day_of_months_starting_with(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert last_day_of_months_starting_with(D(2025, 12, 31), 12) == D(2026, 12, 30)
    assert last_day_of_months_starting_with(D(2026, 8, 31), 6) == D(2027, 2, 28)  # under-5 guidance cycle


def test_under_five_cycles_are_shown_as_guidance() -> None:
    deadlines = annual_review_deadlines(D(2026, 3, 1), 6)
    assert deadlines["review_by"].date == D(2026, 8, 31)
    assert "Guidance" in deadlines["review_by"].rule and "9.178" in deadlines["review_by"].rule


def _hold(review: AnnualReview, a: Any, held_on: dt.date) -> None:
    review_services.record_meeting(
        review,
        held_on=held_on,
        progress={a.ehc_outcome.pk: ("partly", "")},
        by=a.users["senco"],
        attendees="Parent\nSENCO",
    )


@pytest.mark.django_db
def test_the_meeting_does_not_complete_the_review_the_las_decision_does(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)  # issued Mon 1 Dec 2025
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
    first = deadlines(a.trust, ehc_plan=plan)
    assert first["review_by"].due_on == D(2026, 11, 30)
    assert first["meeting_by"].due_on == D(2026, 11, 2)
    assert "planning date" in first["meeting_by"].get_kind_display()
    with tenant_context(a.trust.pk):
        _hold(review, a, D(2026, 11, 25))
    rows = deadlines(a.trust, ehc_plan=plan, key__endswith=":2025-12-01")
    assert rows["review_by"].state == "open"  # held, but the LA has not decided: not complete
    assert (rows["meeting_by"].state, rows["meeting_by"].met_on) == ("met", D(2026, 11, 25))
    with tenant_context(a.trust.pk):
        review_services.record_la_decision(review, decision="keep", decided_on=D(2026, 11, 27))
    rows = deadlines(a.trust, ehc_plan=plan, key__endswith=":2025-12-01")
    assert (rows["review_by"].state, rows["review_by"].met_on) == ("met", D(2026, 11, 27))
    # the next period starts with the day of this review
    assert deadlines(a.trust, ehc_plan=plan, state="open")["review_by"].due_on == D(2027, 11, 24)


@pytest.mark.django_db
def test_a_decision_after_the_period_is_met_late_and_the_page_says_so(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        _hold(review, a, D(2026, 11, 25))
        review_services.record_la_decision(review, decision="keep", decided_on=D(2026, 12, 1))
    row = deadlines(a.trust, ehc_plan=a.ehc_plan, key__endswith="review_by:2025-12-01")["review_by"]
    assert (row.state, row.met_on) == ("met", D(2026, 12, 1))
    assert row.met_on is not None and row.met_on > row.due_on
    html = client_for(a.users["senco"]).get(reverse("reviews:annual_review", args=[review.uuid])).content.decode()
    assert "Review complete by" in html and "Monday 30 November 2026" in html
    assert "Meeting by" in html and "Monday 2 November 2026" in html
    assert "s. 44(1)" in html and "Decided after the period ended" in html
