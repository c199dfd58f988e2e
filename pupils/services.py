"""Writes to pupils and the SEND register: the DOMAIN.md rules, one transaction, history with who and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pupils.models import (
    FLAG_FIELDS,
    Contact,
    Flag,
    FlagPeriod,
    NeedType,
    Pupil,
    PupilNeed,
    RegisterChange,
    SenStatus,
)
from send import policy
from send.bulk import BulkResult, Planned, Records, save_planned


def _need_valid_on(need: NeedType, day: dt.date) -> bool:
    return (need.valid_from is None or need.valid_from <= day) and (need.valid_to is None or day <= need.valid_to)


def validate_register_entry(
    pupil: Pupil,
    *,
    status: str,
    primary_need: NeedType | None,
    secondary_need: NeedType | None,
    on_monitoring_list: bool,
    starts_on: dt.date,
    reason: str,
) -> None:
    """The rules of DOMAIN.md, as field errors a SENCO can act on."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if status not in SenStatus.values:
        add("status", "Choose N, K or E. School Action, School Action Plus and Statement are history only.")
    if status in (SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN):
        if primary_need is None:
            add("primary_need", "A pupil at SEN support or with an EHC plan needs a primary need.")
    else:
        if primary_need is not None or secondary_need is not None:
            add("primary_need", "A pupil with no SEN (N) has no need types: clear them, or choose K or E.")
    if secondary_need is not None and primary_need is None:
        add("secondary_need", "Choose a primary need before a secondary one.")
    if secondary_need is not None and primary_need is not None and secondary_need.pk == primary_need.pk:
        add("secondary_need", "The secondary need must differ from the primary need.")
    for field, need in (("primary_need", primary_need), ("secondary_need", secondary_need)):
        if need is None:
            continue
        if need.code == "NSA" and status != SenStatus.SEN_SUPPORT:
            add(field, "NSA (no specialist assessment) is only for pupils at SEN support (K).")
        if not _need_valid_on(need, starts_on):
            add(field, f"{need.code} is not a census need type on {starts_on:%-d %B %Y}.")
    if secondary_need is not None and secondary_need.code == "NSA":
        add("secondary_need", "NSA can only be a primary need.")
    if on_monitoring_list and status != SenStatus.NO_SEN:
        add("on_monitoring_list", "The monitoring list is for pupils not on the register (N).")
    if starts_on > timezone.localdate():
        add("starts_on", "The change cannot start in the future.")
    if starts_on < pupil.date_of_birth:
        add("starts_on", f"The change cannot start before the pupil's birth ({pupil.date_of_birth:%-d %B %Y}).")
    latest = pupil.register_changes.order_by("-starts_on").first()
    if latest is not None and starts_on < latest.starts_on:
        add(
            "starts_on",
            f"The last recorded change started on {latest.starts_on:%-d %B %Y}; start this one on or after it.",
        )
    if not reason.strip():
        add("reason", "Say why: the census and the governors ask.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def change_register_entry(
    pupil: Pupil,
    *,
    status: str,
    primary_need: NeedType | None,
    secondary_need: NeedType | None,
    on_monitoring_list: bool,
    starts_on: dt.date,
    reason: str,
    recorded_by: Any,
) -> RegisterChange:
    """Put a pupil on, off or across the register. All or nothing: a refused change saves nothing."""
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    validate_register_entry(
        pupil,
        status=status,
        primary_need=primary_need,
        secondary_need=secondary_need,
        on_monitoring_list=on_monitoring_list,
        starts_on=starts_on,
        reason=reason,
    )
    status_changed = pupil.sen_status != status
    pupil.sen_status = status
    pupil.on_monitoring_list = on_monitoring_list
    if status_changed or pupil.sen_status_since is None:
        pupil.sen_status_since = starts_on
    pupil.save(update_fields=["sen_status", "on_monitoring_list", "sen_status_since", "updated_at"])
    PupilNeed.objects.filter(pupil=pupil).delete()
    for rank, need in ((1, primary_need), (2, secondary_need)):
        if need is not None:
            PupilNeed.objects.create(pupil=pupil, need_type=need, rank=rank)
    return RegisterChange.objects.create(
        pupil=pupil,
        status=status,
        primary_need=primary_need,
        secondary_need=secondary_need,
        on_monitoring_list=on_monitoring_list,
        starts_on=starts_on,
        reason=reason.strip(),
        recorded_by=recorded_by,
    )


PUPIL_MIS_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "gender",
    "upn",
    "year_group",
    "admission_date",
    "leaving_date",
)
PUPIL_FIELDS = ("school", "school_class", *PUPIL_MIS_FIELDS, "mis_id")


