"""Reads of pupils and the register: tenant-scoped, filtered by the policy, fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from pupils.models import Pupil, PupilNeed, RegisterChange, SenStatus
from send import policy


@dataclass(frozen=True)
class RegisterFilters:
    school: str = ""
    year_group: str = ""
    sen_status: str = ""
    need: str = ""
    search: str = ""


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
    return pupils.order_by("school__name", "legal_last_name", "legal_first_name", "pk").distinct()


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
