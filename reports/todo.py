"""The SENCO's to-do lists: one query each, scoped by the policy and to the chosen schools. The home shows each
list's count and links to the list itself, and both come from the same queryset here, so they cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Model, OuterRef, QuerySet
from django.urls import reverse

from pupils.models import ContactLogEntry, PassportStatus, PassportVersion, Pupil, SenStatus
from reviews.apdr.models import Plan, PlanState
from reviews.deadlines.models import PEP_KINDS, SCHOOL_KINDS, Deadline, DeadlineState
from reviews.ehc.models import ReviewInvitation, ReviewState
from reviews.pep.models import Pep, PepState
from send import policy

DUE_SOON_DAYS = 14  # APDR reviews and PEPs "due": within the next two weeks
FOLLOW_UP_AHEAD_DAYS = 7  # contact-log follow-ups: overdue, or due within a week


@dataclass(frozen=True)
class Row:
    """One line of a to-do list: whose, where, by when, what, and where to do it."""

    pupil: str
    school: str
    date: dt.date | None
    what: str
    url: str


@dataclass(frozen=True)
class TodoList:
    slug: str
    label: str
    explains: str
    model: type[Model]
    school_path: str  # from the row to its pupil's school
    select: Callable[[QuerySet[Any], dt.date], QuerySet[Any]]
    row: Callable[[Any], Row]
    related: tuple[str, ...] = ()

    @property
    def url_name(self) -> str:
        return f"todo_{self.slug.replace('-', '_')}"

    def queryset(self, user: Any, school_ids: Collection[int], today: dt.date) -> QuerySet[Any]:
        rows = policy.visible(user, self.model._default_manager.all(), "view")
        rows = rows.filter(**{f"{self.school_path}_id__in": list(school_ids)})
        return self.select(rows, today)

    def rows(self, user: Any, school_ids: Collection[int], today: dt.date) -> list[Row]:
        found = self.queryset(user, school_ids, today).select_related(*self.related)
        return [self.row(obj) for obj in found]


@dataclass(frozen=True)
class TodoCount:
    slug: str
    label: str
    count: int
    url: str


def _pupil_related(path: str) -> tuple[str, ...]:
    return (f"{path}__school",)


def _row(pupil: Pupil, date: dt.date | None, what: str, url: str) -> Row:
    return Row(pupil.display_name, pupil.school.name, date, what, url)


def _latest_awaiting(rows: QuerySet[Any], today: dt.date) -> QuerySet[Any]:
    newer = PassportVersion.objects.filter(pupil=OuterRef("pupil"), number__gt=OuterRef("number"))
    return rows.filter(status=PassportStatus.AWAITING_APPROVAL).exclude(Exists(newer)).order_by("created_at")


def _open_plans(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.filter(state__in=(PlanState.ACTIVE, PlanState.DUE), pupil__leaving_date__isnull=True)


def _statutory(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.filter(state=DeadlineState.OPEN).exclude(kind__in=(*SCHOOL_KINDS, *PEP_KINDS))


def _end_of_week(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=6 - today.weekday())


def _follow_ups(rows: QuerySet[Any], today: dt.date) -> QuerySet[Any]:
    # A contact logged later for the same pupil is taken as the follow-up: the log has no "done" box.
    later = ContactLogEntry.objects.filter(pupil=OuterRef("pupil"), happened_on__gt=OuterRef("happened_on"))
    due = rows.filter(follow_up_on__lte=today + dt.timedelta(days=FOLLOW_UP_AHEAD_DAYS))
    return due.exclude(Exists(later)).order_by("follow_up_on", "pk")


def _without_plan(rows: QuerySet[Any], today: dt.date) -> QuerySet[Any]:
    active = Plan.objects.filter(pupil=OuterRef("pk"), state__in=(PlanState.ACTIVE, PlanState.DUE))
    return rows.filter(sen_status=SenStatus.SEN_SUPPORT, leaving_date__isnull=True).exclude(Exists(active))


def _deadline_row(d: Deadline) -> Row:
    return _row(d.pupil, d.due_on, f"{d.get_kind_display()}{f' ({d.detail})' if d.detail else ''}", d.subject_url)


_DEADLINE_RELATED = ("pupil__school", "review", "ehc_plan", "request", "plan")

LISTS: tuple[TodoList, ...] = (
    TodoList(
        "passports",
        "Passports awaiting approval",
        "The latest version of each pupil's passport, written and not yet approved or returned.",
        PassportVersion,
        "pupil__school",
        _latest_awaiting,
        lambda v: _row(
            v.pupil, v.created_at.date(), f"Version {v.number}", reverse("pupils:passport_review", args=[v.pupil.uuid])
        ),
        _pupil_related("pupil"),
    ),
    TodoList(
        "plans-to-sign-off",
        "Plans awaiting sign-off",
        "SEN support (APDR) plans submitted by a teacher for the SENCO's sign-off.",
        Plan,
        "pupil__school",
        lambda rows, today: rows.filter(state=PlanState.SUBMITTED).order_by("updated_at"),
        lambda p: _row(p.pupil, p.starts_on, f"Cycle {p.cycle}", reverse("reviews:plan", args=[p.uuid])),
        _pupil_related("pupil"),
    ),
    TodoList(
        "reviews-overdue",
        "APDR reviews overdue",
        "Active SEN support plans whose review date has passed.",
        Plan,
        "pupil__school",
        lambda rows, today: _open_plans(rows).filter(review_on__lt=today).order_by("review_on", "pk"),
        lambda p: _row(p.pupil, p.review_on, f"Review of cycle {p.cycle}", reverse("reviews:plan", args=[p.uuid])),
        _pupil_related("pupil"),
    ),
    TodoList(
        "reviews-due",
        "APDR reviews due in the next two weeks",
        f"Active SEN support plans to review from today to {DUE_SOON_DAYS - 1} days ahead.",
        Plan,
        "pupil__school",
        lambda rows, today: (
            _open_plans(rows)
            .filter(review_on__gte=today, review_on__lt=today + dt.timedelta(days=DUE_SOON_DAYS))
            .order_by("review_on", "pk")
        ),
        lambda p: _row(p.pupil, p.review_on, f"Review of cycle {p.cycle}", reverse("reviews:plan", args=[p.uuid])),
        _pupil_related("pupil"),
    ),
    TodoList(
        "statutory-overdue",
        "Statutory steps overdue",
        "EHC steps still open after their legal date.",
        Deadline,
        "pupil__school",
        lambda rows, today: _statutory(rows).filter(due_on__lt=today).order_by("due_on", "pk"),
        _deadline_row,
        _DEADLINE_RELATED,
    ),
    TodoList(
        "statutory-this-week",
        "Statutory steps due this week",
        "EHC steps due from today to Sunday.",
        Deadline,
        "pupil__school",
        lambda rows, today: (
            _statutory(rows).filter(due_on__gte=today, due_on__lte=_end_of_week(today)).order_by("due_on", "pk")
        ),
        _deadline_row,
        _DEADLINE_RELATED,
    ),
    TodoList(
        "advice",
        "Advice not yet received",
        "Advice asked for an EHC annual review still to be held, with no reply recorded.",
        ReviewInvitation,
        "review__ehc_plan__pupil__school",
        lambda rows, today: rows.filter(
            advice_due_on__isnull=False, response_on__isnull=True, review__state=ReviewState.SCHEDULED
        ).order_by("advice_due_on", "pk"),
        lambda i: _row(
            i.review.ehc_plan.pupil,
            i.advice_due_on,
            f"{i.name} ({i.get_party_display()})",
            reverse("reviews:annual_review", args=[i.review.uuid]),
        ),
        ("review__ehc_plan__pupil__school",),
    ),
    TodoList(
        "follow-ups",
        "Contact-log follow-ups due",
        f"Follow-ups overdue or due within {FOLLOW_UP_AHEAD_DAYS} days, with no later contact logged for the pupil.",
        ContactLogEntry,
        "pupil__school",
        _follow_ups,
        lambda e: _row(
            e.pupil, e.follow_up_on, f"{e.with_whom}: {e.summary[:80]}", reverse("pupils:record", args=[e.pupil.uuid])
        ),
        _pupil_related("pupil"),
    ),
    TodoList(
        "without-plan",
        "Pupils at SEN support without an active plan",
        "On roll at SEN support (K), with no active or due APDR plan.",
        Pupil,
        "school",
        lambda rows, today: _without_plan(rows, today).order_by("legal_last_name", "legal_first_name", "pk"),
        lambda p: _row(p, p.sen_status_since, "No active plan", reverse("pupils:record", args=[p.uuid])),
        ("school",),
    ),
    TodoList(
        "peps-due",
        "PEPs due",
        f"PEPs not yet submitted to the Virtual School, due within {DUE_SOON_DAYS} days or overdue.",
        Pep,
        "pupil__school",
        lambda rows, today: rows.filter(
            state__in=(PepState.NOT_STARTED, PepState.IN_PROGRESS, PepState.READY, PepState.RETURNED),
            due_on__lt=today + dt.timedelta(days=DUE_SOON_DAYS),
        ).order_by("due_on", "pk"),
        lambda p: _row(p.pupil, p.due_on, p.get_state_display(), reverse("reviews:pep", args=[p.uuid])),
        _pupil_related("pupil"),
    ),
)
BY_SLUG = {todo.slug: todo for todo in LISTS}


def todo_counts(user: Any, school_ids: Collection[int], today: dt.date, query: str) -> list[TodoCount]:
    """Every list's count (one query each, however many schools), with the address of the list itself."""
    return [
        TodoCount(
            todo.slug,
            todo.label,
            todo.queryset(user, school_ids, today).count(),
            reverse(f"reports:{todo.url_name}") + query,
        )
        for todo in LISTS
    ]
