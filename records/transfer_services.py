"""Pupils leaving: record the leaver and their destination, start the 15-school-day transfer on the deadline engine,
move the record inside the trust or archive it, and record how and when the record was sent (and by whom)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pupils.models import Pupil, SenStatus
from records.models import Destination, SentHow, Transfer
from reviews.deadlines.models import Deadline, DeadlineKind, DeadlineState
from reviews.deadlines.services import Wanted, apply_deadlines
from schools.models import School
from schools.selectors import school_calendar
from send.dates import add_working_days

TRANSFER_SCHOOL_DAYS = 15
RULE = (
    "The pupil's record goes to the new school within 15 school days of the pupil leaving "
    "(Education (Pupil Information) (England) Regulations 2005)"
)
URN = re.compile(r"^\d{6}$")
LATEST_AHEAD = dt.timedelta(weeks=12)


def transfer_due_on(school_id: int, left_on: dt.date) -> tuple[dt.date, str]:
    """15 school days after leaving, on the school's calendar; where its term dates end first, 15 working days,
    which is never later (every school day is a working day), and the rule says so."""
    due = school_calendar(school_id).add_school_days(left_on, TRANSFER_SCHOOL_DAYS)
    if due is not None:
        return due, RULE
    return add_working_days(left_on, TRANSFER_SCHOOL_DAYS), RULE + "; term dates not entered that far: working days"


def sync_transfer_deadline(transfer: Transfer) -> None:
    apply_deadlines(
        transfer.pupil,
        {},  # the key names the transfer: its prefix alone finds its rows
        [
            Wanted(
                key=f"transfer:{transfer.pk}:sent",
                kind=DeadlineKind.RECORD_TRANSFER,
                due_on=transfer.due_on,
                rule=transfer.due_rule,
                detail=transfer.destination_label,
                met_on=transfer.sent_on,
            )
        ],
        prefix=f"transfer:{transfer.pk}:",
    )


def _leaver_errors(pupil: Pupil, left_on: dt.date, destination: str, urn: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if left_on > timezone.localdate() + LATEST_AHEAD:
        errors["left_on"] = ["Record a leaver at most 12 weeks ahead."]
    if pupil.admission_date and left_on < pupil.admission_date:
        errors["left_on"] = [f"The pupil was admitted on {pupil.admission_date:%-d %B %Y}; they cannot leave before."]
    if left_on < pupil.date_of_birth:
        errors["left_on"] = ["The leaving date cannot be before the date of birth."]
    if destination not in Destination.values:
        errors["destination"] = ["Choose where the pupil goes."]
    if destination == Destination.SCHOOL and not URN.match(urn):
        errors["destination_urn"] = ["A school's URN is 6 digits; choose 'Not known' if you do not have it."]
    if destination != Destination.SCHOOL and urn:
        errors["destination_urn"] = ["A URN is only for a destination school."]
    if pupil.leaving_date is not None and pupil.leaving_date <= timezone.localdate():
        errors["left_on"] = [f"The pupil left on {pupil.leaving_date:%-d %B %Y}; their record is archived."]
    return errors


@transaction.atomic
def record_leaver(
    pupil: Pupil, *, left_on: dt.date, destination: str, destination_urn: str = "", destination_name: str = "", by: Any
) -> Transfer:
    """A pupil leaves for `destination`. Inside the trust (the URN is one of our schools) the record moves with its
    whole history and open deadlines at once; outside it the pupil leaves the roll on `left_on` and is archived,
    and the record is due at the new school 15 school days later."""
    pupil = Pupil.objects.select_for_update().select_related("school").get(pk=pupil.pk)
    urn = (destination_urn or "").strip()
    errors = _leaver_errors(pupil, left_on, destination, urn)
    to_school = School.objects.filter(urn=urn).first() if destination == Destination.SCHOOL and not errors else None
    if to_school is not None and to_school.pk == pupil.school_id:
        errors["destination_urn"] = ["The pupil is already at this school."]
    if errors:
        raise ValidationError(errors)
    due_on, rule = transfer_due_on(pupil.school_id, left_on)
    transfer = Transfer.objects.create(
        pupil=pupil,
        from_school=pupil.school,
        to_school=to_school,
        left_on=left_on,
        destination=destination,
        destination_urn=urn,
        destination_name=(to_school.name if to_school else destination_name.strip())[:200],
        due_on=due_on,
        due_rule=rule,
        recorded_by=by,
    )
    if to_school is not None:
        pupil.school, pupil.school_class = to_school, None
        pupil.save(update_fields=["school", "school_class", "updated_at"])
        # open deadlines move with the pupil (the new school's SENCO tracks them), as the morning scan would do
        Deadline.objects.filter(pupil=pupil, state=DeadlineState.OPEN).update(
            school_id=to_school.pk, updated_at=timezone.now()
        )
        transfer.sent_on, transfer.sent_how, transfer.sent_by = timezone.localdate(), SentHow.WITHIN_TRUST, by
        transfer.sent_recorded_at = timezone.now()
        transfer.save(update_fields=["sent_on", "sent_how", "sent_by", "sent_recorded_at"])
    else:
        pupil.leaving_date, pupil.school_class = left_on, None
        pupil.save(update_fields=["leaving_date", "school_class", "updated_at"])
    sync_transfer_deadline(transfer)
    return transfer


@transaction.atomic
def mark_transfer_sent(transfer: Transfer, *, sent_on: dt.date, how: str, note: str = "", by: Any) -> Transfer:
    """The record (the CTF and the transfer pack) went to the new school: how, when, and who says so."""
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("pupil", "to_school").get(pk=transfer.pk)
    errors: dict[str, list[str]] = {}
    if transfer.sent_on is not None:
        errors["sent_on"] = [f"Already recorded as sent on {transfer.sent_on:%-d %B %Y}."]
    if sent_on > timezone.localdate():
        errors["sent_on"] = ["The date cannot be in the future."]
    if how not in SentHow.values or how == SentHow.WITHIN_TRUST:
        errors["how"] = ["Choose how the record was sent."]
    if errors:
        raise ValidationError(errors)
    transfer.sent_on, transfer.sent_how, transfer.sent_note, transfer.sent_by = sent_on, how, note.strip()[:300], by
    transfer.sent_recorded_at = timezone.now()
    transfer.save(update_fields=["sent_on", "sent_how", "sent_note", "sent_by", "sent_recorded_at"])
    sync_transfer_deadline(transfer)
    return transfer


@transaction.atomic
def mark_la_told(transfer: Transfer, *, told_on: dt.date, by: Any) -> Transfer:
    """For a pupil with an EHC plan, the local authority was told of the move (a recorded step)."""
    transfer = Transfer.objects.select_for_update().select_related("pupil").get(pk=transfer.pk)
    if transfer.pupil.sen_status != SenStatus.EHC_PLAN:
        raise ValidationError({"told_on": ["Only a move of a pupil with an EHC plan is told to the LA here."]})
    if told_on > timezone.localdate():
        raise ValidationError({"told_on": ["The date cannot be in the future."]})
    transfer.la_told_on, transfer.la_told_by = told_on, by
    transfer.save(update_fields=["la_told_on", "la_told_by"])
    return transfer


def start_transfers_for_leavers() -> int:
    """Pupils given a leaving date elsewhere (the MIS through the API, the pupil's details page) with no transfer:
    start one, destination not known, so their record's deadline is tracked too. Run before the morning scan."""
    today = timezone.localdate()
    recorded = Transfer.objects.filter(pupil=OuterRef("pk"), to_school__isnull=True, left_on=OuterRef("leaving_date"))
    leavers = (
        Pupil.objects.filter(leaving_date__isnull=False, leaving_date__lte=today)
        .exclude(Exists(recorded))
        .select_related("school")
    )
    started = 0
    for pupil in leavers:
        left_on = pupil.leaving_date or today
        due_on, rule = transfer_due_on(pupil.school_id, left_on)
        with transaction.atomic():
            transfer = Transfer.objects.create(
                pupil=pupil,
                from_school=pupil.school,
                left_on=left_on,
                destination=Destination.UNKNOWN,
                due_on=due_on,
                due_rule=rule,
            )
            sync_transfer_deadline(transfer)
        started += 1
    return started
