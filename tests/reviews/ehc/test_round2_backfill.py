"""Existing EHC records migrate: open reviews keep their history and get the new steps open (migration 0012)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from reviews.models import Deadline
from send.tenancy import tenant_context
from tests.reviews.support import deadlines

pytestmark = pytest.mark.django_db

NEW_KINDS = ("advice_requests_by", "advice_circulated_by", "meeting_by")


def test_open_reviews_get_the_new_steps_open_and_closed_history_is_kept(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        Deadline.objects.filter(kind__in=NEW_KINDS).delete()  # as before this round
        Deadline.objects.filter(review=a.annual_review, kind="invitations_by").update(state="met", detail="")
        Deadline.objects.filter(request=a.ehc_request, kind="decide_to_assess").update(
            kind="notify_no_plan", key=f"request:{a.ehc_request.pk}:notify_no_plan"
        )
    migration = importlib.import_module("reviews.migrations.0014_ehc_deadlines_round2_backfill")
    migration.resync_open_ehc_records(None, SimpleNamespace(connection=connection))
    found = deadlines(a.trust, review=a.annual_review)
    assert found["advice_circulated_by"].state == "open"
    assert found["advice_requests_by"].state == "met"  # the parent's advice request of 2 Nov
    assert found["invitations_by"].state == "open"  # only the parent invited: no longer met
    assert deadlines(a.trust, ehc_plan=a.ehc_plan)["meeting_by"].state == "open"
    request_rows = deadlines(a.trust, request=a.ehc_request)
    assert request_rows["notify_no_plan"].state == "cancelled" and request_rows["decide_to_assess"].state == "open"
