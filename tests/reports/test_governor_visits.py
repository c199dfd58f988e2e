"""The SEN governor's monitoring visits: who reads and records them, bad input, and another trust's visit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import GovernorVisit
from send.tenancy import tenant_context
from tests.conftest import client_for


def visit_form(world: Any, **changes: str) -> dict[str, str]:
    data = {
        "school": str(world.school.uuid),
        "visited_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "focus": "How APDR reviews involve parents",
        "what_they_saw": "A review meeting's agenda and the parents' views form",
        "questions": "How often do parents miss the meeting?",
        "actions": "SENCO to offer phone reviews by half term",
    }
    return {**data, **changes}


def visits_of(world: Any) -> int:
    with tenant_context(world.trust.pk):
        return GovernorVisit.objects.count()


@pytest.mark.parametrize("role", ["governor", "senco", "lead"])
def test_who_records_a_visit(world: Any, role: str) -> None:
    a = world.a
    response = client_for(a.users[role]).post(reverse("reports:visits"), visit_form(a))
    assert response.status_code == 302, response.content.decode()[:500]
    assert visits_of(a) == 1
    page = client_for(a.users["head"]).get(response.url).content.decode()
    assert "How APDR reviews involve parents" in page and "phone reviews" in page


@pytest.mark.parametrize("role", ["head", "assistant", "teacher", "ta", "dt", "admin"])
def test_who_does_not_record_a_visit(world: Any, role: str) -> None:
    a = world.a
    response = client_for(a.users[role]).post(reverse("reports:visits"), visit_form(a))
    assert response.status_code == 403
    assert visits_of(a) == 0


@pytest.mark.parametrize(("role", "status"), [("head", 200), ("assistant", 200), ("teacher", 403), ("admin", 403)])
def test_who_reads_the_visits(world: Any, role: str, status: int) -> None:
    assert client_for(world.a.users[role]).get(reverse("reports:visits")).status_code == status


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"visited_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()}, "visited_on"),
        ({"visited_on": "31/02/2026"}, "visited_on"),
        ({"focus": "  "}, "focus"),
        ({"what_they_saw": ""}, "what_they_saw"),
        ({"school": "not-a-school"}, "school"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(world: Any, changes: dict[str, str], field: str) -> None:
    a = world.a
    response = client_for(a.users["governor"]).post(reverse("reports:visits"), visit_form(a, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert visits_of(a) == 0


def test_a_school_of_another_trust_or_not_the_governors_is_refused(world: Any) -> None:
    a = world.a
    for school in (world.b.school, a.schools[1]):
        response = client_for(a.users["governor"]).post(
            reverse("reports:visits"), visit_form(a, school=str(school.uuid))
        )
        assert response.status_code == 200 and "school" in response.context["form"].errors
    assert visits_of(a) == 0


def test_another_trusts_visit_is_404_and_not_listed(world: Any) -> None:
    b = world.b
    assert client_for(b.users["governor"]).post(reverse("reports:visits"), visit_form(b)).status_code == 302
    with tenant_context(b.trust.pk):
        visit = GovernorVisit.objects.get()
    client = client_for(world.a.users["governor"])
    assert client.get(reverse("reports:visit", kwargs={"visit_uuid": visit.uuid})).status_code == 404
    assert "How APDR reviews" not in client.get(reverse("reports:visits")).content.decode()
