"""Reads of pupils and the register: tenant-scoped, filtered by the policy, fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, When
from django.http import Http404

from pupils.models import Pupil, PupilNeed, RegisterChange, SenStatus
from send import policy


@dataclass(frozen=True)
class RegisterFilters:
    school: str = ""
    school_class: str = ""
    year_group: str = ""
    sen_status: str = ""
    need: str = ""
    flag: str = ""
    search: str = ""
    sort: str = "name"


FLAGS = {
    "monitoring": ("On the monitoring list", Q(on_monitoring_list=True)),
    "lac": ("Looked after (LAC)", Q(is_looked_after=True)),
    "plac": ("Previously looked after (PLAC)", Q(is_previously_looked_after=True)),
    "eal": ("English as an additional language", Q(is_eal=True)),
    "pp": ("Pupil premium", Q(is_pupil_premium=True)),
}
SORTS = {
    "name": ("Name", ("legal_last_name", "legal_first_name")),
    "year": ("Year group, then name", ("year_group", "legal_last_name", "legal_first_name")),
    "status": ("Status (E, K, N), then name", ("sen_status", "legal_last_name", "legal_first_name")),
    "school": ("School, then name", ("school__name", "legal_last_name", "legal_first_name")),
    "since": ("On the register since", ("sen_status_since", "legal_last_name")),
}


def visible_pupils(user: Any) -> QuerySet[Pupil]:
    return policy.visible(user, Pupil.objects.all(), "view")


def register_list(user: Any, filters: RegisterFilters) -> QuerySet[Pupil]:
    """The pupils the user may see, filtered, with what the list shows loaded in a fixed number of queries."""
    pupils = (
        visible_pupils(user)
        .select_related("school", "school_class")
        .prefetch_related(Prefetch("needs", queryset=PupilNeed.objects.select_related("need_type").order_by("rank")))
    )
    if filters.school:
        pupils = pupils.filter(school__uuid=filters.school)
    if filters.school_class:
        pupils = pupils.filter(school_class__uuid=filters.school_class)
    if filters.flag in FLAGS:
        pupils = pupils.filter(FLAGS[filters.flag][1])
    if filters.year_group:
        pupils = pupils.filter(year_group=filters.year_group)
    if filters.sen_status:
        pupils = pupils.filter(sen_status=filters.sen_status)
    if filters.need:
        pupils = pupils.filter(needs__need_type__code=filters.need)
    if filters.search:
        term = filters.search.strip()
        pupils = pupils.filter(
            Q(legal_first_name__icontains=term)
            | Q(legal_last_name__icontains=term)
            | Q(preferred_first_name__icontains=term)
            | Q(upn__iexact=term.replace(" ", ""))
        )
    order = SORTS.get(filters.sort, SORTS["name"])[1]
    if filters.sort == "status":
        # E before K before N: the most support first
        pupils = pupils.annotate(
            status_rank=Case(When(sen_status="E", then=0), When(sen_status="K", then=1), default=2)
        )
        order = ("status_rank", *order[1:])
    return pupils.order_by(*order, "pk").distinct()


def register_counts(pupils: QuerySet[Pupil]) -> dict[str, int]:
    totals = pupils.order_by().aggregate(
        total=Count("pk", distinct=True),
        sen_support=Count("pk", filter=Q(sen_status=SenStatus.SEN_SUPPORT), distinct=True),
        ehc_plan=Count("pk", filter=Q(sen_status=SenStatus.EHC_PLAN), distinct=True),
        monitoring=Count("pk", filter=Q(on_monitoring_list=True), distinct=True),
    )
    return {key: value or 0 for key, value in totals.items()}


def pupil_for_record(user: Any, pupil_uuid: Any) -> Pupil:
    """One pupil the user may open, or 404 (whether it does not exist, or belongs to someone else)."""
    pupil = (
        visible_pupils(user)
        .select_related("school", "school_class")
        .prefetch_related(Prefetch("needs", queryset=PupilNeed.objects.select_related("need_type")))
        .filter(uuid=pupil_uuid)
        .first()
    )
    if pupil is None:
        raise Http404("No such pupil")
    return pupil


def pupil_history(pupil: Pupil, limit: int = 50) -> list[Any]:
    """Changes to the pupil's record, newest first, from the audit trail."""
    return list(pupil.events.order_by("-pgh_created_at")[:limit])  # type: ignore[attr-defined]


def register_history(pupil: Pupil) -> list[RegisterChange]:
    """The pupil's register changes, newest first, with who recorded them, in one query."""
    return list(
        RegisterChange.objects.filter(pupil=pupil)
        .select_related("primary_need", "secondary_need", "recorded_by")
        .order_by("-starts_on", "-recorded_at")
    )


def clean_filters(filters: RegisterFilters, *, schools: list[Any], classes: list[Any]) -> RegisterFilters:
    """Drop filter values the user may not use (another trust's school, an unknown sort): never an error."""
    values = dict(filters.__dict__)
    if values["school"] not in {str(s.uuid) for s in schools}:
        values["school"] = ""
    if values["school_class"] not in {str(c.uuid) for c in classes}:
        values["school_class"] = ""
    if values["sort"] not in SORTS:
        values["sort"] = "name"
    if values["flag"] not in FLAGS:
        values["flag"] = ""
    return RegisterFilters(**values)
