"""Pupil Premium Plus: rates per financial year as data, allocations by route, requested / released / spent within
the financial year (April to March) and never spent beyond what was released; pages by role, and the CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.pep import care_services, ppp_services
from reviews.pep.ppp_models import PppAllocation, PppEntry
from send.dates import financial_year_of
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.pep.support import add_pep

pytestmark = pytest.mark.django_db


def test_the_financial_year_turns_in_april() -> None:
    assert financial_year_of(dt.date(2026, 3, 31)) == 2025
    assert financial_year_of(dt.date(2026, 4, 1)) == 2026


def test_rates_are_data_per_financial_year_and_allocations_take_them(world: Any) -> None:
    a = world.a
    add_pep(a)
    with tenant_context(a.trust.pk):
        assert (ppp_services.rate_for(2024), ppp_services.rate_for(2025)) == (Decimal("2570"), Decimal("2630"))
        older = ppp_services.save_allocation(a.looked_after, financial_year=2024, route="lac")
        newer = ppp_services.save_allocation(a.looked_after, financial_year=2025, route="lac")
        assert (older.amount, newer.amount) == (Decimal("2570"), Decimal("2630"))
        assert newer.virtual_school is not None and newer.virtual_school.name == "Norfolk Virtual School"
        with pytest.raises(ValidationError) as error:
            ppp_services.save_allocation(a.looked_after, financial_year=2031, route="lac")
        assert set(error.value.message_dict) == {"financial_year"}
        with pytest.raises(ValidationError) as error:
            ppp_services.save_allocation(a.pupils[1], financial_year=2025, route="plac")
        assert set(error.value.message_dict) == {"route"}
        assert PppAllocation.objects.count() == 2


def test_entries_stay_in_their_financial_year_across_the_april_boundary(world: Any) -> None:
    a = world.a
    add_pep(a)
    with tenant_context(a.trust.pk):
        allocation = ppp_services.save_allocation(a.looked_after, financial_year=2025, route="lac")
        ppp_services.add_entry(allocation, by=a.users["dt"], movement="released", on=dt.date(2026, 3, 31), amount=500)
        with pytest.raises(ValidationError) as error:
            ppp_services.add_entry(
                allocation, by=a.users["dt"], movement="spent", on=dt.date(2026, 4, 1), amount=Decimal("100")
            )
        assert set(error.value.message_dict) == {"on"} and "2026–27" in error.value.message_dict["on"][0]
        assert PppEntry.objects.count() == 1


def test_spending_above_what_was_released_is_refused(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    dt_user = a.users["dt"]
    with tenant_context(a.trust.pk):
        allocation = ppp_services.save_allocation(
            a.looked_after, financial_year=2026, route="lac", amount=Decimal("2700")
        )
        ppp_services.add_entry(allocation, by=dt_user, movement="requested", on=dt.date(2026, 9, 20), amount=800)
        ppp_services.add_entry(allocation, by=dt_user, movement="released", on=dt.date(2026, 10, 1), amount=600)
        ppp_services.add_entry(
            allocation, by=dt_user, movement="spent", on=dt.date(2026, 10, 5), amount=Decimal("450"), target=pw.target
        )
        with pytest.raises(ValidationError) as error:
            ppp_services.add_entry(allocation, by=dt_user, movement="spent", on=dt.date(2026, 10, 9), amount=200)
        assert error.value.message_dict == {"amount": ["Only £150.00 released is left to spend."]}
        totals = ppp_services.totals(allocation)
    assert (totals["requested"], totals["released"], totals["spent"]) == (800, 600, 450)


def test_plac_pupil_premium_plus_is_the_schools_to_spend(world: Any) -> None:
    a = world.a
    add_pep(a)
    dt_user = a.users["dt"]
    with tenant_context(a.trust.pk):
        care_services.leave_care(a.looked_after, by=dt_user, on=dt.date(2026, 4, 10), route="adoption", declared=True)
        a.looked_after.refresh_from_db()
        allocation = ppp_services.save_allocation(a.looked_after, financial_year=2026, route="plac", amount=2630)
        with pytest.raises(ValidationError) as error:
            ppp_services.add_entry(allocation, by=dt_user, movement="requested", on=dt.date(2026, 9, 1), amount=10)
        assert set(error.value.message_dict) == {"movement"}
        ppp_services.add_entry(allocation, by=dt_user, movement="spent", on=dt.date(2026, 9, 1), amount=2630)
        with pytest.raises(ValidationError):
            ppp_services.add_entry(allocation, by=dt_user, movement="spent", on=dt.date(2026, 9, 2), amount=1)


@pytest.mark.parametrize(("role", "status"), [("dt", 302), ("senco", 302), ("head", 403), ("teacher", 404)])
def test_who_records_pupil_premium_plus(world: Any, role: str, status: int) -> None:
    a = world.a
    add_pep(a)
    url = reverse("reviews:pupil_ppp", args=[a.looked_after.uuid])
    response = client_for(a.users[role]).post(url, {"financial_year": "2025", "route": "lac"})
    assert response.status_code == status
    with tenant_context(a.trust.pk):
        assert PppAllocation.objects.exists() is (status == 302)


def test_the_pages_show_the_position_per_virtual_school_and_as_csv(world: Any) -> None:
    a = world.a
    add_pep(a)
    client = client_for(a.users["dt"])
    url = reverse("reviews:pupil_ppp", args=[a.looked_after.uuid])
    assert client.post(url, {"financial_year": "2025", "route": "lac"}).status_code == 302
    with tenant_context(a.trust.pk):
        allocation = PppAllocation.objects.get()
    entry = {"allocation": allocation.pk, "movement": "spent", "on": "2025-10-01", "amount": "100"}
    refused = client.post(url, entry)
    assert refused.status_code == 200 and "left to spend" in refused.content.decode()
    released = {**entry, "movement": "released", "amount": "900"}
    assert client.post(url, released).status_code == 302
    assert client.post(url, entry).status_code == 302
    summary = client.get(reverse("reviews:ppp_summary") + "?year=2025").content.decode()
    assert "Norfolk Virtual School" in summary and "£900.00" in summary and "£100.00" in summary
    csv = client.get(reverse("reviews:ppp_csv") + "?year=2025").content.decode()
    assert "Norfolk Virtual School" in csv and a.looked_after.legal_first_name in csv and "900.00" in csv
    assert client_for(a.users["governor"]).get(reverse("reviews:ppp_summary")).status_code == 403


def test_the_pupil_premium_plus_page_keeps_its_query_count(world: Any) -> None:
    a = world.a
    add_pep(a)
    client = client_for(a.users["dt"])
    url = reverse("reviews:ppp_summary") + "?year=2025"
    with tenant_context(a.trust.pk):
        allocation = ppp_services.save_allocation(a.looked_after, financial_year=2025, route="lac")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with tenant_context(a.trust.pk):
        for day in range(1, 11):
            ppp_services.add_entry(
                allocation, by=a.users["dt"], movement="requested", on=dt.date(2025, 10, day), amount=10
            )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
