"""The trust SEND lead's view: every school side by side on the same measures, with the trust total. Three
aggregate queries, however many schools."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from pupils.models import Pupil, SenStatus
from reviews.apdr.models import Plan, PlanState
from reviews.deadlines.models import PEP_KINDS, SCHOOL_KINDS, Deadline, DeadlineState
from schools.models import School


@dataclass(frozen=True)
class Measures:
    name: str
    school: School | None  # None: the trust total
    on_roll: int = 0
    sen_support: int = 0
    ehc_plan: int = 0
    with_active_plan: int = 0
    statutory_overdue: int = 0

    @property
    def on_register(self) -> int:
        return self.sen_support + self.ehc_plan

    @property
    def percent_on_register(self) -> str:
        return f"{100 * self.on_register / self.on_roll:.1f}%" if self.on_roll else "–"

    @property
    def plan_coverage(self) -> str:
        return f"{100 * self.with_active_plan / self.sen_support:.0f}%" if self.sen_support else "–"


FIELDS = ("on_roll", "sen_support", "ehc_plan", "with_active_plan", "statutory_overdue")


def side_by_side(schools: list[School], today: dt.date) -> tuple[list[Measures], Measures]:
    ids = [s.pk for s in schools]
    active = Plan.objects.filter(pupil=OuterRef("pk"), state__in=(PlanState.ACTIVE, PlanState.DUE))
    pupils = {
        r["school_id"]: r
        for r in Pupil.objects.filter(school_id__in=ids, leaving_date__isnull=True)
        .values("school_id")
        .annotate(
            on_roll=Count("pk"),
            sen_support=Count("pk", filter=Q(sen_status=SenStatus.SEN_SUPPORT)),
            ehc_plan=Count("pk", filter=Q(sen_status=SenStatus.EHC_PLAN)),
            with_active_plan=Count("pk", filter=Q(sen_status=SenStatus.SEN_SUPPORT) & Q(Exists(active))),
        )
    }
    overdue = {
        r["pupil__school_id"]: r["n"]
        for r in Deadline.objects.filter(pupil__school_id__in=ids, state=DeadlineState.OPEN, due_on__lt=today)
        .exclude(kind__in=(*SCHOOL_KINDS, *PEP_KINDS))
        .values("pupil__school_id")
        .annotate(n=Count("pk"))
    }
    rows = [
        Measures(
            school.name,
            school,
            **{f: pupils.get(school.pk, {}).get(f, 0) for f in FIELDS[:4]},
            statutory_overdue=overdue.get(school.pk, 0),
        )
        for school in schools
    ]
    total = Measures("Trust total", None, **{f: sum(getattr(r, f) for r in rows) for f in FIELDS})
    return rows, total
