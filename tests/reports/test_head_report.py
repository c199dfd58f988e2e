"""The headteacher's report for one school and period: the register broken down, movement on and off it, plan
coverage and statutory timeliness; as a page and as CSV; bad periods and schools refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from pupils.models import Pupil, RegisterChange
from reviews.deadlines.models import PEP_KINDS, SCHOOL_KINDS, Deadline
from send.tenancy import tenant_context
from tests.conftest import client_for

PERIOD = {"starts_on": "2026-09-01", "ends_on": "2026-12-31"}


def report(client: Any, world: Any, **params: str) -> Any:
    return client.get(reverse("reports:head"), {"school": str(world.school.uuid), **PERIOD, **params})


def test_the_head_reads_the_register_movement_and_timeliness(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        p0, p1 = a.pupils[0], a.pupils[1]
        RegisterChange.objects.create(pupil=p1, status="N", starts_on=dt.date(2025, 9, 1), reason="Start")
        RegisterChange.objects.create(pupil=p1, status="K", starts_on=dt.date(2026, 10, 1), reason="Concerns")
        RegisterChange.objects.create(pupil=p0, status="K", starts_on=dt.date(2026, 1, 5), reason="Earlier")
        RegisterChange.objects.create(pupil=p0, status="N", starts_on=dt.date(2026, 11, 2), reason="Made progress")
        Pupil.objects.filter(pk=p1.pk).update(sen_status="K", is_pupil_premium=True)
        Pupil.objects.filter(pk=p0.pk).update(sen_status="N")
        statutory = Deadline.objects.filter(
            pupil__school=a.school, due_on__range=(dt.date(2026, 9, 1), dt.date(2026, 12, 31))
        ).exclude(kind__in=(*SCHOOL_KINDS, *PEP_KINDS))
        steps = statutory.count()
    response = report(client_for(a.users["head"]), a)
    assert response.status_code == 200
    figures = response.context["report"]
    assert figures.by_status == {"N": 2, "K": 1, "E": 1}
    assert figures.moved_on == 1 and figures.moved_off == 1
    assert dict(figures.flags)["Pupil premium"] == 1
    assert ("Year 4", 1) in figures.by_year
    assert steps > 0 and sum(figures.timeliness.values()) == steps
    assert "Pupil0" not in response.content.decode()


def test_the_csv_has_the_same_figures(world: Any) -> None:
    a = world.a
    response = report(client_for(a.users["senco"]), a, format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "section,figure,pupils" in body.splitlines()[0]
    assert "SEN status,EHC plan (E),1" in body


@pytest.mark.parametrize(("role", "status"), [("head", 200), ("senco", 200), ("assistant", 200), ("lead", 200)])
def test_who_reads_the_report(world: Any, role: str, status: int) -> None:
    assert report(client_for(world.a.users[role]), world.a).status_code == status


@pytest.mark.parametrize("role", ["governor", "teacher", "ta", "dt", "admin"])
def test_who_does_not(world: Any, role: str) -> None:
    client = client_for(world.a.users[role])
    assert report(client, world.a).status_code == 403
    assert report(client, world.a, format="csv").status_code == 403


def test_a_period_ending_before_it_starts_is_a_field_error(world: Any) -> None:
    response = report(client_for(world.a.users["head"]), world.a, starts_on="2026-12-01", ends_on="2026-09-01")
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors and response.context["report"] is None
    csv = report(client_for(world.a.users["head"]), world.a, starts_on="2026-12-01", ends_on="2026-09-01", format="csv")
    assert csv.status_code == 400


def test_a_school_the_user_cannot_see_is_404(world: Any) -> None:
    client = client_for(world.a.users["head"])
    for school in (world.b.school, world.a.schools[1]):
        assert report(client, world.a, school=str(school.uuid)).status_code == 404
    assert report(client, world.a, school="nonsense").status_code == 404


def test_the_report_keeps_its_query_count_however_many_pupils(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_pages import add_pupils

    client = client_for(world.a.users["head"])
    report(client, world.a)
    with CaptureQueriesContext(connection) as few:
        assert report(client, world.a).status_code == 200
    add_pupils(world.a, 300)
    with CaptureQueriesContext(connection) as many:
        assert report(client, world.a).status_code == 200
    assert len(many) == len(few)
