"""Reads of the provision map: groups and members in a period with their costs, totals, impact.

A fixed number of queries whatever the number of groups and pupils: the groups (with intervention, members,
pupils and classes), then the years, terms, INSET days and rates of their schools, once each; the arithmetic is
`provision.costs`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from provision.costs import Calendar, GroupCost, GroupPlan, Member, Year, group_cost, money
from provision.models import FundingSource, GroupMember, Intervention, InterventionGroup, NeedArea, StaffRate, Wave
from pupils.models import Pupil
from schools.models import InsetDay, SchoolYear, Term, YearGroup
from send import policy

YEAR_ORDER = {value: index for index, value in enumerate(YearGroup.values)}
YEAR_LABELS = dict(YearGroup.choices)


@dataclass
class Line:
    """One pupil in one group, in the period: what the provision map is made of."""

    member: GroupMember
    group: InterventionGroup
    pupil: Pupil
    cost: Decimal

    @property
    def intervention(self) -> Intervention:
        return self.group.intervention


@dataclass
class ProvisionMap:
    period: tuple[dt.date, dt.date]
    lines: list[Line] = field(default_factory=list)
    group_costs: dict[int, GroupCost] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return money(sum((line.cost for line in self.lines), Decimal("0")))

    def totals_by(self, key: Any) -> list[tuple[str, int, Decimal]]:
        """(label, pupils, cost) per value of `key(line)`, sorted by label; a line may count under several."""
        pupils: dict[str, set[int]] = defaultdict(set)
        cost: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            labels = key(line)
            for label in labels if isinstance(labels, list | tuple) else [labels]:
                pupils[label].add(line.pupil.pk)
                cost[label] += line.cost
        return [(label, len(pupils[label]), money(cost[label])) for label in sorted(cost)]

    def by_pupil(self) -> list[tuple[Pupil, list[Line], Decimal]]:
        grouped: dict[int, list[Line]] = defaultdict(list)
        for line in self.lines:
            grouped[line.pupil.pk].append(line)
        rows = [
            (lines[0].pupil, lines, money(sum((x.cost for x in lines), Decimal("0")))) for lines in grouped.values()
        ]
        return sorted(
            rows,
            key=lambda row: (YEAR_ORDER.get(row[0].year_group, 99), row[0].legal_last_name, row[0].legal_first_name),
        )


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The school year containing today (1 September to 31 August)."""
    today = today or dt.date.today()
    start_year = today.year if today.month >= 9 else today.year - 1
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)


def _calendars(
    school_ids: Iterable[int],
) -> tuple[list[SchoolYear], dict[int, list[Term]], dict[int, frozenset[dt.date]]]:
    school_ids = list(school_ids)
    years = list(SchoolYear.objects.order_by("starts_on"))
    terms: dict[int, list[Term]] = defaultdict(list)
    for term in Term.objects.filter(school_id__in=school_ids).order_by("starts_on"):
        terms[term.school_id].append(term)
    insets: dict[int, set[dt.date]] = defaultdict(set)
    for school_id, date in InsetDay.objects.filter(school_id__in=school_ids).values_list("school_id", "date"):
        insets[school_id].add(date)
    return years, terms, {school_id: frozenset(days) for school_id, days in insets.items()}


def cost_groups(
    groups: list[InterventionGroup], period: tuple[dt.date, dt.date]
) -> tuple[dict[int, GroupCost], list[str]]:
    """Each group's cost in the period (members must be prefetched as `members`)."""
    school_ids = {group.school_id for group in groups}
    years, terms, insets = _calendars(school_ids)
    rates = {
        (r.school_id, r.school_year_id, r.role_name.lower()): r.hourly_rate
        for r in StaffRate.objects.filter(school_id__in=school_ids)
    }
    costs: dict[int, GroupCost] = {}
    warnings: set[str] = set()
    for group in groups:
        calendar = Calendar(
            years=tuple(
                Year(
                    year.name,
                    year.starts_on,
                    year.ends_on,
                    terms=tuple(
                        (t.starts_on, t.ends_on) for t in terms.get(group.school_id, []) if t.school_year_id == year.pk
                    ),
                    rate=rates.get((group.school_id, year.pk, group.staff_role.lower())),
                )
                for year in years
            ),
            inset_days=insets.get(group.school_id, frozenset()),
        )
        plan = GroupPlan(
            group.sessions_per_week,
            group.session_minutes,
            group.starts_on,
            group.ends_on,
            group.resources_cost_per_pupil,
        )
        members = [Member(m.pk, m.joined_on, m.left_on) for m in members_of(group)]
        cost = group_cost(plan, members, calendar, period)
        costs[group.pk] = cost
        for year in sorted(cost.missing_rates):
            warnings.add(
                f"No hourly rate for {group.staff_role} at {group.school.name} in {year}: "
                f"{group.name} is costed without staff time."
            )
        for year in sorted(cost.years_without_terms):
            warnings.add(f"No term dates for {group.school.name} in {year}: every weekday is counted.")
    return costs, sorted(warnings)


# What a map shows of each member's pupil: the columns it does not show (and their timestamps, slow to read) stay
# in the database.
MAP_PUPIL_UNUSED = (
    "pupil__date_of_birth",
    "pupil__admission_date",
    "pupil__leaving_date",
    "pupil__mis_id",
    "pupil__sen_status_since",
    "pupil__photo",
    "pupil__updated_at",
    "pupil__school_class__updated_at",
    "pupil__school_class__mis_id",
)


