"""The private calendar feed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from reviews.deadlines import services as deadline_services
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- The calendar feed -------------------------------------------------------------------------------------------


def _events(content: bytes) -> tuple[str, list[dict[str, str]]]:
    from icalendar import Calendar

    calendar = Calendar.from_ical(content)
    events = [{"summary": str(e["summary"]), "url": str(e["url"])} for e in calendar.walk("VEVENT")]
    return content.decode(), events


def test_the_calendar_feed_lists_the_persons_deadlines_by_its_secret_address(world: Any) -> None:
    from django.test import Client

    a = world.a
    url = reverse("reviews:calendar_feed", kwargs={"token": a.feed_token})
    response = Client().get(url)  # a calendar app: no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body, events = _events(response.content)
    assert "Annual review complete (the LA's decision): PA, Year 5" in {e["summary"] for e in events}
    urls = " ".join(e["url"] for e in events)
    assert str(a.ehc_plan.uuid) in urls and str(a.annual_review.uuid) in urls
    assert a.pupils[2].legal_first_name not in body  # no pupil is named in a feed
    assert str(world.b.ehc_plan.uuid) not in urls
    assert Client().get(reverse("reviews:calendar_feed", kwargs={"token": "not-a-token"})).status_code == 404
    with tenant_context(a.trust.pk):
        deadline_services.new_feed_token(a.users["senco"])
    assert Client().get(url).status_code == 404  # the old address stops working


def test_a_class_teachers_feed_has_only_their_pupils(world: Any) -> None:
    from django.test import Client

    a = world.a
    with tenant_context(a.trust.pk):
        token = deadline_services.new_feed_token(a.users["teacher"])
    _, events = _events(Client().get(reverse("reviews:calendar_feed", kwargs={"token": token})).content)
    urls = " ".join(e["url"] for e in events)
    assert str(a.ehc_request.uuid) in urls  # the request for pupil 0 of their class
    assert str(a.ehc_plan.uuid) not in urls  # pupil 2 is in Oak, not theirs


def test_a_feed_stops_when_the_person_leaves(world: Any) -> None:
    from django.test import Client

    a = world.a
    user = a.users["senco"]
    user.is_active = False
    user.save()
    assert Client().get(reverse("reviews:calendar_feed", kwargs={"token": a.feed_token})).status_code == 404


def test_the_feed_address_is_made_on_the_reminders_page(world: Any) -> None:
    client = client_for(world.a.users["assistant"])
    client.post(reverse("reviews:calendar_feed_new"))
    html = client.get(reverse("reviews:reminders")).content.decode()
    assert "/reviews/calendar/" in html and ".ics" in html
    assert "/reviews/calendar/" not in client.get(reverse("reviews:reminders")).content.decode()  # shown once
