"""The LA's timeliness, per local authority: on time, late (by how much), overdue or under an exemption, with the
cases behind each figure, as a page and a CSV; for those who oversee; one query budget however many deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.ehc import exemption_services
from reviews.ehc import services as ehc_services
from reviews.models import Deadline
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import ROLES, TODAY

pytestmark = pytest.mark.django_db
D = dt.date


def _suffolk_request(a: Any, pupil: Any) -> None:
    """Decided a week late (due Mon 27 Oct 2025, received Mon 3 Nov); the final plan on time (due 2 Feb 2026)."""
    ehc_services.save_request(
        pupil,
        None,
        by=a.users["senco"],
        requested_by="parent",
        local_authority="Suffolk",
        received_on=D(2025, 9, 15),
        decision="assess",
        decided_on=D(2025, 11, 3),
        outcome="plan_issued",
        outcome_on=D(2026, 1, 30),
    )


def _page(a: Any) -> str:
    return client_for(a.users["senco"]).get(reverse("reviews:la_timeliness")).content.decode()


def test_each_la_step_is_on_time_late_overdue_or_exempt_with_the_cases_behind_it(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        _suffolk_request(a, a.pupils[1])
    html = _page(a)
    suffolk = html[html.index("Suffolk") :]
    decide = suffolk[suffolk.index("Decisions whether to assess") :].split("</tr>")[0]
    assert "Late by 7 days" in decide and "received 3 Nov 2025" in decide
    cells = [c.split("<")[0] for c in decide.split('govuk-table__cell--numeric">')[1:]]
    assert cells == ["0", "1", "0", "0", "7"]  # on time, late, overdue, exemption, most days late
    final = suffolk[suffolk.index("Final EHC plans") :].split("</tr>")[0]
    assert [c.split("<")[0] for c in final.split('govuk-table__cell--numeric">')[1:]] == ["1", "0", "0", "0", "0"]
    # Norfolk's 6 weeks for pupil 0 (received Mon 14 Sep 2026) ended Mon 26 Oct 2026: overdue, not yet received
    norfolk = html[html.index("Norfolk") :]
    overdue = (TODAY - D(2026, 10, 26)).days
    assert f"Overdue, not yet received by {overdue} days" in norfolk
    with tenant_context(a.trust.pk):
        exemption_services.claim_exemption(
            Deadline.objects.get(request=a.ehc_request, kind="decide_to_assess"),
            ground="circumstances",
            reason="A bereavement in the family",
            claimed_by="Norfolk SEN team",
            claimed_on=D(2026, 10, 20),
        )
    norfolk = _page(a)[_page(a).index("Norfolk") :]
    row = norfolk[norfolk.index("Decisions whether to assess") :].split("</tr>")[0]
    assert [c.split("<")[0] for c in row.split('govuk-table__cell--numeric">')[1:]] == ["0", "0", "0", "1", "0"]


def test_the_csv_has_a_line_per_case_and_names_pupils_by_initials(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        _suffolk_request(a, a.pupils[1])
    response = client_for(a.users["senco"]).get(reverse("reviews:la_timeliness_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("Local authority,Step,Pupil,Due by,Received on,Outcome,Days late")
    late = next(line for line in lines if line.startswith("Suffolk,Decisions whether to assess"))
    assert ",2025-10-27,2025-11-03,Late,7," in late
    assert a.pupils[1].legal_first_name not in text


@pytest.mark.parametrize("role", ROLES)
def test_the_page_and_csv_are_for_those_who_oversee(world: Any, role: str) -> None:
    allowed = role in {"lead", "senco", "assistant", "head"}
    client = client_for(world.a.users[role])
    assert client.get(reverse("reviews:la_timeliness")).status_code == (200 if allowed else 403)
    assert client.get(reverse("reviews:la_timeliness_csv")).status_code == (200 if allowed else 403)


def test_the_page_keeps_its_query_count_as_cases_grow(world: Any) -> None:
    a = world.a
    client = client_for(a.users["senco"])
    url = reverse("reviews:la_timeliness")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with tenant_context(a.trust.pk):
        _suffolk_request(a, a.pupils[1])
        _suffolk_request(a, a.looked_after)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count("Late by 7 days") == 2
    assert len(many) == len(few)
