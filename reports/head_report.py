"""The headteacher's report for one school and period (exact counts, no names: heads see every pupil anyway;
governors get the rounded summary instead). A fixed number of aggregate queries, whatever the pupils."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from provision.selectors import funding_label, provision_map
from pupils.models import YEAR_GROUP_LABELS, Gender, Pupil, PupilNeed, RegisterChange, SenStatus
from reports.models import NotionalSenBudget
from reviews.apdr.models import Plan, PlanState
from reviews.deadlines.models import PEP_KINDS, SCHOOL_KINDS, Deadline, DeadlineState
from schools.models import School, SchoolYear

ON_REGISTER = ("K", "E", "A", "P", "S")  # today's statuses and the pre-2014 ones kept as history
FLAGS = (
    ("is_pupil_premium", "Pupil premium"),
    ("is_eal", "EAL"),
    ("is_looked_after", "Looked after (LAC)"),
    ("is_previously_looked_after", "Previously looked after (PLAC)"),
)


@dataclass(frozen=True)
class HeadReport:
    school: School
    starts_on: dt.date
    ends_on: dt.date
    by_status: dict[str, int]
    by_primary_need: list[tuple[str, int]]
    by_secondary_need: list[tuple[str, int]]
    by_year: list[tuple[str, int]]
    by_sex: list[tuple[str, int]]
    flags: list[tuple[str, int]]  # pupils on the register with each flag
    moved_on: int
    moved_off: int
    sen_support: int
    with_active_plan: int
    timeliness: dict[str, int]  # met on time, met late, overdue, not yet due, no longer needed
    spend: Spend | None = None

    def rows(self) -> list[tuple[str, str, int]]:
        """Every figure as (section, figure, pupils): the CSV, and one table per section on the page."""
        labels = dict(SenStatus.choices)
        out = [("SEN status", f"{labels[code]} ({code})", n) for code, n in self.by_status.items()]
        out += [("Primary need", label, n) for label, n in self.by_primary_need]
        out += [("Secondary need", label, n) for label, n in self.by_secondary_need]
        out += [("Year group (on the register)", label, n) for label, n in self.by_year]
        out += [("Sex (on the register)", label, n) for label, n in self.by_sex]
        out += [("Flags (on the register)", label, n) for label, n in self.flags]
        out += [("Movement in the period", "Onto the register", self.moved_on)]
        out += [("Movement in the period", "Off the register", self.moved_off)]
        out += [("Plan coverage", "At SEN support", self.sen_support)]
        out += [("Plan coverage", "At SEN support with an active plan", self.with_active_plan)]
        out += [("Statutory steps due in the period", label, n) for label, n in self.timeliness.items()]
        return out

    def money_rows(self) -> list[tuple[str, str, str]]:
        """Provision spend in the period by funding source, and the notional budget (section, figure, pounds)."""
        if self.spend is None:
            return []
        out = [("Provision spend by funding source", label, f"{cost:.2f}") for label, cost in self.spend.by_source]
        out.append(("Provision spend by funding source", "Total", f"{self.spend.total:.2f}"))
        budget = "not entered" if self.spend.budget is None else f"{self.spend.budget:.2f}"
        out.append(("Notional SEN budget", self.spend.year or "no school year", budget))
        return out


def _needs(on_register: Any, rank: int) -> list[tuple[str, int]]:
    rows = (
        PupilNeed.objects.filter(pupil__in=on_register, rank=rank)
        .values("need_type__label")
        .annotate(n=Count("pk"))
        .order_by("-n", "need_type__label")
    )
    return [(row["need_type__label"], row["n"]) for row in rows]


@dataclass(frozen=True)
class Spend:
    by_source: list[tuple[str, Decimal]]
    total: Decimal
    year: str
    budget: Decimal | None


def spend_by_funding(user: Any, school: School, starts_on: dt.date, ends_on: dt.date) -> Spend:
    """The provision map's cost in the period by funding source (provision's own costing), and the notional SEN
    budget entered for the school year the period starts in."""
    provision = provision_map(user, (starts_on, ends_on), school_id=school.pk)
    year = SchoolYear.objects.filter(starts_on__lte=starts_on, ends_on__gte=starts_on).first()
    budget = NotionalSenBudget.objects.filter(school=school, school_year=year).first() if year else None
    return Spend(
        by_source=[(label, cost) for label, _, cost in provision.totals_by(funding_label)],
        total=provision.total,
        year=year.name if year else "",
        budget=budget.amount if budget else None,
    )


def head_report(school: School, starts_on: dt.date, ends_on: dt.date, spend: Spend | None = None) -> HeadReport:
    """The register as it stands today; movement, plans and statutory steps within the period."""
    on_roll = Pupil.objects.filter(school=school, leaving_date__isnull=True)
    by_status = {r["sen_status"]: r["n"] for r in on_roll.values("sen_status").annotate(n=Count("pk"))}
    register = on_roll.exclude(sen_status=SenStatus.NO_SEN)
    ids = register.values("pk")
    years = register.values("year_group").annotate(n=Count("pk")).order_by("year_group")
    sexes = register.values("gender").annotate(n=Count("pk")).order_by("gender")
    flags = register.aggregate(**{name: Count("pk", filter=Q(**{name: True})) for name, _ in FLAGS})
    previous = RegisterChange.objects.filter(pupil=OuterRef("pupil"), starts_on__lt=OuterRef("starts_on"))
    changes = RegisterChange.objects.filter(pupil__school=school, starts_on__range=(starts_on, ends_on)).annotate(
        before=Subquery(previous.order_by("-starts_on", "-recorded_at").values("status")[:1])
    )
    moved = changes.aggregate(
        on=Count("pk", filter=Q(status__in=ON_REGISTER) & (Q(before__isnull=True) | Q(before="N"))),
        off=Count("pk", filter=Q(status="N", before__in=ON_REGISTER)),
    )
    active = Plan.objects.filter(pupil=OuterRef("pk"), state__in=(PlanState.ACTIVE, PlanState.DUE))
    coverage = on_roll.filter(sen_status=SenStatus.SEN_SUPPORT).aggregate(
        total=Count("pk"), planned=Count("pk", filter=Q(Exists(active)))
    )
    today = timezone.localdate()
    steps = Deadline.objects.filter(pupil__school=school, due_on__range=(starts_on, ends_on)).exclude(
        kind__in=(*SCHOOL_KINDS, *PEP_KINDS)
    )
    met = Q(state=DeadlineState.MET)
    timeliness = steps.aggregate(
        on_time=Count("pk", filter=met & Q(met_on__lte=F("due_on"))),
        late=Count("pk", filter=met & Q(met_on__gt=F("due_on"))),
        overdue=Count("pk", filter=Q(state=DeadlineState.OPEN, due_on__lt=today)),
        not_yet_due=Count("pk", filter=Q(state=DeadlineState.OPEN, due_on__gte=today)),
        exempt=Count("pk", filter=Q(state=DeadlineState.EXEMPT)),
        cancelled=Count("pk", filter=Q(state=DeadlineState.CANCELLED)),
    )
    sex_labels = dict(Gender.choices)
    return HeadReport(
        school=school,
        starts_on=starts_on,
        ends_on=ends_on,
        by_status={code: by_status.get(code, 0) for code in SenStatus.values},
        by_primary_need=_needs(ids, 1),
        by_secondary_need=_needs(ids, 2),
        by_year=[(YEAR_GROUP_LABELS.get(r["year_group"], r["year_group"]), r["n"]) for r in years],
        by_sex=[(sex_labels.get(r["gender"], r["gender"]), r["n"]) for r in sexes],
        flags=[(label, flags[name]) for name, label in FLAGS],
        moved_on=moved["on"],
        moved_off=moved["off"],
        sen_support=coverage["total"],
        with_active_plan=coverage["planned"],
        spend=spend,
        timeliness={
            "Met on time": timeliness["on_time"],
            "Met late": timeliness["late"],
            "Overdue": timeliness["overdue"],
            "Not yet due": timeliness["not_yet_due"],
            "Exemption claimed": timeliness["exempt"],
            "No longer needed": timeliness["cancelled"],
        },
    )
