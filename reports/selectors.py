"""Reads for the SENCO's home: the schools it covers, the one chosen, and the figures at a glance."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from pupils.models import Pupil, PupilNeed, RegisterChange, SenStatus
from reports.policy import HOME_ROLES
from reviews.apdr.models import Plan, PlanState
from schools.models import School, Term
from schools.selectors import roles_of
from send import policy


def home_schools(user: Any) -> QuerySet[School]:
    """The schools whose work the home shows: every school for the trust SEND lead, else where the user is
    SENCO or assistant SENCO."""
    schools: QuerySet[School] = policy.visible(user, School.objects.order_by("name"), "view")
    roles = roles_of(user)
    if roles.is_send_lead:
        return schools
    return schools.filter(pk__in=roles.schools_with(*HOME_ROLES))


def chosen_schools(user: Any, school_uuid: str | None) -> tuple[list[School], School | None]:
    """The user's home schools and the one chosen by `?school=` (None: all). A school the user does not cover,
    or no school at all, is a 404, as for any object that is not theirs."""
    schools = list(home_schools(user))
    if not school_uuid:
        return schools, None
    try:
        wanted = uuid.UUID(school_uuid)
    except ValueError:
        raise Http404("Not found") from None
    chosen = next((s for s in schools if s.uuid == wanted), None)
    if chosen is None:
        raise Http404("Not found")
    return schools, chosen


@dataclass(frozen=True)
class Figures:
    """The chosen schools' register at a glance: pupils on roll by status and by primary need, the changes to the
    register since the term began, and how many at SEN support have an active plan."""

    by_status: dict[str, int]
    by_need: list[tuple[str, int]]
    changes_since: dt.date | None
    changes: int
    sen_support: int
    with_active_plan: int

    @property
    def on_register(self) -> int:
        return self.by_status.get(SenStatus.SEN_SUPPORT, 0) + self.by_status.get(SenStatus.EHC_PLAN, 0)

    @property
    def plan_coverage(self) -> int | None:
        return round(100 * self.with_active_plan / self.sen_support) if self.sen_support else None


def term_start(school_ids: Collection[int], today: dt.date) -> dt.date | None:
    """The earliest start of the terms (of the chosen schools) that today falls in."""
    term = Term.objects.filter(school_id__in=school_ids, starts_on__lte=today, ends_on__gte=today).order_by("starts_on")
    return term.values_list("starts_on", flat=True).first()


def figures(school_ids: Collection[int], today: dt.date) -> Figures:
    """Five aggregate queries, whatever the number of schools or pupils."""
    on_roll = Pupil.objects.filter(school_id__in=school_ids, leaving_date__isnull=True)
    by_status = {row["sen_status"]: row["n"] for row in on_roll.values("sen_status").annotate(n=Count("pk"))}
    needs = (
        PupilNeed.objects.filter(pupil__in=on_roll.exclude(sen_status=SenStatus.NO_SEN).values("pk"), rank=1)
        .values("need_type__label")
        .annotate(n=Count("pk"))
        .order_by("-n", "need_type__label")
    )
    since = term_start(school_ids, today)
    changes = RegisterChange.objects.filter(pupil__school_id__in=school_ids, starts_on__gte=since) if since else None
    active = Plan.objects.filter(pupil=OuterRef("pk"), state__in=(PlanState.ACTIVE, PlanState.DUE))
    coverage = on_roll.filter(sen_status=SenStatus.SEN_SUPPORT).aggregate(
        total=Count("pk"), planned=Count("pk", filter=Q(Exists(active)))
    )
    return Figures(
        by_status={code: by_status.get(code, 0) for code in SenStatus.values},
        by_need=[(row["need_type__label"], row["n"]) for row in needs],
        changes_since=since,
        changes=changes.count() if changes is not None else 0,
        sen_support=coverage["total"],
        with_active_plan=coverage["planned"],
    )
