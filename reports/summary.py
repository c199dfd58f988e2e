"""Aggregate register figures for governors and leaders: counts only, small numbers suppressed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from pupils.models import Pupil, SenStatus
from schools.models import School
from send import policy

SUPPRESS_BELOW = 5


def suppressed(count: int) -> str:
    """Counts under 5 are shown as '<5' so that no pupil can be recognised (DOMAIN.md)."""
    return "<5" if 0 < count < SUPPRESS_BELOW else str(count)


@dataclass(frozen=True)
class SchoolSummary:
    school: School
    on_roll: str
    sen_support: str
    ehc_plan: str
    percent_on_register: str


def register_summary(user: Any) -> list[SchoolSummary]:
    """One row per school the user may report on, in one aggregate query."""
    schools: list[School] = list(policy.visible(user, School.objects.order_by("name"), "view_reports"))
    counts = {
        row["school_id"]: row
        for row in Pupil.objects.filter(school__in=[s.pk for s in schools], leaving_date__isnull=True)
        .values("school_id")
        .annotate(
            on_roll=Count("pk"),
            sen_support=Count("pk", filter=Q(sen_status=SenStatus.SEN_SUPPORT)),
            ehc_plan=Count("pk", filter=Q(sen_status=SenStatus.EHC_PLAN)),
        )
    }
    rows = []
    for school in schools:
        row = counts.get(school.pk, {"on_roll": 0, "sen_support": 0, "ehc_plan": 0})
        on_register = row["sen_support"] + row["ehc_plan"]
        percent = (
            f"{100 * on_register / row['on_roll']:.1f}%" if row["on_roll"] and on_register >= SUPPRESS_BELOW else "–"
        )
        rows.append(
            SchoolSummary(
                school=school,
                on_roll=suppressed(row["on_roll"]),
                sen_support=suppressed(row["sen_support"]),
                ehc_plan=suppressed(row["ehc_plan"]),
                percent_on_register=percent,
            )
        )
    return rows
