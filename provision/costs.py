"""The cost of provision: pure arithmetic on dates, rates and memberships, with no query.

The rule (DOMAIN.md): a pupil's cost of a group = staff time × hourly rate ÷ group size + resources.
- Staff time in a period = hours per week × school weeks, a school week being 5 school days of the school's term
  dates (less INSET days): interventions do not run in the holidays. A school year with no term dates entered
  counts every weekday, and says so.
- The rate is the school's rate for the group's staff role in each school year, so a group running across
  September is costed at last year's rate in July and this year's in September.
- The group size is the number of pupils in the group on each day: when a pupil joins or leaves, the staff time
  from then on is shared among the others.
- Resources are per pupil, counted once for each pupil whose time in the group overlaps the period.
Money is `Decimal` throughout and rounded to pence (half up) only when shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

PENNY = Decimal("0.01")
ONE_DAY = dt.timedelta(days=1)


def money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def weekdays(start: dt.date, end: dt.date) -> int:
    """Mondays to Fridays from start to end, both included."""
    if end < start:
        return 0
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(rest):
        if (start + dt.timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


@dataclass(frozen=True)
class Year:
    """A school year with the school's terms (empty: none entered) and the group's hourly rate (None: unset)."""

    name: str
    starts_on: dt.date
    ends_on: dt.date
    terms: tuple[tuple[dt.date, dt.date], ...] = ()
    rate: Decimal | None = None


@dataclass(frozen=True)
class Calendar:
    """A school's years, terms and INSET days: enough to count its school days between two dates."""

    years: tuple[Year, ...]
    inset_days: frozenset[dt.date] = frozenset()

    def year_of(self, day: dt.date) -> Year | None:
        return next((year for year in self.years if year.starts_on <= day <= year.ends_on), None)

    def school_days(self, start: dt.date, end: dt.date, year: Year | None) -> int:
        if year is None or not year.terms:
            return weekdays(start, end)
        count = 0
        for term_start, term_end in year.terms:
            low, high = max(start, term_start), min(end, term_end)
            if low <= high:
                count += weekdays(low, high) - sum(
                    1 for day in self.inset_days if low <= day <= high and day.weekday() < 5
                )
        return count

    def boundaries(self) -> Iterable[dt.date]:
        for year in self.years:
            yield year.starts_on
            yield year.ends_on + ONE_DAY


@dataclass(frozen=True)
class Member:
    key: object
    joined_on: dt.date
    left_on: dt.date | None = None


@dataclass(frozen=True)
class GroupPlan:
    sessions_per_week: int
    session_minutes: int
    starts_on: dt.date
    ends_on: dt.date
    resources_per_pupil: Decimal = Decimal("0")

    @property
    def hours_per_week(self) -> Decimal:
        return Decimal(self.sessions_per_week * self.session_minutes) / Decimal(60)


@dataclass
class GroupCost:
    staff: Decimal = Decimal("0")
    staff_hours: Decimal = Decimal("0")
    per_member: dict[object, Decimal] = field(default_factory=dict)
    missing_rates: set[str] = field(default_factory=set)
    years_without_terms: set[str] = field(default_factory=set)

    @property
    def total(self) -> Decimal:
        return sum(self.per_member.values(), Decimal("0"))


def group_cost(
    plan: GroupPlan, members: Sequence[Member], calendar: Calendar, period: tuple[dt.date, dt.date]
) -> GroupCost:
    """The group's staff cost in `period` and each member's share of it (with their resources)."""
    result = GroupCost(per_member={member.key: Decimal("0") for member in members})
    start, end = max(plan.starts_on, period[0]), min(plan.ends_on, period[1])
    if end < start:
        return result
    cuts = {start, end + ONE_DAY}
    for member in members:
        cuts |= {member.joined_on, (member.left_on or plan.ends_on) + ONE_DAY}
    cuts |= set(calendar.boundaries())
    points = sorted(day for day in cuts if start <= day <= end + ONE_DAY)
    for low, next_low in pairwise(points):
        high = next_low - ONE_DAY
        year = calendar.year_of(low)
        active = [m for m in members if m.joined_on <= low and high <= (m.left_on or plan.ends_on)]
        days = calendar.school_days(low, high, year)
        if not days:
            continue
        if year is None or not year.terms:
            result.years_without_terms.add(year.name if year else f"{low:%Y}")
        hours = plan.hours_per_week * Decimal(days) / Decimal(5)
        result.staff_hours += hours
        rate = year.rate if year is not None else None
        if rate is None:
            result.missing_rates.add(year.name if year else f"{low:%Y}")
            continue
        cost = hours * rate
        result.staff += cost
        if active:
            share = cost / Decimal(len(active))
            for member in active:
                result.per_member[member.key] += share
    for member in members:
        if member.joined_on <= end and (member.left_on or plan.ends_on) >= start:
            result.per_member[member.key] += plan.resources_per_pupil
    return result
