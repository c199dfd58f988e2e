"""The statutory calendar: who sees it, how it groups deadlines, its query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.ehc import services as ehc_services
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import ROLES, TODAY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_the_statutory_calendar_is_for_those_who_oversee(world: Any, role: str) -> None:
    response = client_for(world.a.users[role]).get(reverse("reviews:statutory_calendar"))
    assert response.status_code == (200 if role in {"lead", "senco", "assistant", "head"} else 403)


def test_the_statutory_calendar_groups_by_when_with_the_rule(world: Any) -> None:
    response = client_for(world.a.users["senco"]).get(reverse("reviews:statutory_calendar"))
    html = response.content.decode()
    assert world.a.school.name in html and "Overdue" in html
    assert "Rule: Advice asked for by the date the school set" in html  # advice due 16 Nov: overdue
    assert world.b.school.name not in html


def test_the_statutory_calendar_keeps_its_query_count_as_deadlines_grow(world: Any) -> None:
    a = world.a
    client = client_for(a.users["senco"])
    url = reverse("reviews:statutory_calendar")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with tenant_context(a.trust.pk):
        for pupil in (a.pupils[0], a.pupils[1], a.looked_after):
            ehc_services.save_plan(
                pupil, None, by=a.users["senco"], local_authority="Suffolk", issued_on=TODAY - dt.timedelta(days=340)
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("Annual review complete") >= 4
    assert len(many) == len(few)
