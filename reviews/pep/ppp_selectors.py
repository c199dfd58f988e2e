"""Reads of Pupil Premium Plus: a pupil's allocations with their entries, and the position per Virtual School for a
financial year (one query, whatever the number of pupils)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from pupils.models import Pupil
from reviews.pep.ppp_models import PppAllocation, PppEntry, PppMovement, PppRoute
from send import policy

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=10, decimal_places=2)


def _with_totals(allocations: QuerySet[PppAllocation]) -> QuerySet[PppAllocation]:
    def total(movement: str) -> Any:
        return Coalesce(
            Sum("entries__amount", filter=Q(entries__movement=movement)), Value(Decimal("0")), output_field=MONEY
        )

    return allocations.annotate(
        requested=total(PppMovement.REQUESTED),
        released_entries=total(PppMovement.RELEASED),
        spent=total(PppMovement.SPENT),
    )


def _finish(allocation: Any) -> Any:
    """A previously looked-after pupil's allocation is paid to the school: all of it is released."""
    allocation.released = allocation.amount if allocation.route == PppRoute.PLAC else allocation.released_entries
    allocation.unspent = allocation.released - allocation.spent
    return allocation


def pupil_ppp(user: Any, pupil: Pupil) -> list[Any]:
    allocations: QuerySet[PppAllocation] = policy.visible(user, PppAllocation.objects.filter(pupil=pupil))
    allocations = allocations.select_related("virtual_school")
    found = [_finish(a) for a in _with_totals(allocations)]
    entries: dict[int, list[Any]] = {a.pk: [] for a in found}
    for allocation in found:
        allocation.entry_list = entries[allocation.pk]
    for entry in (
        PppEntry.objects.filter(allocation__in=[a.pk for a in found])
        .select_related("target", "provision")
        .order_by("on", "pk")
    ):
        entries[entry.allocation_id].append(entry)
    return found


def ppp_by_virtual_school(user: Any, financial_year: int) -> list[tuple[str, list[Any], dict[str, Decimal]]]:
    """Each Virtual School's pupils (and the school's own, for previously looked-after pupils) with their PP+."""
    allocations: QuerySet[PppAllocation] = policy.visible(
        user, PppAllocation.objects.filter(financial_year=financial_year)
    )
    rows = [
        _finish(a)
        for a in _with_totals(allocations.select_related("pupil__school", "virtual_school")).order_by(
            "virtual_school__name", "pupil__legal_last_name", "pupil__legal_first_name"
        )
    ]
    groups: dict[str, list[Any]] = {}
    for row in rows:
        name = row.virtual_school.name if row.virtual_school else "Previously looked after (paid to the school)"
        groups.setdefault(name, []).append(row)
    keys = ("amount", "requested", "released", "spent", "unspent")
    return [
        (name, members, {k: sum((getattr(m, k) for m in members), Decimal("0")) for k in keys})
        for name, members in groups.items()
    ]
