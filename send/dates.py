"""All date arithmetic for statutory rules, in one place (ARCHITECTURE.md "Dates").

- "Within N weeks of D" is D + 7·N days: calendar weeks, holidays do not stop the clock.
- "Within N months of D" is the same day of the month N months later; a day the month does not have (29 February,
  31 April) becomes the month's last day (29 Feb 2024 + 12 months = 28 Feb 2025).
- A working day is Monday to Friday and not an England bank holiday (the maintained `holidays` package, so the
  substitute days, like Mon 28 Dec 2026 for Boxing Day, come with it).
- A school day is a weekday inside one of the school's terms, not one of its INSET days and not a bank holiday
  (Good Friday and the May bank holidays fall inside terms; the school is closed).
Nothing else in the code does date arithmetic for a rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays

ONE_DAY = dt.timedelta(days=1)


def add_weeks(start: dt.date, weeks: int) -> dt.date:
    return start + dt.timedelta(weeks=weeks)


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later (or earlier); the month's last day when it has no such day."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def last_day_of_months_starting_with(start: dt.date, months: int) -> dt.date:
    """The last day of the period of `months` months *starting with* `start` (as the Children and Families Act
    2014, s. 44(1) counts): the day before the corresponding day, or the month's last day when the later month has
    no corresponding day (a period starting with 29 Feb 2024 ends on 28 Feb 2025)."""
    end = add_months(start, months)
    return end if end.day != start.day else end - ONE_DAY


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year))


def is_bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def last_working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= ONE_DAY
    return day


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (before it, for a negative number); `start` itself is not counted."""
    step = ONE_DAY if days >= 0 else -ONE_DAY
    remaining, day = abs(days), start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


@dataclass(frozen=True)
class SchoolCalendar:
    """A school's terms (start and end dates, inclusive) and INSET days."""

    terms: tuple[tuple[dt.date, dt.date], ...]
    inset_days: frozenset[dt.date] = frozenset()

    @classmethod
    def of(cls, terms: Iterable[tuple[dt.date, dt.date]], inset_days: Iterable[dt.date] = ()) -> SchoolCalendar:
        return cls(tuple(sorted(terms)), frozenset(inset_days))

    def is_school_day(self, day: dt.date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.inset_days
            and not is_bank_holiday(day)
            and any(start <= day <= end for start, end in self.terms)
        )

    def last_school_day_on_or_before(self, day: dt.date) -> dt.date | None:
        """The school day on or before `day` (None if the terms entered do not reach back that far)."""
        earliest = self.terms[0][0] if self.terms else day
        while day >= earliest:
            if self.is_school_day(day):
                return day
            day -= ONE_DAY
        return None

    def add_school_days(self, start: dt.date, days: int) -> dt.date | None:
        """The `days`-th school day after `start` (None if the terms entered end first)."""
        latest = self.terms[-1][1] if self.terms else start
        remaining, day = days, start
        while remaining:
            day += ONE_DAY
            if day > latest:
                return None
            if self.is_school_day(day):
                remaining -= 1
        return day


def financial_year_of(day: dt.date) -> int:
    """The financial year (April to March) a day falls in, named by the year it starts: 31 Mar 2026 is in 2025
    (2025–26), 1 Apr 2026 in 2026 (2026–27)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
