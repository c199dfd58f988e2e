"""The notional SEN budget: who enters it, a negative one refused, and the head's report sets spend against it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from reports.models import NotionalSenBudget
from send.tenancy import tenant_context
from tests.conftest import client_for


def form(world: Any, amount: str = "42000") -> dict[str, str]:
    return {"school": str(world.school.uuid), "school_year": str(world.year.pk), "amount": amount}


def budgets(world: Any) -> list[Decimal]:
    with tenant_context(world.trust.pk):
        return list(NotionalSenBudget.objects.values_list("amount", flat=True))


@pytest.mark.parametrize("role", ["head", "senco", "lead"])
def test_who_enters_the_budget(world: Any, role: str) -> None:
    a = world.a
    assert client_for(a.users[role]).post(reverse("reports:budget"), form(a)).status_code == 302
    assert client_for(a.users[role]).post(reverse("reports:budget"), form(a, "43000.50")).status_code == 302
    assert budgets(a) == [Decimal("43000.50")]


@pytest.mark.parametrize("role", ["governor", "teacher", "assistant", "admin"])
def test_who_does_not(world: Any, role: str) -> None:
    a = world.a
    assert client_for(a.users[role]).post(reverse("reports:budget"), form(a)).status_code == 403
    assert budgets(a) == []


@pytest.mark.parametrize("amount", ["-1", "abc", ""])
def test_a_budget_below_zero_or_not_a_number_is_a_field_error(world: Any, amount: str) -> None:
    a = world.a
    response = client_for(a.users["head"]).post(reverse("reports:budget"), form(a, amount))
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    assert budgets(a) == []


def test_another_trusts_school_or_year_is_a_field_error(world: Any) -> None:
    a, b = world.a, world.b
    client = client_for(a.users["head"])
    assert (
        "school"
        in client.post(reverse("reports:budget"), {**form(a), "school": str(b.school.uuid)}).context["form"].errors
    )
    assert (
        "school_year"
        in client.post(reverse("reports:budget"), {**form(a), "school_year": str(b.year.pk)}).context["form"].errors
    )
    assert budgets(a) == []


def test_the_heads_report_sets_spend_by_funding_source_against_the_budget(world: Any) -> None:
    a = world.a
    client = client_for(a.users["head"])
    client.post(reverse("reports:budget"), form(a, "42000"))
    params = {"school": str(a.school.uuid), "starts_on": "2026-09-01", "ends_on": "2026-12-31"}
    spend = client.get(reverse("reports:head"), params).context["report"].spend
    assert spend.budget == Decimal("42000") and spend.year == "2026-27"
    # the world's one group (funded from the notional SEN budget) costs something in the autumn
    assert spend.total > 0 and [label for label, _ in spend.by_source] == ["Notional SEN budget"]
    body = client.get(reverse("reports:head"), {**params, "format": "csv"}).content.decode()
    assert "Notional SEN budget,2026-27,42000.00" in body
