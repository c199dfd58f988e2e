"""A looked-after pupil's PEP dates on the deadline engine: the initial PEP (started within 10 working days of
becoming looked after, ready for the first care-plan review at 20), a new PEP within 10 working days of each
emergency placement or change of placement or school, and each term's final date of their Virtual School.

All of a pupil's PEP deadlines are one subject (keys `pep:<pupil id>:…`), recomputed from their care record,
its events and their PEPs whenever one of them changes; a pupil no longer looked after keeps the deadlines met
and has the open ones cancelled."""

from __future__ import annotations

import datetime as dt

from pupils.models import Pupil
from reviews import statutory
from reviews.deadlines.models import DeadlineKind
from reviews.deadlines.services import Wanted, apply_deadlines
from reviews.pep.models import NEW_PEP_EVENTS, CareEvent, CareRecord, Pep, VirtualSchoolTerm

TERMLY_RULE = "The Virtual School's final date for this term's PEP"


def _first(dates: list[dt.date | None]) -> dt.date | None:
    found = [d for d in dates if d is not None]
    return min(found) if found else None


def wanted_pep_deadlines(record: CareRecord, events: list[CareEvent], peps: list[Pep]) -> list[Wanted]:
    """What the pupil's PEP deadlines should be now (a pure function of the records, for the tests too)."""
    prefix = f"pep:{record.pupil_id}:"
    since = record.looked_after_on
    initial = statutory.initial_pep_deadlines(since)
    wanted = [
        Wanted(
            f"{prefix}started:{since.isoformat()}",
            DeadlineKind.PEP_STARTED,
            initial["started"].date,
            initial["started"].rule,
            detail=record.virtual_school.name,
            met_on=_first([p.started_on for p in peps if p.started_on >= since]),
        ),
        Wanted(
            f"{prefix}ready:{since.isoformat()}",
            DeadlineKind.PEP_READY,
            initial["ready"].date,
            initial["ready"].rule,
            detail=record.virtual_school.name,
            met_on=_first([p.ready_on for p in peps if p.ready_on and p.ready_on >= since]),
        ),
    ]
    for event in events:
        if event.kind not in NEW_PEP_EVENTS:
            continue
        due = statutory.new_pep_deadline(event.happened_on)
        wanted.append(
            Wanted(
                f"{prefix}change:{event.pk}",
                DeadlineKind.PEP_AFTER_CHANGE,
                due.date,
                due.rule,
                detail=f"{event.get_kind_display()} on {event.happened_on:%-d %b %Y}",
                met_on=_first([p.started_on for p in peps if p.started_on >= event.happened_on]),
            )
        )
    submitted = {p.term_id: p.submitted_on for p in peps if p.term_id is not None}
    terms = VirtualSchoolTerm.objects.filter(virtual_school_id=record.virtual_school_id, final_date__gte=since)
    for term in terms.select_related("school_year"):
        wanted.append(
            Wanted(
                f"{prefix}term:{term.pk}",
                DeadlineKind.PEP_TERMLY,
                term.final_date,
                TERMLY_RULE,
                detail=f"{record.virtual_school.name}, {term}",
                met_on=submitted.get(term.pk),
            )
        )
    return wanted


def sync_pupil_pep_deadlines(pupil: Pupil) -> None:
    """Make the deadline table match the pupil's care record and PEPs (in the caller's transaction)."""
    prefix = f"pep:{pupil.pk}:"
    record = CareRecord.objects.select_related("virtual_school").filter(pupil=pupil).first()
    if record is None or not pupil.is_looked_after:
        apply_deadlines(pupil, {}, [], prefix)
        return
    events = list(record.care_events.all())
    peps = list(Pep.objects.filter(pupil=pupil))
    apply_deadlines(pupil, {}, wanted_pep_deadlines(record, events, peps), prefix)


def sync_all_pep_deadlines() -> None:
    """The morning scan's catch-all, for the current trust: every pupil with a care record (a few queries each)."""
    for record in CareRecord.objects.select_related("pupil"):
        sync_pupil_pep_deadlines(record.pupil)
