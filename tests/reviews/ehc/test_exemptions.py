"""Exemptions from the 6, 16 and 20 weeks (regs 5(4), 10(4), 13(3)): a deadline under an exemption claimed shows
"exemption claimed" with its ground, reason, who and when, never "Overdue", and is not reminded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from reviews.deadlines.tasks import scan_statutory_trust
from reviews.ehc import services as ehc_services
from reviews.models import Deadline, EhcAssessmentRequest, Reminder
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import deadlines

pytestmark = pytest.mark.django_db
D = dt.date

CLAIM = {
    "ground": "absence",
    "reason": "The family is abroad from 1 to 30 October 2026",
    "claimed_by": "Norfolk SEN team (letter of 20 Oct)",
    "claimed_on": "2026-10-20",
}


def _url(world: Any) -> str:
    a = world.a
    row = deadlines(a.trust, request=a.ehc_request)["decide_to_assess"]
    return reverse("reviews:ehc_request_exemption", args=[a.ehc_request.uuid, row.uuid])


def test_an_exemption_without_a_ground_is_a_field_error_and_nothing_changes(world: Any) -> None:
    a = world.a
    response = client_for(a.users["senco"]).post(_url(world), {**CLAIM, "ground": ""})
    assert response.status_code == 200
    assert "Choose the ground the exemption is claimed on" in response.content.decode()
    row = deadlines(a.trust, request=a.ehc_request)["decide_to_assess"]
    assert (row.state, row.exemption_ground, row.exemption_reason) == ("open", "", "")


def test_a_claimed_exemption_shows_with_its_reason_never_overdue_and_is_not_reminded(world: Any) -> None:
    a = world.a  # received Mon 14 Sep 2026: the 6 weeks end Mon 26 Oct 2026
    response = client_for(a.users["senco"]).post(_url(world), CLAIM)
    assert response.status_code == 302
    row = deadlines(a.trust, request=a.ehc_request)["decide_to_assess"]
    assert (row.state, row.exemption_ground, row.exemption_claimed_on) == ("exempt", "absence", D(2026, 10, 20))
    html = client_for(a.users["senco"]).get(reverse("reviews:ehc_request", args=[a.ehc_request.uuid])).content
    page = html.decode()
    row_html = page[page.index("LA decides whether to assess") :].split("</tr>")[0]
    assert "Exemption claimed" in row_html and "reg. 5(4)" in row_html and "abroad" in row_html
    assert "Overdue" not in row_html
    # the request saved again (its dates recomputed): the claim stays
    with tenant_context(a.trust.pk):
        request = EhcAssessmentRequest.objects.get(pk=a.ehc_request.pk)
        ehc_services.save_request(
            request.pupil,
            request,
            by=a.users["senco"],
            requested_by="school",
            local_authority="Norfolk",
            received_on=D(2026, 9, 14),
        )
    assert deadlines(a.trust, request=a.ehc_request)["decide_to_assess"].state == "exempt"
    scan_statutory_trust(a.trust.pk, "2026-11-02")  # a week past the 6 weeks
    with tenant_context(a.trust.pk):
        assert not Reminder.objects.filter(deadline__kind="decide_to_assess").exists()
        # the LA's decision still meets it
        ehc_services.save_request(
            request.pupil,
            request,
            by=a.users["senco"],
            requested_by="school",
            local_authority="Norfolk",
            received_on=D(2026, 9, 14),
            decision="assess",
            decided_on=D(2026, 11, 3),
        )
    row = deadlines(a.trust, request=a.ehc_request)["decide_to_assess"]
    assert (row.state, row.met_on) == ("met", D(2026, 11, 3))


def test_only_those_who_write_ehc_paperwork_claim_an_exemption(world: Any) -> None:
    a = world.a
    assert client_for(a.users["assistant"]).post(_url(world), CLAIM).status_code == 302
    with tenant_context(a.trust.pk):
        Deadline.objects.filter(request=a.ehc_request).update(exemption_ground="", state="open")
    for role in ("teacher", "head", "governor"):
        assert client_for(a.users[role]).post(_url(world), CLAIM).status_code in (403, 404)
    row = deadlines(a.trust, request=a.ehc_request)["decide_to_assess"]
    assert (row.state, row.exemption_ground) == ("open", "")


def test_an_exemption_is_refused_on_a_deadline_the_regulations_do_not_exempt(world: Any) -> None:
    a = world.a
    row = deadlines(a.trust, review=a.annual_review)["report_by"]
    url = reverse("reviews:ehc_request_exemption", args=[a.ehc_request.uuid, row.uuid])
    assert client_for(a.users["senco"]).post(url, CLAIM).status_code == 404  # not a deadline of this request