def groups_in_period(user: Any, period: tuple[dt.date, dt.date], action: str = "view") -> QuerySet[InterventionGroup]:
    members = GroupMember.objects.select_related("pupil", "pupil__school_class").defer(*MAP_PUPIL_UNUSED)
    return (
        policy.visible(user, InterventionGroup, action)
        .filter(starts_on__lte=period[1], ends_on__gte=period[0])
        .select_related("intervention", "school")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="member_list"))
        .order_by("school__name", "intervention__name", "name")
    )


def members_of(group: InterventionGroup) -> list[GroupMember]:
    """The group's members: the list `groups_in_period` prefetched (a plain list is much cheaper than Django's
    queryset per group), or else its members."""
    found = getattr(group, "member_list", None)
    return found if found is not None else list(group.members.all())


def provision_map(
    user: Any,
    period: tuple[dt.date, dt.date],
    *,
    school_id: int | None = None,
    year_group: str = "",
    class_id: int | None = None,
) -> ProvisionMap:
    """The school's provision map: every pupil in a group the user may see, in the period, with its cost."""
    groups = groups_in_period(user, period)
    if school_id is not None:
        groups = groups.filter(school_id=school_id)
    groups_list = list(groups)
    costs, warnings = cost_groups(groups_list, period)
    result = ProvisionMap(period=period, group_costs=costs, warnings=warnings)
    for group in groups_list:
        for member in members_of(group):
            pupil = member.pupil
            if member.joined_on > period[1] or (member.left_on or group.ends_on) < period[0]:
                continue
            if year_group and pupil.year_group != year_group:
                continue
            if class_id is not None and pupil.school_class_id != class_id:
                continue
            result.lines.append(Line(member, group, pupil, costs[group.pk].per_member[member.pk]))
    return result


def pupil_provision(user: Any, pupil: Pupil) -> list[Line]:
    """A pupil's provision, current and past, newest first, each at its cost over the group's whole run."""
    return pupils_provision(user, [pupil]).get(pupil.pk, [])


def pupils_provision(user: Any, pupils: list[Pupil]) -> dict[int, list[Line]]:
    """Each pupil's provision, {pupil pk: lines, newest first}, at its cost over the group's whole run: the same
    number of queries for one pupil or a class."""
    mine: QuerySet[GroupMember] = policy.visible(user, GroupMember.objects.filter(pupil__in=pupils), "view")
    visible = dict(mine.values_list("pk", "group_id"))
    groups = list(
        InterventionGroup.objects.filter(pk__in=set(visible.values()))
        .select_related("intervention", "school")
        .prefetch_related(Prefetch("members", queryset=GroupMember.objects.select_related("pupil")), "staff")
        .order_by("-starts_on")
    )
    if not groups:
        return {}
    # One period spanning every group: each group's whole run lies inside it, so each costs its whole run.
    period = (min(g.starts_on for g in groups), max(g.ends_on for g in groups))
    costs, _ = cost_groups(groups, period)
    lines: dict[int, list[Line]] = {}
    for group in groups:
        for member in group.members.all():
            if member.pk in visible:
                lines.setdefault(member.pupil_id, []).append(
                    Line(member, group, member.pupil, costs[group.pk].per_member[member.pk])
                )
    return lines


@dataclass
class Impact:
    intervention: Intervention
    groups: int = 0
    pupils: int = 0
    measured: int = 0
    improved: int = 0
    progress_total: Decimal = Decimal("0")
    cost: Decimal = Decimal("0")

    @property
    def mean_progress(self) -> Decimal | None:
        return (self.progress_total / self.measured).quantize(Decimal("0.1")) if self.measured else None

    @property
    def cost_per_pupil(self) -> Decimal | None:
        return money(self.cost / self.pupils) if self.pupils else None

    @property
    def share_improved(self) -> int | None:
        return round(100 * self.improved / self.measured) if self.measured else None


def impact_by_intervention(provision: ProvisionMap) -> list[Impact]:
    found: dict[int, Impact] = {}
    seen_groups: dict[int, set[int]] = defaultdict(set)
    for line in provision.lines:
        impact = found.setdefault(line.intervention.pk, Impact(line.intervention))
        seen_groups[line.intervention.pk].add(line.group.pk)
        impact.pupils += 1
        impact.cost += line.cost
        progress = line.member.progress
        if progress is not None:
            impact.measured += 1
            impact.progress_total += progress
            impact.improved += 1 if progress > 0 else 0
    for key, impact in found.items():
        impact.groups = len(seen_groups[key])
    return sorted(found.values(), key=lambda impact: impact.intervention.name)


def graduated_map(provision: ProvisionMap) -> list[tuple[str, list[tuple[str, list[Impact]]]]]:
    """Interventions laid out by wave, then by need area, with pupils and cost in the period."""
    impacts = impact_by_intervention(provision)
    rows = []
    for wave in Wave:
        areas = []
        for area in NeedArea:
            cell = [i for i in impacts if i.intervention.wave == wave and area in i.intervention.need_areas]
            areas.append((area.label, cell))
        rows.append((wave.label, areas))
    return rows


def funding_label(line: Line) -> str:
    return FundingSource(line.group.funding_source).label


def need_area_labels(line: Line) -> list[str]:
    return line.intervention.need_area_labels or ["No need area given"]


def available_interventions(school_id: int) -> QuerySet[Intervention]:
    return Intervention.objects.filter(Q(school_id=school_id) | Q(school__isnull=True), archived=False).order_by("name")
