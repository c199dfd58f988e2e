"""The idle expiry slides at most once a minute: no session write on every page."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from send.sessions import REFRESHED_AT
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def session_writes(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith('UPDATE "django_session"')]


def test_a_page_within_a_minute_of_the_last_save_writes_no_session(world):
    client = client_for(world.a.users["senco"])
    client.get(reverse("pupils:register"))  # the first request stores the trust chosen
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pupils:register")).status_code == 200
    assert session_writes(captured) == []


def test_a_page_a_minute_after_the_last_save_slides_the_expiry(world, settings):
    client = client_for(world.a.users["senco"])
    client.get(reverse("pupils:register"))
    session = client.session
    session[REFRESHED_AT] = timezone.now().timestamp() - settings.SESSION_REFRESH_SECONDS - 1
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timezone.timedelta(minutes=5)
    )
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pupils:register")).status_code == 200
    assert len(session_writes(captured)) == 1
    expires = Session.objects.get(session_key=session.session_key).expire_date
    assert (expires - timezone.now()).total_seconds() > 59 * 60


def test_an_idle_session_still_ends(world):
    client = client_for(world.a.users["senco"])
    client.get(reverse("pupils:register"))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.get(reverse("pupils:register"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_anonymous_visit_makes_no_session(client):
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("login"))
    assert not any("django_session" in q["sql"] for q in captured.captured_queries)
