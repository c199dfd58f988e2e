"""Writes to the Virtual Schools a trust works with (their termly PEP dates) and to looked-after pupils' care
records and events. Each write re-syncs the PEP deadlines it moves, in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from pupils.models import Flag, FlagPeriod, Pupil
from pupils.services import set_flag
from reviews.pep.deadlines import sync_pupil_pep_deadlines
from reviews.pep.models import CareEvent, CareEventKind, CareRecord, Pep, VirtualSchool, VirtualSchoolTerm
from schools.models import SchoolYear, User

VIRTUAL_SCHOOL_FIELDS = (
    "name",
    "local_authority",
    "head_name",
    "contact_email",
    "contact_phone",
    "epep_system",
    "extra_sections",
)
CARE_FIELDS = ("virtual_school", "looked_after_on", "social_worker", "social_worker_contact", "carer", "placement")


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def save_virtual_school(virtual_school: VirtualSchool | None, **fields: Any) -> VirtualSchool:
    errors: dict[str, list[str]] = {}
    name = (fields.get("name") or "").strip()
    if not name:
        errors["name"] = ["Name the Virtual School."]
    if not (fields.get("local_authority") or "").strip():
        errors["local_authority"] = ["Name its local authority."]
    same = VirtualSchool.objects.filter(name__iexact=name)
    if virtual_school is not None:
        same = same.exclude(pk=virtual_school.pk)
    if name and same.exists():
        errors["name"] = ["The trust already has a Virtual School of this name."]
    if errors:
        raise ValidationError(errors)
    virtual_school = virtual_school or VirtualSchool()
    for key in VIRTUAL_SCHOOL_FIELDS:
        if key in fields:
            setattr(virtual_school, key, _text(fields[key]))
    virtual_school.save()
    return virtual_school


def _pupils_of(virtual_school: VirtualSchool) -> list[Pupil]:
    return [r.pupil for r in CareRecord.objects.filter(virtual_school=virtual_school).select_related("pupil")]


@transaction.atomic
def save_virtual_school_term(
    virtual_school: VirtualSchool,
    term: VirtualSchoolTerm | None,
    *,
    school_year: SchoolYear,
    name: str,
    final_date: dt.date,
) -> VirtualSchoolTerm:
    """A term's PEP final date: inside its school year. Moving it moves the term's PEPs and their deadlines."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Name the term, for example Autumn."]
    if not school_year.starts_on <= final_date <= school_year.ends_on:
        errors["final_date"] = [
            f"The final date must be inside {school_year.name} "
            f"({school_year.starts_on:%-d %b %Y} to {school_year.ends_on:%-d %b %Y})."
        ]
    same = VirtualSchoolTerm.objects.filter(virtual_school=virtual_school, school_year=school_year, name=name.strip())
    if term is not None:
        same = same.exclude(pk=term.pk)
    if same.exists():
        errors["name"] = [f"{virtual_school.name} already has {name.strip()} in {school_year.name}."]
    if errors:
        raise ValidationError(errors)
    term = term or VirtualSchoolTerm(virtual_school=virtual_school)
    term.school_year, term.name, term.final_date = school_year, name.strip(), final_date
    term.save()
    Pep.objects.filter(term=term).update(due_on=final_date)
    for pupil in _pupils_of(virtual_school):
        sync_pupil_pep_deadlines(pupil)
    return term


