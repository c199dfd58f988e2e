"""Writes to personal education plans: start one, write its sections and targets, and move it through its states.

States: not started → (any edit) in progress → (ready) ready to submit → (submit) submitted, read-only to the
school → the Virtual School either completes it or returns it with a reason (returned, editable again →
ready → submitted …). The Virtual School's rating and comments are recorded with its verdict. Every change of
state is a PepTransition row; every write re-syncs the pupil's PEP deadlines in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews.apdr.models import Progress
from reviews.pep.deadlines import sync_pupil_pep_deadlines
from reviews.pep.models import (
    CareRecord,
    Pep,
    PepState,
    PepTarget,
    PepTransition,
    Rating,
    TargetArea,
    VirtualSchoolTerm,
)
from schools.models import User

PEP_FIELDS = (
    "meeting_on",
    "child_voice",
    "carer_views",
    "social_worker_views",
    "attendance_percent",
    "exclusions",
    "attainment",
    "sdq_score",
    "previous_targets",
    "upcoming_transitions",
    "attendees",
    "next_meeting_on",
)
TARGET_FIELDS = (
    "area",
    "wording",
    "success_criteria",
    "owner",
    "review_on",
    "provision",
    "ppp_requested",
    "progress",
)


def _record(pep: Pep, action: str, before: str, by: User | None, comment: str = "") -> None:
    PepTransition.objects.create(pep=pep, action=action, from_state=before, to_state=pep.state, comment=comment, by=by)
    sync_pupil_pep_deadlines(pep.pupil)


def _read_only(pep: Pep) -> None:
    if not pep.is_editable:
        raise ValidationError(
            f"This PEP is {PepState(pep.state).label.lower()}: it is read-only unless the Virtual School returns it."
        )


@transaction.atomic
def start_pep(
    pupil: Pupil,
    *,
    by: User,
    term: VirtualSchoolTerm | None = None,
    due_on: dt.date | None = None,
    started_on: dt.date | None = None,
    meeting_on: dt.date | None = None,
) -> Pep:
    """A new PEP for a looked-after pupil: for one of their Virtual School's terms (due on its final date), or
    for a change (due on the date given)."""
    errors: dict[str, list[str]] = {}
    record = CareRecord.objects.filter(pupil=pupil).select_related("virtual_school").first()
    started_on = started_on or timezone.localdate()
    if not pupil.is_looked_after:
        errors["pupil"] = ["A PEP is for a looked-after pupil: this pupil is not recorded as looked after."]
    elif record is None:
        errors["pupil"] = ["Record the pupil's Virtual School and care details first."]
    if term is not None:
        if record is not None and term.virtual_school_id != record.virtual_school_id:
            errors["term"] = ["Choose a term of the pupil's Virtual School."]
        elif Pep.objects.filter(pupil=pupil, term=term).exists():
            errors["term"] = ["This pupil already has a PEP for that term."]
        due_on = term.final_date
    elif due_on is None:
        errors["due_on"] = ["Choose the Virtual School's term, or give the date the PEP is due."]
    if due_on is not None and due_on < started_on:
        errors["due_on"] = ["The PEP cannot be due before it starts."]
    if started_on > timezone.localdate():
        errors["started_on"] = ["A PEP is started on or before today."]
    if errors or record is None or due_on is None:
        raise ValidationError(errors)
    pep = Pep(
        pupil=pupil,
        virtual_school=record.virtual_school,
        term=term,
        due_on=due_on,
        started_on=started_on,
        meeting_on=meeting_on,
        created_by=by,
    )
    try:
        with transaction.atomic():
            pep.save()
    except IntegrityError as error:  # two people starting the term's PEP at once
        raise ValidationError({"term": ["This pupil already has a PEP for that term."]}) from error
    _record(pep, "start", "", by)
    return pep


def _check_sections(pep: Pep, fields: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    sdq = fields.get("sdq_score")
    if sdq is not None and not 0 <= sdq <= 40:
        errors["sdq_score"] = ["An SDQ total score is between 0 and 40."]
    attendance = fields.get("attendance_percent")
    if attendance is not None and not Decimal(0) <= attendance <= Decimal(100):
        errors["attendance_percent"] = ["Attendance is a percentage between 0 and 100."]
    meeting, following = fields.get("meeting_on", pep.meeting_on), fields.get("next_meeting_on")
    if meeting and following and following <= meeting:
        errors["next_meeting_on"] = ["The next meeting comes after this one."]
    return errors


@transaction.atomic
def update_pep(pep: Pep, *, by: User, extra: dict[str, str] | None = None, **fields: Any) -> Pep:
    """Write the PEP's sections (and the Virtual School's own, by their headings). The first edit starts it."""
    pep = Pep.objects.select_for_update().select_related("pupil", "virtual_school").get(pk=pep.pk)
    _read_only(pep)
    errors = _check_sections(pep, fields)
    if errors:
        raise ValidationError(errors)
    for key in PEP_FIELDS:
        if key in fields:
            value = fields[key]
            setattr(pep, key, value.strip() if isinstance(value, str) else value)
    if extra is not None:
        headings = pep.virtual_school.section_headings
        pep.extra = {heading: (extra.get(heading) or "").strip() for heading in headings}
    before = pep.state
    if pep.state == PepState.NOT_STARTED:
        pep.state = PepState.IN_PROGRESS
    pep.save()
    if before != pep.state:
        _record(pep, "edit", before, by)
    return pep


@transaction.atomic
def save_target(pep: Pep, target: PepTarget | None, **fields: Any) -> PepTarget:
    """A SMART target: wording and a review date are required; provision of the pupil's own school."""
    _read_only(pep)
    errors: dict[str, list[str]] = {}
    if not (fields.get("wording") or "").strip():
        errors["wording"] = ["Write the target: what the pupil will achieve."]
    if not isinstance(fields.get("review_on"), dt.date):
        errors["review_on"] = ["Give the date the target will be reviewed: a SMART target is time-bound."]
    provision: InterventionGroup | None = fields.get("provision")
    if provision is not None and provision.school_id != pep.pupil.school_id:
        errors["provision"] = ["Choose provision of the pupil's school."]
    requested = fields.get("ppp_requested")
    if requested is not None and requested < 0:
        errors["ppp_requested"] = ["The amount asked for cannot be negative."]
    if fields.get("area", TargetArea.ACADEMIC) not in TargetArea.values:
        errors["area"] = ["Choose academic, wellbeing or out of school."]
    if fields.get("progress") and fields["progress"] not in Progress.values:
        errors["progress"] = ["Choose how far the target was met."]
    if errors:
        raise ValidationError(errors)
    target = target or PepTarget(pep=pep, position=pep.targets.count())
    for key in TARGET_FIELDS:
        if key in fields:
            value = fields[key]
            setattr(target, key, value.strip() if isinstance(value, str) else value)
    target.save()
    return target


