"""Reads for looked-after pupils and their PEPs: tenant-scoped, permission-filtered, each page in a fixed number of
queries whatever the number of pupils, PEPs or Virtual Schools."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from pupils.models import Pupil
from reviews.deadlines.models import PEP_KINDS, Deadline, DeadlineKind, DeadlineState
from reviews.deadlines.selectors import DEADLINE_RELATED
from reviews.ehc.models import EhcPlan
from reviews.pep.models import CareRecord, Pep, PepState
from reviews.pep.policy import looked_after_pupils
from send import policy

# Below this a pupil's attendance is flagged (persistent absence is missing 10% of sessions or more).
ATTENDANCE_FLAG_BELOW = Decimal("90")
NO_VIRTUAL_SCHOOL = "Previously looked after, or no Virtual School recorded"


@dataclass
class LookedAfterRow:
    """One pupil on the designated teacher's home."""

    pupil: Pupil
    record: CareRecord | None
    latest: Pep | None = None
    last_rating: str = ""
    next_deadline: Deadline | None = None
    ehc_review: Deadline | None = None
    overdue: bool = False

    @property
    def attendance_flag(self) -> bool:
        attendance = self.latest.attendance_percent if self.latest else None
        return attendance is not None and attendance < ATTENDANCE_FLAG_BELOW


@dataclass
class VirtualSchoolGroup:
    name: str
    rows: list[LookedAfterRow] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


def looked_after_home(user: Any, today: dt.date) -> list[VirtualSchoolGroup]:
    """Every looked-after and previously looked-after pupil the user serves, grouped by Virtual School: next PEP
    date, state, last rating, SEN status, EHC review date; overdue first. Four queries, whatever the numbers."""
    pupils = list(
        looked_after_pupils(user, Pupil.objects.all())
        .select_related("school")
        .order_by("legal_last_name", "legal_first_name")
    )
    ids = [p.pk for p in pupils]
    records = {r.pupil_id: r for r in CareRecord.objects.filter(pupil_id__in=ids).select_related("virtual_school")}
    rows = {p.pk: LookedAfterRow(p, records.get(p.pk)) for p in pupils}
    peps: QuerySet[Pep] = policy.visible(user, Pep.objects.filter(pupil_id__in=ids))
    for pep in peps.order_by("pupil_id", "due_on", "pk"):
        row = rows[pep.pupil_id]
        row.latest = pep  # the latest by due date
        if pep.rating:
            row.last_rating = pep.get_rating_display()
    kinds = [*PEP_KINDS, DeadlineKind.REVIEW_BY]
    open_deadlines = Deadline.objects.filter(pupil_id__in=ids, kind__in=kinds, state=DeadlineState.OPEN)
    for deadline in open_deadlines.order_by("due_on", "pk"):
        row = rows[deadline.pupil_id]
        if deadline.kind == DeadlineKind.REVIEW_BY:
            row.ehc_review = row.ehc_review or deadline
        elif row.next_deadline is None:
            row.next_deadline = deadline
            row.overdue = deadline.due_on < today
    groups: dict[str, VirtualSchoolGroup] = {}
    for row in rows.values():
        name = row.record.virtual_school.name if row.record and row.pupil.is_looked_after else NO_VIRTUAL_SCHOOL
        groups.setdefault(name, VirtualSchoolGroup(name)).rows.append(row)
    far = dt.date.max
    for group in groups.values():
        group.rows.sort(key=lambda r: (not r.overdue, r.next_deadline.due_on if r.next_deadline else far))
    return sorted(groups.values(), key=lambda g: (-g.overdue, g.name == NO_VIRTUAL_SCHOOL, g.name))


def pupil_care(user: Any, pupil: Pupil) -> dict[str, Any]:
    """The pupil's care record, its events, their PEPs and open PEP deadlines."""
    record = policy.visible(user, CareRecord.objects.filter(pupil=pupil)).select_related("virtual_school").first()
    return {
        "record": record,
        "events": list(record.care_events.select_related("recorded_by")) if record else [],
        "peps": list(policy.visible(user, Pep.objects.filter(pupil=pupil)).select_related("term__school_year")),
        "deadlines": list(
            Deadline.objects.filter(pupil=pupil, kind__in=PEP_KINDS)
            .exclude(state=DeadlineState.CANCELLED)
            .select_related(*DEADLINE_RELATED)
        ),
    }


def pep_detail(pep: Pep) -> dict[str, Any]:
    """Everything the PEP page shows, each in one query; SEN status and the EHC plan come from our own record."""
    labels = {f.name: f.verbose_name for f in Pep._meta.fields}
    return {
        "targets": list(pep.targets.select_related("provision__intervention")),
        "transitions": list(pep.transitions.select_related("by")),
        "ehc_plan": EhcPlan.objects.filter(pupil_id=pep.pupil_id, ceased_on__isnull=True).first(),
        # a looked-after child's annual review should coincide with a PEP review (Code of Practice, ch. 9 and 10)
        "ehc_review": Deadline.objects.filter(
            pupil_id=pep.pupil_id, kind=DeadlineKind.REVIEW_BY, state=DeadlineState.OPEN
        )
        .order_by("due_on")
        .first(),
        "labels": labels,
        "extra": [(heading, pep.extra.get(heading, "")) for heading in pep.virtual_school.section_headings],
        "read_only": pep.state not in (PepState.NOT_STARTED, PepState.IN_PROGRESS, PepState.RETURNED),
    }
