"""Writes to the provision map: the catalogue, rates, groups, members and their measures, sessions.

Each checks its rules and raises ValidationError naming the field, inside one transaction, so nothing is
half-saved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from provision.models import (
    Attendance,
    GroupMember,
    GroupStaff,
    Intervention,
    InterventionGroup,
    Measure,
    Session,
    StaffRate,
)
from pupils.models import Pupil
from schools.models import Membership, School, SchoolYear, User
from send.tenancy import require_trust_id

MAX_RESOURCES_PER_PUPIL = Decimal("5000")
# Plausible scores per measure, so a slip of the keyboard (1050 for 105) is caught.
SCORE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    Measure.STANDARDISED: (Decimal("40"), Decimal("160")),
    Measure.READING_AGE: (Decimal("0"), Decimal("240")),
    Measure.BOXALL: (Decimal("0"), Decimal("200")),
    Measure.SDQ: (Decimal("0"), Decimal("40")),
    Measure.SCALE: (Decimal("0"), Decimal("1000")),
}


def _errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _in_trust(*objects: Any) -> None:
    trust_id = require_trust_id()
    for obj in objects:
        if obj is not None and obj.trust_id != trust_id:
            raise ValidationError("This belongs to another trust.")


def _resources(value: Decimal | None, errors: dict[str, list[str]]) -> None:
    if value is not None and not Decimal("0") <= value <= MAX_RESOURCES_PER_PUPIL:
        errors.setdefault("resources_cost_per_pupil", []).append(
            f"Give a cost from £0 to £{MAX_RESOURCES_PER_PUPIL:,.0f} per pupil."
        )


@transaction.atomic
def save_intervention(intervention: Intervention | None, *, school: School | None, **fields: Any) -> Intervention:
    """Add or change a catalogue entry; `school` None makes it the trust's, published to all its schools."""
    _in_trust(school)
    errors: dict[str, list[str]] = {}
    name = (fields.get("name") or "").strip()
    if not name:
        errors["name"] = ["Give the intervention a name."]
    same = Intervention.objects.filter(name__iexact=name, school=school)
    if intervention is not None:
        same = same.exclude(pk=intervention.pk)
    if name and same.exists():
        errors.setdefault("name", []).append("The catalogue already has an intervention of this name.")
    if fields.get("measure") == Measure.SCALE and not (fields.get("measure_label") or "").strip():
        errors["measure_label"] = ["Name the school's scale, for example 'Talk Boost language scale'."]
    _resources(fields.get("resources_cost_per_pupil"), errors)
    _errors(errors)
    intervention = intervention or Intervention(school=school)
    for key, value in fields.items():
        setattr(intervention, key, value)
    intervention.name = name
    intervention.full_clean(exclude=["trust", "school"])
    intervention.save()
    return intervention


@transaction.atomic
def save_staff_rate(
    rate: StaffRate | None, *, school: School, school_year: SchoolYear, role_name: str, hourly_rate: Decimal
) -> StaffRate:
    _in_trust(school, school_year)
    role_name = role_name.strip()
    errors: dict[str, list[str]] = {}
    if not role_name:
        errors["role_name"] = ["Name the staff role, for example Teaching assistant (level 3)."]
    if hourly_rate is None or not Decimal("0.01") <= hourly_rate <= Decimal("500"):
        errors["hourly_rate"] = ["Give an hourly rate from £0.01 to £500, with on-costs."]
    same = StaffRate.objects.filter(school=school, school_year=school_year, role_name__iexact=role_name)
    if rate is not None:
        same = same.exclude(pk=rate.pk)
    if role_name and same.exists():
        errors.setdefault("role_name", []).append("This school already has a rate for this role in this year.")
    _errors(errors)
    rate = rate or StaffRate()
    rate.school, rate.school_year, rate.role_name, rate.hourly_rate = school, school_year, role_name, hourly_rate
    rate.save()
    return rate


@transaction.atomic
def save_group(
    group: InterventionGroup | None,
    *,
    school: School,
    intervention: Intervention,
    staff: list[User],
    **fields: Any,
) -> InterventionGroup:
    """Plan a group: its intervention (the school's or the trust's), named staff of the school, dates, timetable."""
    _in_trust(school, intervention)
    errors: dict[str, list[str]] = {}
    if intervention.school_id not in (None, school.pk) or intervention.archived:
        errors["intervention"] = ["Choose an intervention of this school's catalogue or the trust's."]
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["The end date cannot be before the start date."]
    if not (fields.get("name") or "").strip():
        errors["name"] = ["Give the group a name, for example 'Year 4 Talk Boost (Mon/Thu)'."]
    _resources(fields.get("resources_cost_per_pupil"), errors)
    at_school = set(
        Membership.objects.filter(user__in=staff, school=school).values_list("user_id", flat=True).distinct()
    )
    strangers = [user.get_full_name() or user.email for user in staff if user.pk not in at_school]
    if strangers:
        errors["staff"] = [f"Not on the staff of {school.name}: {', '.join(strangers)}."]
    if group is not None and starts_on and ends_on:
        outside = group.members.filter(joined_on__lt=starts_on) | group.members.filter(joined_on__gt=ends_on)
        if outside.exists():
            errors.setdefault("starts_on", []).append("Some pupils joined outside these dates: change them first.")
    _errors(errors)
    group = group or InterventionGroup()
    group.school, group.intervention = school, intervention
    for key, value in fields.items():
        setattr(group, key, value)
    group.name = group.name.strip()
    group.full_clean(exclude=["trust", "school", "intervention"])
    group.save()
    wanted = {user.pk for user in staff}
    GroupStaff.objects.filter(group=group).exclude(user_id__in=wanted).delete()
    have = set(GroupStaff.objects.filter(group=group).values_list("user_id", flat=True))
    GroupStaff.objects.bulk_create(
        [GroupStaff(group=group, user_id=pk, trust_id=group.trust_id) for pk in wanted - have]
    )
    return group