@transaction.atomic
def save_care_record(
    pupil: Pupil, record: CareRecord | None, *, by: User, emergency: bool = False, **fields: Any
) -> CareRecord:
    """A looked-after pupil's care details. A new record is the day they became looked after (an event, and with
    it the initial PEP's deadlines); `emergency` records that it was an emergency placement."""
    errors: dict[str, list[str]] = {}
    if not pupil.is_looked_after:
        errors["looked_after_on"] = [
            "This pupil is not recorded as looked after: set the looked-after flag on their record first."
        ]
    if not isinstance(fields.get("virtual_school"), VirtualSchool):
        errors["virtual_school"] = ["Choose the Virtual School responsible for the pupil."]
    since: dt.date | None = fields.get("looked_after_on")
    if since is None:
        errors.setdefault("looked_after_on", ["Give the date they became looked after."])
    elif since > timezone.localdate():
        errors["looked_after_on"] = ["The date cannot be in the future."]
    elif since < pupil.date_of_birth:
        errors["looked_after_on"] = ["The date cannot be before the pupil's birth."]
    if record is None and CareRecord.objects.filter(pupil=pupil).exists():
        errors["looked_after_on"] = ["This pupil already has a care record: change that one."]
    if errors:
        raise ValidationError(errors)
    new = record is None
    record = record or CareRecord(pupil=pupil)
    for key in CARE_FIELDS:
        if key in fields:
            setattr(record, key, _text(fields[key]))
    record.save()
    if new:
        CareEvent.objects.create(
            care_record=record,
            kind=CareEventKind.BECAME_LOOKED_AFTER,
            happened_on=record.looked_after_on,
            detail=record.placement,
            recorded_by=by,
        )
        if emergency:
            CareEvent.objects.create(
                care_record=record,
                kind=CareEventKind.EMERGENCY_PLACEMENT,
                happened_on=record.looked_after_on,
                detail=record.placement,
                recorded_by=by,
            )
    sync_pupil_pep_deadlines(pupil)
    return record


@transaction.atomic
def record_care_event(record: CareRecord, *, by: User, kind: str, happened_on: dt.date, detail: str) -> CareEvent:
    """An emergency placement, a change of placement or of school: a new PEP is due within 10 working days."""
    errors: dict[str, list[str]] = {}
    if kind not in CareEventKind.values or kind == CareEventKind.BECAME_LOOKED_AFTER:
        errors["kind"] = ["Choose what changed."]
    if happened_on > timezone.localdate():
        errors["happened_on"] = ["Record a change once it has happened: the date cannot be in the future."]
    elif happened_on < record.looked_after_on:
        errors["happened_on"] = ["The change cannot be before the pupil became looked after."]
    if errors:
        raise ValidationError(errors)
    event = CareEvent.objects.create(
        care_record=record, kind=kind, happened_on=happened_on, detail=detail.strip(), recorded_by=by
    )
    if kind == CareEventKind.PLACEMENT_CHANGE and detail.strip():
        record.placement = detail.strip()[:150]
        record.save(update_fields=["placement", "updated_at"])
    sync_pupil_pep_deadlines(record.pupil)
    return event


class LeftCareBy(models.TextChoices):
    ADOPTION = "adoption", "Adoption"
    SGO = "sgo", "Special guardianship order"
    CAO = "cao", "Child arrangements order"
    ADOPTED_ABROAD = "abroad", "Adopted from state care outside England and Wales"


@transaction.atomic
def leave_care(pupil: Pupil, *, by: User, on: dt.date, route: str, declared: bool) -> Pupil:
    """The pupil stops being looked after and becomes previously looked after, by the route recorded. Their PEPs
    stay as a read-only history; the open PEP deadlines are cancelled. PP+ for PLAC follows the parent's
    declaration for the census."""
    record = CareRecord.objects.filter(pupil=pupil).first()
    errors: dict[str, list[str]] = {}
    if not pupil.is_looked_after:
        errors["on"] = ["This pupil is not recorded as looked after."]
    if route not in LeftCareBy.values:
        errors["route"] = ["Say how the pupil left care."]
    if record is not None and on < record.looked_after_on:
        errors["on"] = ["They cannot leave care before they became looked after."]
    if errors:
        raise ValidationError(errors)
    label = LeftCareBy(route).label
    if not FlagPeriod.objects.filter(pupil=pupil, flag=Flag.LAC, ends_on__isnull=True).exists():
        # a flag set by the MIS without history: its period starts when the care record says
        since = record.looked_after_on if record is not None else on
        set_flag(pupil, flag=Flag.LAC, holds=True, on=since, reason="Looked after (care record)", by=by)
    set_flag(pupil, flag=Flag.LAC, holds=False, on=on, reason=f"Left care: {label}", by=by)
    reason = f"{label}; {'declared by the parent' if declared else 'not yet declared by the parent'}"
    set_flag(pupil, flag=Flag.PLAC, holds=True, on=on, reason=reason, by=by)
    pupil.refresh_from_db()
    sync_pupil_pep_deadlines(pupil)
    return pupil