def pupil_field_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    """The rules for a pupil's details, for the page and the API alike; normalises `fields["upn"]` in place.

    UPN checked, dates in order, class in the pupil's school. Makes no query.
    """
    from pupils.upn import validate_upn

    errors: dict[str, list[str]] = {}
    try:
        fields["upn"] = validate_upn(fields.get("upn", ""))
    except ValidationError as error:
        errors["upn"] = error.messages
    today = timezone.localdate()
    born, admitted, left = fields.get("date_of_birth"), fields.get("admission_date"), fields.get("leaving_date")
    if born and born > today:
        errors.setdefault("date_of_birth", []).append("The date of birth cannot be in the future.")
    if born and admitted and admitted < born:
        errors.setdefault("admission_date", []).append("The admission date cannot be before the date of birth.")
    if admitted and left and left < admitted:
        errors.setdefault("leaving_date", []).append("The leaving date cannot be before the admission date.")
    school_class = fields.get("school_class")
    if school_class is not None and fields.get("school") is not None and school_class.school_id != fields["school"].pk:
        errors.setdefault("school_class", []).append("Choose a class of the pupil's school.")
    return errors


# A clash with a record the client may not see says only that the key is taken: never whose, where, or which.
HIDDEN_CLASH = "This {key} is already used in this trust by a record this client cannot change; check it."


class DuplicateUpn(ValidationError):
    """The UPN belongs to another pupil of this trust; carries that pupil so the page can link to it."""

    def __init__(self, existing: Pupil) -> None:
        super().__init__({"upn": "Another pupil of this trust already has this UPN."})
        self.existing = existing


@transaction.atomic
def save_pupil(pupil: Pupil | None, **fields: Any) -> Pupil:
    """Add or correct a pupil's details. UPN checked (and normalised), dates in order, class in the school."""
    errors = pupil_field_errors(fields)
    if errors:
        raise ValidationError(errors)
    school_class = fields.get("school_class")
    others = Pupil.objects.filter(upn=fields["upn"])
    existing = (others.exclude(pk=pupil.pk) if pupil else others).first()
    if existing is not None:
        raise DuplicateUpn(existing)
    pupil = pupil or Pupil()
    for name in PUPIL_FIELDS:
        setattr(pupil, name, fields.get(name) if fields.get(name) is not None else getattr(pupil, name, None))
    pupil.preferred_first_name = fields.get("preferred_first_name") or ""
    pupil.preferred_last_name = fields.get("preferred_last_name") or ""
    pupil.mis_id = fields.get("mis_id") or ""
    pupil.leaving_date = fields.get("leaving_date")
    pupil.school_class = school_class
    pupil.save()
    return pupil


# Looked after and previously looked after are exclusive at any one time (DOMAIN.md).
EXCLUSIVE_FLAGS = {Flag.LAC: Flag.PLAC, Flag.PLAC: Flag.LAC}


@transaction.atomic
def set_flag(pupil: Pupil, *, flag: str, holds: bool, on: dt.date, reason: str, by: Any) -> FlagPeriod | None:
    """Start or end a flag from a date, keeping the periods as history; the pupil's boolean follows."""
    field = FLAG_FIELDS[Flag(flag)]
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    open_period = FlagPeriod.objects.filter(pupil=pupil, flag=flag, ends_on__isnull=True).first()
    errors: dict[str, str] = {}
    if on > timezone.localdate():
        errors["on"] = "The date cannot be in the future."
    if on < pupil.date_of_birth:
        errors["on"] = "The date cannot be before the pupil's birth."
    if holds and open_period is not None:
        errors["holds"] = f"{Flag(flag).label} already holds, since {open_period.starts_on:%-d %B %Y}."
    if not holds and open_period is None:
        errors["holds"] = f"{Flag(flag).label} does not hold now, so it cannot end."
    if not holds and open_period is not None and on < open_period.starts_on:
        errors["on"] = f"It cannot end before it started ({open_period.starts_on:%-d %B %Y})."
    if not reason.strip():
        errors["reason"] = "Say why."
    other = EXCLUSIVE_FLAGS.get(Flag(flag))
    if holds and other is not None and getattr(pupil, FLAG_FIELDS[other]):
        errors["holds"] = f"A pupil cannot be {Flag(flag).label} and {other.label} at once: end that first."
    if errors:
        raise ValidationError(errors)
    setattr(pupil, field, holds)
    pupil.save(update_fields=[field, "updated_at"])
    if holds:
        return FlagPeriod.objects.create(pupil=pupil, flag=flag, starts_on=on, reason=reason.strip(), recorded_by=by)
    if open_period is None:  # guarded above; a clear error rather than a crash
        raise ValidationError({"holds": "It does not hold now."})
    open_period.ends_on = on
    open_period.save(update_fields=["ends_on"])
    return open_period


# --- Bulk upserts from the MIS (REST API) ------------------------------------------------------------------


