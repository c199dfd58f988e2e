"""Reads of pupils and the register: tenant-scoped, filtered by the policy, fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.http import Http404

from pupils.models import Pupil, PupilNeed, RegisterChange, SenStatus, has_left_q
from schools.models import YearGroup
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


PAGE_SIZE = 50


def register_list(user: Any, filters: RegisterFilters) -> QuerySet[Pupil]:
    """The pupils the user may see, filtered and sorted, one row each.

    No filter joins a table that could repeat a pupil (the need filter is an EXISTS), so the list needs no
    DISTINCT, which would sort every visible row; the default order matches the index `pupil_register_name`.
    """
    pupils = visible_pupils(user).exclude(has_left_q())  # current pupils only: leavers are in the archive
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
        pupils = pupils.filter(Exists(PupilNeed.objects.filter(pupil=OuterRef("pk"), need_type__code=filters.need)))
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
    return pupils.order_by(*order, "pk")


def _need_code(rank: int) -> Subquery:
    return Subquery(PupilNeed.objects.filter(pupil=OuterRef("pk"), rank=rank).values("need_type__code")[:1])


def with_register_columns(pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """What the register shows of each pupil in the same query: school, class, and the primary and secondary
    need codes (`primary_need_code`, `secondary_need_code`)."""
    return pupils.select_related("school", "school_class").annotate(
        primary_need_code=_need_code(1), secondary_need_code=_need_code(2)
    )


def register_counts(pupils: QuerySet[Pupil]) -> dict[str, int]:
    totals = pupils.order_by().aggregate(
        total=Count("pk"),
        sen_support=Count("pk", filter=Q(sen_status=SenStatus.SEN_SUPPORT)),
        ehc_plan=Count("pk", filter=Q(sen_status=SenStatus.EHC_PLAN)),
        monitoring=Count("pk", filter=Q(on_monitoring_list=True)),
    )
    return {key: value or 0 for key, value in totals.items()}


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One line of the register page: what it shows, read as plain values (no model instance per pupil)."""

    uuid: Any
    name: str
    school: str
    year: str
    school_class: str
    status: str
    status_label: str
    needs: str
    flags: str

    COLUMNS = (
        "uuid",
        "legal_first_name",
        "legal_last_name",
        "preferred_first_name",
        "preferred_last_name",
        "school__name",
        "year_group",
        "school_class__name",
        "sen_status",
        "primary_need_code",
        "secondary_need_code",
        "is_looked_after",
        "is_previously_looked_after",
        "on_monitoring_list",
    )

    @classmethod
    def from_values(cls, values: tuple[Any, ...]) -> RegisterRow:
        (
            key,
            first,
            last,
            preferred_first,
            preferred_last,
            school,
            year,
            klass,
            status,
            primary,
            secondary,
            lac,
            plac,
            monitoring,
        ) = values
        needs = [f"{primary} (primary)"] if primary else []
        needs += [secondary] if secondary else []
        flags = [label for label, held in (("LAC", lac), ("PLAC", plac), ("Monitoring", monitoring)) if held]
        return cls(
            uuid=key,
            name=f"{preferred_first or first} {preferred_last or last}",
            school=school,
            year=YEAR_LABELS.get(year, year),
            school_class=klass or "–",
            status=status,
            status_label=STATUS_LABELS.get(status, status),
            needs=", ".join(needs) or "–",
            flags=" ".join(flags),
        )


YEAR_LABELS = dict(YearGroup.choices)
STATUS_LABELS = dict(SenStatus.choices)


def register_page(pupils: QuerySet[Pupil], total: int, number: Any) -> Page:
    """One page of the register as `RegisterRow`s; `total` (from `register_counts`) spares the paginator its
    own COUNT."""
    paginator = Paginator(with_register_columns(pupils).values_list(*RegisterRow.COLUMNS), PAGE_SIZE)
    paginator.count = total
    page = paginator.get_page(number)
    page.object_list = [RegisterRow.from_values(values) for values in page.object_list]
    return page


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
    events = apps.get_model("pupils", "PupilEvent")._default_manager.filter(pgh_obj=pupil)
    return list(events.order_by("-pgh_created_at")[:limit])


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
