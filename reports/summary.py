"""Aggregate register figures for governors and leaders: counts only, protected so that arithmetic cannot give a
small number back.

The method is **rounding to the nearest 5** (DOMAIN.md allows it or complement suppression): a count of 0 shows
0, a count from 1 to 4 shows "<5", and every other count, totals included, is rounded to the nearest 5 on its own;
percentages are worked out from the rounded figures. So no total, difference between two rows, two schools or two
periods, or percentage pins down a count under 5: each published figure only says the true one lies within 2 of
it (tests/reports/test_suppression.py tries every such attack)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from pupils.models import Pupil, SenStatus
from schools.models import School
from send import policy

SUPPRESS_BELOW = 5
ROUND_TO = 5


def published(count: int) -> str:
    """The figure a governor sees for a true count."""
    if count == 0:
        return "0"
    if count < SUPPRESS_BELOW:
        return f"<{SUPPRESS_BELOW}"
    return str(ROUND_TO * ((count + ROUND_TO // 2) // ROUND_TO))


def published_percent(part: int, whole: int) -> str:
    """A percentage of two published figures (never of the true counts), shown only when both are numbers."""
    shown_part, shown_whole = published(part), published(whole)
    if not shown_part.isdigit() or not shown_whole.isdigit() or int(shown_whole) == 0 or part == 0:
        return "–"
    return f"{100 * int(shown_part) / int(shown_whole):.0f}%"


@dataclass(frozen=True)
class Counts:
    on_roll: int
    sen_support: int
    ehc_plan: int

    @property
    def on_register(self) -> int:
        return self.sen_support + self.ehc_plan


@dataclass(frozen=True)
class SchoolSummary:
    """One published row: every figure as `published` gives it."""

    name: str
    on_roll: str
    sen_support: str
    ehc_plan: str
    on_register: str
    percent_on_register: str

    @classmethod
    def of(cls, name: str, counts: Counts) -> SchoolSummary:
        return cls(
            name=name,
            on_roll=published(counts.on_roll),
            sen_support=published(counts.sen_support),
            ehc_plan=published(counts.ehc_plan),
            on_register=published(counts.on_register),
            percent_on_register=published_percent(counts.on_register, counts.on_roll),
        )


def register_counts(user: Any) -> list[tuple[School, Counts]]:
    """The true counts per school the user may report on, in one aggregate query (never shown as they are)."""
    schools: list[School] = list(policy.visible(user, School.objects.order_by("name"), "view_reports"))
    rows = {
        row["school_id"]: row
        for row in Pupil.objects.filter(school__in=[s.pk for s in schools], leaving_date__isnull=True)
        .values("school_id")
        .annotate(
            on_roll=Count("pk"),
            sen_support=Count("pk", filter=Q(sen_status=SenStatus.SEN_SUPPORT)),
            ehc_plan=Count("pk", filter=Q(sen_status=SenStatus.EHC_PLAN)),
        )
    }
    return [
        (school, Counts(**{k: rows.get(school.pk, {}).get(k, 0) for k in ("on_roll", "sen_support", "ehc_plan")}))
        for school in schools
    ]


def register_summary(user: Any) -> tuple[list[SchoolSummary], SchoolSummary | None]:
    """One published row per school, and the total row (rounded from the true total) when there are several."""
    counts = register_counts(user)
    rows = [SchoolSummary.of(school.name, c) for school, c in counts]
    if len(counts) < 2:
        return rows, None
    total = Counts(
        on_roll=sum(c.on_roll for _, c in counts),
        sen_support=sum(c.sen_support for _, c in counts),
        ehc_plan=sum(c.ehc_plan for _, c in counts),
    )
    return rows, SchoolSummary.of("All these schools", total)