@transaction.atomic
def upsert_pupils(client: Any, records: Records, result: BulkResult) -> BulkResult:
    """Create or update pupils by `mis_id`, from the MIS. SEN data is ours: the MIS never writes it.

    A fixed number of queries for any batch: the schools, classes, existing pupils and clashing UPNs are
    each read once, then one INSERT and one UPDATE save what changed.
    """
    from schools.models import School, SchoolClass

    school_keys = {fields["school"] for _, fields in records}
    visible_schools: list[School] = list(policy.visible(client, School.objects.filter(uuid__in=school_keys), "write"))
    schools = {school.uuid: school for school in visible_schools}
    class_keys = {fields["class_mis_id"] for _, fields in records if fields.get("class_mis_id")}
    visible_classes: list[SchoolClass] = list(
        policy.visible(client, SchoolClass.objects.filter(mis_id__in=class_keys), "write")
    )
    classes = {school_class.mis_id: school_class for school_class in visible_classes}
    mis_ids = [fields["mis_id"] for _, fields in records]
    existing = {p.mis_id: p for p in Pupil.objects.filter(mis_id__in=mis_ids)}
    writable = set(
        policy.visible(client, Pupil.objects.filter(mis_id__in=mis_ids), "write").values_list("pk", flat=True)
    )
    planned: list[Planned] = []
    upns: dict[str, int] = {}
    for index, fields in records:
        mis_id = fields["mis_id"]
        errors: dict[str, list[str]] = {}
        school = schools.get(fields["school"])
        if school is None:
            errors["school"] = ["No school with this id that this client may write to."]
        school_class = None
        if fields.get("class_mis_id"):
            school_class = classes.get(fields["class_mis_id"])
            if school_class is None:
                errors["class_mis_id"] = ["No class with this mis_id in the schools this client may write to."]
        checked = {**fields, "school": school, "school_class": school_class}
        for name, messages in pupil_field_errors(checked).items():
            errors.setdefault("class_mis_id" if name == "school_class" else name, []).extend(messages)
        pupil = existing.get(mis_id)
        if pupil is not None and pupil.pk not in writable:
            errors["mis_id"] = [HIDDEN_CLASH.format(key="mis_id")]
        if not errors and checked["upn"] in upns:
            errors["upn"] = ["Another record of this request has the same UPN."]
        if errors or school is None:
            result.reject(index, mis_id, errors)
            continue
        upns[checked["upn"]] = index
        values = {name: checked.get(name) for name in PUPIL_MIS_FIELDS}
        values["preferred_first_name"] = values["preferred_first_name"] or ""
        values["preferred_last_name"] = values["preferred_last_name"] or ""
        values["school_id"] = school.pk
        values["school_class_id"] = school_class.pk if school_class else None
        planned.append(Planned(index, mis_id, values, existing=pupil))
    # A UPN is unique in the trust: refuse one that another pupil (not the record's own) already holds.
    taken = dict(Pupil.objects.filter(upn__in=list(upns)).values_list("upn", "mis_id"))
    accepted = []
    for plan in planned:
        holder = taken.get(plan.values["upn"])
        if holder is not None and holder != plan.mis_id:
            # the same words whether or not the client may see the holder: a UPN clash names no pupil or school
            result.reject(plan.index, plan.mis_id, {"upn": ["Another pupil of this trust already has this UPN."]})
        else:
            accepted.append(plan)
    save_planned(Pupil, accepted, result)
    return result


CONTACT_MIS_FIELDS = ("kind", "name", "relationship", "parental_responsibility", "organisation", "phone", "email")


@transaction.atomic
def upsert_contacts(client: Any, records: Records, result: BulkResult) -> BulkResult:
    """Create or update parents and carers (and professionals) by `mis_id`, each for a pupil by `pupil_mis_id`."""
    pupil_keys = {fields["pupil_mis_id"] for _, fields in records}
    visible_pupils: list[Pupil] = list(policy.visible(client, Pupil.objects.filter(mis_id__in=pupil_keys), "write"))
    pupils = {pupil.mis_id: pupil for pupil in visible_pupils}
    mis_ids = [fields["mis_id"] for _, fields in records]
    existing = {c.mis_id: c for c in Contact.objects.filter(mis_id__in=mis_ids)}
    writable = set(
        policy.visible(client, Contact.objects.filter(mis_id__in=mis_ids), "write").values_list("pk", flat=True)
    )
    planned: list[Planned] = []
    for index, fields in records:
        mis_id = fields["mis_id"]
        errors: dict[str, list[str]] = {}
        pupil = pupils.get(fields["pupil_mis_id"])
        if pupil is None:
            errors["pupil_mis_id"] = ["No pupil with this mis_id in the schools this client may write to."]
        contact = existing.get(mis_id)
        if contact is not None and contact.pk not in writable:
            errors["mis_id"] = [HIDDEN_CLASH.format(key="mis_id")]
        if errors or pupil is None:
            result.reject(index, mis_id, errors)
            continue
        values = {name: fields.get(name) if fields.get(name) is not None else "" for name in CONTACT_MIS_FIELDS}
        values["parental_responsibility"] = bool(fields.get("parental_responsibility"))
        values["pupil_id"] = pupil.pk
        planned.append(Planned(index, mis_id, values, existing=contact))
    save_planned(Contact, planned, result)
    return result
