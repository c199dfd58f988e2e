"""Writes to Pupil Premium Plus: a pupil's allocation for a financial year (at that year's national rate), and the
amounts requested, released and spent against it. Spending never passes what was released (for a previously
looked-after pupil the school holds the whole allocation), and every entry falls in its allocation's financial
year (April to March)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews.pep.models import CareRecord, PepTarget, VirtualSchool
from reviews.pep.ppp_models import PppAllocation, PppEntry, PppMovement, PppRate, PppRoute
from schools.models import User
from send.dates import financial_year_bounds, financial_year_of

ZERO = Decimal("0")


def year_label(year: int) -> str:
    return f"{year}–{(year + 1) % 100:02d}"


def rate_for(financial_year: int) -> Decimal | None:
    return PppRate.objects.filter(financial_year=financial_year).values_list("amount", flat=True).first()


@transaction.atomic
def save_allocation(
    pupil: Pupil,
    *,
    financial_year: int,
    route: str,
    virtual_school: VirtualSchool | None = None,
    amount: Decimal | None = None,
) -> PppAllocation:
    """A pupil's PP+ for a financial year: through their Virtual School while looked after, to the school for a
    previously looked-after pupil; the amount is the year's rate unless given."""
    errors: dict[str, list[str]] = {}
    if route == PppRoute.LAC:
        if not pupil.is_looked_after:
            errors["route"] = ["This pupil is not looked after now."]
        record = CareRecord.objects.filter(pupil=pupil).first()
        virtual_school = virtual_school or (record.virtual_school if record else None)
        if virtual_school is None:
            errors["virtual_school"] = ["Name the Virtual School that manages it."]
    elif route == PppRoute.PLAC:
        if not pupil.is_previously_looked_after:
            errors["route"] = ["This pupil is not recorded as previously looked after."]
        virtual_school = None
    else:
        errors["route"] = ["Choose looked after or previously looked after."]
    rate = rate_for(financial_year)
    if amount is None and rate is None:
        errors["financial_year"] = [f"There is no PP+ rate for {year_label(financial_year)} yet."]
    if amount is not None and amount < 0:
        errors["amount"] = ["The amount cannot be negative."]
    if PppAllocation.objects.filter(pupil=pupil, financial_year=financial_year).exists():
        errors["financial_year"] = [f"This pupil already has PP+ for {year_label(financial_year)}."]
    amount = amount if amount is not None else rate
    if errors or amount is None:
        raise ValidationError(errors)
    return PppAllocation.objects.create(
        pupil=pupil,
        financial_year=financial_year,
        route=route,
        virtual_school=virtual_school,
        amount=amount,
    )


def totals(allocation: PppAllocation) -> dict[str, Decimal]:
    """Requested, released and spent so far; a previously looked-after pupil's whole allocation is released."""
    sums = dict.fromkeys(PppMovement.values, ZERO)
    for row in allocation.entries.values("movement").annotate(total=Sum("amount")):
        sums[row["movement"]] = row["total"]
    if allocation.route == PppRoute.PLAC:
        sums[PppMovement.RELEASED] = allocation.amount
    return sums


@transaction.atomic
def add_entry(
    allocation: PppAllocation,
    *,
    by: User,
    movement: str,
    on: dt.date,
    amount: Decimal,
    target: PepTarget | None = None,
    provision: InterventionGroup | None = None,
    note: str = "",
) -> PppEntry:
    allocation = PppAllocation.objects.select_for_update().select_related("pupil").get(pk=allocation.pk)
    errors: dict[str, list[str]] = {}
    if movement not in PppMovement.values:
        errors["movement"] = ["Choose requested, released or spent."]
    elif movement != PppMovement.SPENT and allocation.route == PppRoute.PLAC:
        errors["movement"] = ["PP+ for a previously looked-after pupil is paid to the school: record what is spent."]
    if amount is None or amount <= 0:
        errors["amount"] = ["Give an amount above £0."]
    first, last = financial_year_bounds(allocation.financial_year)
    if not first <= on <= last:
        errors["on"] = [
            f"{on:%-d %b %Y} is in the financial year {year_label(financial_year_of(on))}, "
            f"not {year_label(allocation.financial_year)} (April to March)."
        ]
    if target is not None and target.pep.pupil_id != allocation.pupil_id:
        errors["target"] = ["Choose a target of this pupil's PEPs."]
    if provision is not None and provision.school_id != allocation.pupil.school_id:
        errors["provision"] = ["Choose provision of the pupil's school."]
    if not errors:
        so_far = totals(allocation)
        if movement == PppMovement.SPENT and so_far[PppMovement.SPENT] + amount > so_far[PppMovement.RELEASED]:
            available = so_far[PppMovement.RELEASED] - so_far[PppMovement.SPENT]
            errors["amount"] = [f"Only £{available} released is left to spend."]
        if movement == PppMovement.RELEASED and so_far[PppMovement.RELEASED] + amount > allocation.amount:
            errors["amount"] = [f"Releases cannot pass the allocation of £{allocation.amount}."]
    if errors:
        raise ValidationError(errors)
    return PppEntry.objects.create(
        allocation=allocation,
        movement=movement,
        on=on,
        amount=amount,
        target=target,
        provision=provision,
        note=note.strip(),
        recorded_by=by,
    )


def position(allocations: list[Any]) -> dict[str, Decimal]:
    """The sum over allocations already annotated with `requested`, `released`, `spent` (the selectors)."""
    return {
        key: sum((getattr(a, key) or ZERO for a in allocations), ZERO)
        for key in ("amount", "requested", "released", "spent")
    }
