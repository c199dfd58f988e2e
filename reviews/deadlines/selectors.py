"""Reads of the deadline table: the statutory calendar, what a person tracks (their calendar feed), their
reminders. Tenant-scoped, permission-filtered, each list in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from reviews.deadlines.models import SCHOOL_KINDS, Deadline, DeadlineState, Reminder
from send import policy

DEADLINE_RELATED = ("pupil", "school", "review__ehc_plan", "ehc_plan", "request", "plan")


@dataclass
class SchoolCalendarRows:
    school: Any
    overdue: list[Deadline] = field(default_factory=list)
    this_week: list[Deadline] = field(default_factory=list)
    coming: list[Deadline] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.coming)


def tracked_deadlines(user: Any) -> QuerySet[Deadline]:
    return policy.visible(user, Deadline.objects.filter(state=DeadlineState.OPEN), "track").select_related(
        *DEADLINE_RELATED
    )


def statutory_calendar(user: Any, today: dt.date, weeks: int = 4) -> list[SchoolCalendarRows]:
    """Open statutory deadlines overdue, due this week (to Sunday) and in the next `weeks` weeks, by school. One
    query. SEN support plan reviews are on the Plans page instead."""
    end_of_week = today + dt.timedelta(days=6 - today.weekday())
    horizon = end_of_week + dt.timedelta(weeks=weeks)
    by_school: dict[int, SchoolCalendarRows] = {}
    statutory = tracked_deadlines(user).exclude(kind__in=SCHOOL_KINDS).filter(due_on__lte=horizon)
    for deadline in statutory.order_by("school__name", "due_on", "pk"):
        rows = by_school.setdefault(deadline.school_id, SchoolCalendarRows(deadline.school))
        if deadline.due_on < today:
            rows.overdue.append(deadline)
        elif deadline.due_on <= end_of_week:
            rows.this_week.append(deadline)
        else:
            rows.coming.append(deadline)
    return list(by_school.values())


def inbox(user: Any, limit: int = 200) -> list[Reminder]:
    """The person's reminders, of pupils they may still open (a teacher who changed class no longer sees them)."""
    return list(
        policy.visible(user, Reminder)
        .filter(deadline__in=policy.visible(user, Deadline, "view").values("pk"))
        .select_related(*(f"deadline__{name}" for name in DEADLINE_RELATED))
        .order_by("read_at", "-created_at", "-pk")[:limit]
    )


def unread_count(user: Any) -> int:
    return policy.visible(user, Reminder).filter(read_at__isnull=True).count()


def pupil_initials(pupil: Any) -> str:
    """How e-mails and calendars name a pupil: initials and year group, never the name (mail leaves our hands)."""
    name = "".join(part[0] for part in pupil.display_name.split() if part)
    return f"{name}, {pupil.get_year_group_display()}"