def _score_errors(
    group: InterventionGroup, fields: dict[str, Any], errors: dict[str, list[str]], *, joined_on: dt.date
) -> None:
    measure = group.intervention.measure
    low, high = SCORE_RANGES.get(measure, (Decimal("0"), Decimal("1000")))
    for score, on in (("entry_score", "entry_on"), ("exit_score", "exit_on")):
        value, date = fields.get(score), fields.get(on)
        if value is None and date is None:
            continue
        if measure == Measure.NONE:
            errors[score] = ["This intervention has no entry or exit measure."]
            continue
        if value is None:
            errors[score] = ["Give the score as well as its date."]
        elif not low <= value <= high:
            errors[score] = [f"A {group.intervention.measure_name} is from {low} to {high}."]
        if date is None:
            errors[on] = ["Give the date of the assessment."]
        elif date > timezone.localdate():
            errors[on] = ["The date of the assessment cannot be in the future."]
    entry_on, exit_on = fields.get("entry_on"), fields.get("exit_on")
    if fields.get("exit_score") is not None and fields.get("entry_score") is None:
        errors.setdefault("exit_score", []).append("Record the entry measure before the exit measure.")
    if entry_on and exit_on and exit_on < entry_on:
        errors.setdefault("exit_on", []).append("The exit measure cannot be before the entry measure.")
    if entry_on and entry_on > group.ends_on:
        errors.setdefault("entry_on", []).append("The entry measure is taken before the group ends.")
    if exit_on and exit_on < joined_on:
        errors.setdefault("exit_on", []).append("The exit measure cannot be before the pupil joined.")


@transaction.atomic
def add_member(group: InterventionGroup, *, pupil: Pupil, joined_on: dt.date, **scores: Any) -> GroupMember:
    """Put a pupil of the group's school in the group, from a date, with their entry measure if taken."""
    _in_trust(group, pupil)
    errors: dict[str, list[str]] = {}
    if pupil.school_id != group.school_id:
        errors["pupil"] = ["Only pupils of the group's school can join it."]
    if not group.starts_on <= joined_on <= group.ends_on:
        errors["joined_on"] = [f"The group runs from {group.starts_on:%-d %b %Y} to {group.ends_on:%-d %b %Y}."]
    if GroupMember.objects.filter(group=group, pupil=pupil).exists():
        errors["pupil"] = ["This pupil is already in the group."]
    _score_errors(group, scores, errors, joined_on=joined_on)
    _errors(errors)
    member = GroupMember(group=group, pupil=pupil, joined_on=joined_on, **scores)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:  # two people adding the same pupil at once
        raise ValidationError({"pupil": ["This pupil is already in the group."]}) from error
    return member


@transaction.atomic
def update_member(member: GroupMember, *, left_on: dt.date | None, **scores: Any) -> GroupMember:
    """Record a pupil's entry and exit measures, or that they left the group early."""
    group = member.group
    errors: dict[str, list[str]] = {}
    if left_on is not None and not member.joined_on <= left_on <= group.ends_on:
        errors["left_on"] = ["A pupil leaves after joining and no later than the group's end."]
    _score_errors(group, scores, errors, joined_on=member.joined_on)
    _errors(errors)
    member.left_on = left_on
    for key, value in scores.items():
        setattr(member, key, value)
    member.save()
    return member


@transaction.atomic
def record_session(group: InterventionGroup, *, date: dt.date, present: set[int], note: str, by: User) -> Session:
    """Record (or correct) the session of one day: who came and a note. Only pupils in the group that day."""
    errors: dict[str, list[str]] = {}
    if not group.starts_on <= date <= group.ends_on:
        errors["date"] = [f"The group runs from {group.starts_on:%-d %b %Y} to {group.ends_on:%-d %b %Y}."]
    elif date > timezone.localdate():
        errors["date"] = ["A session is recorded on or after the day it happened."]
    members = [m for m in group.members.all() if m.joined_on <= date and (m.left_on is None or date <= m.left_on)]
    unknown = present - {m.pk for m in members}
    if unknown:
        errors["present"] = ["Only pupils in the group on that day can be marked present."]
    if not members and not errors:
        errors["date"] = ["No pupil was in the group on that day."]
    _errors(errors)
    session, _ = Session.objects.update_or_create(
        group=group, date=date, defaults={"note": note.strip(), "recorded_by": by}
    )
    Attendance.objects.filter(session=session).delete()
    Attendance.objects.bulk_create(
        [Attendance(session=session, member=m, present=m.pk in present, trust_id=session.trust_id) for m in members]
    )
    return session
