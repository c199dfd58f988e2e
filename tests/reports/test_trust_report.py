"""The trust SEND lead's schools side by side: the same measures, the trust total, a drill-down, and a query count
that does not grow with schools."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import client_for
from tests.reports.test_senco_home import add_school_with_work


def test_every_school_side_by_side_with_the_trust_total_and_a_drill_down(world: Any) -> None:
    a = world.a
    extra = add_school_with_work(a, 1)
    client = client_for(a.users["lead"])
    response = client.get(reverse("reports:trust"))
    rows, total = response.context["rows"], response.context["total"]
    by_school = {r.school.pk: r for r in rows}
    assert set(by_school) == {s.pk for s in a.schools} | {extra.pk}
    # the world's first school: pupils 0 (K), 1 (N), 2 (E) and the looked-after pupil (N); the extra one: one at K
    assert (by_school[a.school.pk].on_roll, by_school[a.school.pk].sen_support) == (4, 1)
    assert (by_school[extra.pk].on_roll, by_school[extra.pk].sen_support) == (1, 1)
    assert total.on_roll == sum(r.on_roll for r in rows) and total.sen_support == 2 and total.ehc_plan == 1
    assert total.statutory_overdue == sum(r.statutory_overdue for r in rows)
    assert world.b.school.name not in response.content.decode()
    drill = f"{reverse('reports:head')}?school={extra.uuid}"
    assert drill in response.content.decode() and client.get(drill).status_code == 200


@pytest.mark.parametrize("role", ["senco", "head", "governor", "admin"])
def test_only_the_trust_send_lead_sees_it(world: Any, role: str) -> None:
    assert client_for(world.a.users[role]).get(reverse("reports:trust")).status_code == 403


def test_the_query_count_does_not_grow_with_schools(world: Any) -> None:
    client = client_for(world.a.users["lead"])
    url = reverse("reports:trust")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        add_school_with_work(world.a, 20 + i)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
