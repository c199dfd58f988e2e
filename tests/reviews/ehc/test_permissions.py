"""Who may read and write EHC records."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from reviews.models import (
    ReviewInvitation,
)
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import ROLES, WRITERS

pytestmark = pytest.mark.django_db


# --- Who may read and write --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_plan_and_who_schedules_reviews(world: Any, role: str) -> None:
    a = world.a
    client = client_for(a.users[role])
    read = client.get(reverse("reviews:ehc_plan", kwargs={"plan_uuid": a.ehc_plan.uuid}))
    # pupil 2 is in Oak, which no teacher or TA of the world teaches: whole-school roles read the plan
    assert read.status_code == (200 if role in {"lead", "senco", "assistant", "head"} else 404)
    edit = client.post(
        reverse("reviews:review_invitation_add", kwargs={"review_uuid": a.annual_review.uuid}),
        {"party": "ep", "name": "EP service", "invited_on": "2026-11-03"},
    )
    with tenant_context(a.trust.pk):
        added = ReviewInvitation.objects.filter(review=a.annual_review, name="EP service").exists()
    if role in WRITERS:
        assert edit.status_code == 302 and added
    else:
        assert edit.status_code in {403, 404} and not added


@pytest.mark.parametrize("role", ROLES)
def test_a_class_teacher_reads_their_pupils_request_but_does_not_change_it(world: Any, role: str) -> None:
    a = world.a
    client = client_for(a.users[role])
    read = client.get(reverse("reviews:ehc_request", kwargs={"request_uuid": a.ehc_request.uuid}))
    readers = {"lead", "senco", "assistant", "head", "teacher", "ta"}
    assert read.status_code == (200 if role in readers else 404)
    new = client.get(reverse("reviews:ehc_request_new", kwargs={"pupil_uuid": a.pupils[1].uuid}))
    assert new.status_code == (200 if role in WRITERS else 403 if role in readers else 404)