# action: (states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "ready": ((PepState.IN_PROGRESS, PepState.RETURNED), PepState.READY),
    "reopen": ((PepState.READY,), PepState.IN_PROGRESS),
    "submit": ((PepState.READY,), PepState.SUBMITTED),
}
ACTION_LABELS = {"ready": "mark ready", "reopen": "reopen", "submit": "submit", "verdict": "record the verdict on"}


def _allowed(pep: Pep, action: str, states: tuple[str, ...]) -> None:
    if pep.state not in states:
        raise ValidationError(f"You cannot {ACTION_LABELS[action]} a PEP that is {PepState(pep.state).label.lower()}.")


@transaction.atomic
def transition(pep: Pep, action: str, *, by: User, on: dt.date | None = None) -> Pep:
    """Ready to submit (with at least one target, each with a review date), back to in progress, submitted."""
    if action not in TRANSITIONS:
        raise ValidationError(f"Unknown action {action!r}.")
    pep = Pep.objects.select_for_update().select_related("pupil").get(pk=pep.pk)
    states, to_state = TRANSITIONS[action]
    _allowed(pep, action, states)
    if action == "ready" and not pep.targets.exists():
        raise ValidationError({"targets": ["Add at least one SMART target before the PEP is ready to submit."]})
    on = on or timezone.localdate()
    before, pep.state = pep.state, to_state
    if action == "ready" and pep.ready_on is None:
        pep.ready_on = on
    if action == "submit":
        pep.submitted_on = on
    pep.save()
    _record(pep, action, before, by)
    return pep


@transaction.atomic
def record_verdict(
    pep: Pep, *, by: User, rating: str, comment: str, outcome: str, reason: str = "", on: dt.date | None = None
) -> Pep:
    """The Virtual School's quality assurance of a submitted PEP: its rating and comments, and either complete
    or returned for amendment with a reason (a red rating is always returned)."""
    pep = Pep.objects.select_for_update().select_related("pupil").get(pk=pep.pk)
    _allowed(pep, "verdict", (PepState.SUBMITTED,))
    errors: dict[str, list[str]] = {}
    if rating not in Rating.values:
        errors["rating"] = ["Give the Virtual School's rating."]
    if outcome not in ("complete", "returned"):
        errors["outcome"] = ["Say whether the Virtual School completed the PEP or returned it."]
    if outcome == "complete" and rating == Rating.RED:
        errors["outcome"] = ["A PEP rated red is returned for amendment, not complete."]
    if outcome == "returned" and not reason.strip():
        errors["reason"] = ["Give the Virtual School's reason for returning it."]
    if errors:
        raise ValidationError(errors)
    before = pep.state
    pep.rating, pep.rating_comment = rating, comment.strip()
    if outcome == "complete":
        pep.state, pep.completed_on = PepState.COMPLETE, on or timezone.localdate()
    else:
        pep.state, pep.returned_reason = PepState.RETURNED, reason.strip()
    pep.save()
    _record(pep, "complete" if outcome == "complete" else "return", before, by, reason.strip())
    return pep
