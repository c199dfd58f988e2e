"""Keeping the deadline table in step with requests, plans and reviews (in the same transaction as each write),
and a person's own reminder settings. The morning scan and the e-mail digests are in `reviews.deadlines.outbox`."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from pupils.models import Pupil
from reviews import statutory
from reviews.models import (
    AnnualReview,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Digest,
    EhcAssessmentRequest,
    EhcPlan,
    NotificationPreference,
    Plan,
    Reminder,
    ReviewState,
)
from schools.models import ClassStaff, InsetDay, Membership, Term
from send.dates import SchoolCalendar, add_months
from send.tenancy import require_trust_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wanted:
    """A deadline as its subject says it should be now."""

    key: str
    kind: str
    due_on: dt.date
    rule: str
    detail: str = ""
    met_on: dt.date | None = None
    cancelled: bool = False

    @property
    def state(self) -> str:
        if self.cancelled:
            return DeadlineState.CANCELLED
        return DeadlineState.MET if self.met_on else DeadlineState.OPEN


def _apply(pupil: Pupil, subject: dict[str, object], wanted: Iterable[Wanted], prefix: str) -> None:
    """Make the subject's rows match `wanted`: update by key, add what is new, cancel open rows no longer wanted."""
    existing = {d.key: d for d in Deadline.objects.filter(key__startswith=prefix, **subject)}
    seen = set()
    for want in wanted:
        seen.add(want.key)
        row = existing.get(want.key)
        values = {
            "kind": want.kind,
            "due_on": want.due_on,
            "rule": want.rule[:300],
            "detail": want.detail[:200],
            "state": want.state,
            "met_on": want.met_on,
        }
        if row is None:
            Deadline.objects.create(key=want.key, pupil=pupil, school_id=pupil.school_id, **subject, **values)
        elif any(getattr(row, name) != value for name, value in values.items()) or row.school_id != pupil.school_id:
            for name, value in values.items():
                setattr(row, name, value)
            row.school_id = pupil.school_id
            row.save()
    stale = [key for key, row in existing.items() if key not in seen and row.state == DeadlineState.OPEN]
    if stale:
        Deadline.objects.filter(key__in=stale).update(state=DeadlineState.CANCELLED, updated_at=timezone.now())


def sync_request_deadlines(request: EhcAssessmentRequest) -> None:
    dates = statutory.ehc_assessment_deadlines(request.received_on)
    outcome = request.outcome
    refused = request.decision == "refused" or outcome == "refused"
    withdrawn = outcome == "withdrawn"
    wanted = [
        Wanted(
            f"request:{request.pk}:decide_to_assess",
            DeadlineKind.DECIDE_TO_ASSESS,
            dates["decide_to_assess"].date,
            dates["decide_to_assess"].rule,
            met_on=request.decided_on if request.decision != "pending" else None,
            cancelled=withdrawn and request.decision == "pending",
        ),
        Wanted(
            f"request:{request.pk}:notify_no_plan",
            DeadlineKind.NOTIFY_NO_PLAN,
            dates["notify_no_plan"].date,
            dates["notify_no_plan"].rule,
            met_on=request.outcome_on if outcome == "no_plan" else None,
            cancelled=refused or withdrawn or outcome == "plan_issued",
        ),
        Wanted(
            f"request:{request.pk}:final_plan",
            DeadlineKind.FINAL_PLAN,
            dates["final_plan"].date,
            dates["final_plan"].rule,
            met_on=request.outcome_on if outcome == "plan_issued" else None,
            cancelled=refused or withdrawn or outcome == "no_plan",
        ),
    ]
    _apply(request.pupil, {"request": request}, wanted, f"request:{request.pk}:")


def school_calendar(school_id: int) -> SchoolCalendar:
    return SchoolCalendar.of(
        Term.objects.filter(school_id=school_id).values_list("starts_on", "ends_on"),
        InsetDay.objects.filter(school_id=school_id).values_list("date", flat=True),
    )


def review_interval(plan: EhcPlan, base: dt.date) -> int:
    """The plan's own cycle while the child is under 5 on `base`; 12 months from their fifth birthday."""
    under_five = base < add_months(plan.pupil.date_of_birth, 60)
    return plan.review_every_months if under_five else 12


def sync_plan_deadlines(plan: EhcPlan) -> None:
    prefix = f"ehcp:{plan.pk}:"
    if plan.ceased_on is not None:
        _apply(plan.pupil, {"ehc_plan": plan}, [], prefix)
        for review in plan.reviews.all():
            _apply(plan.pupil, {"review": review}, [], f"review:{review.pk}:")
        return
    base = plan.last_reviewed_on or plan.issued_on
    due = statutory.annual_review_deadlines(base, review_interval(plan, base))["review_by"]
    wanted = [Wanted(f"{prefix}review_by:{base.isoformat()}", DeadlineKind.REVIEW_BY, due.date, due.rule)]
    # Earlier review-by rows were met by the review that moved the base on.
    for row in Deadline.objects.filter(ehc_plan=plan, kind=DeadlineKind.REVIEW_BY, state=DeadlineState.OPEN):
        if row.key != wanted[0].key and plan.last_reviewed_on:
            wanted.append(Wanted(row.key, row.kind, row.due_on, row.rule, met_on=plan.last_reviewed_on))
    if plan.phase_transfer_year:
        transfer = statutory.phase_transfer_deadlines(
            plan.phase_transfer_year, plan.post16_transfer, school_calendar(plan.pupil.school_id)
        )
        year = plan.phase_transfer_year
        # met by this transfer's review and amended plan: from the September a year before the transfer
        since = dt.date(year - 1, 9, 1)
        held = (
            plan.reviews.filter(is_phase_transfer=True, held_on__gte=since)
            .order_by("-held_on")
            .values_list("held_on", flat=True)
            .first()
        )
        named = (
            plan.amendments.filter(names_new_school=True, issued_on__gte=since)
            .order_by("-issued_on")
            .values_list("issued_on", flat=True)
        ).first()
        wanted += [
            Wanted(
                f"{prefix}transfer_meeting_by:{year}",
                DeadlineKind.TRANSFER_MEETING_BY,
                transfer["review_meeting_by"].date,
                transfer["review_meeting_by"].rule,
                detail=f"Transfer in September {year}",
                met_on=held,
            ),
            Wanted(
                f"{prefix}transfer_plan_by:{year}",
                DeadlineKind.TRANSFER_PLAN_BY,
                transfer["amended_plan_by"].date,
                transfer["amended_plan_by"].rule,
                detail=f"Transfer in September {year}",
                met_on=named,
            ),
        ]
    _apply(plan.pupil, {"ehc_plan": plan}, wanted, prefix)


def sync_review_deadlines(review: AnnualReview) -> None:
    prefix = f"review:{review.pk}:"
    plan = review.ehc_plan
    if plan.ceased_on is not None:
        _apply(plan.pupil, {"review": review}, [], prefix)
        return
    meeting = review.held_on or review.meeting_on
    dates = statutory.review_meeting_deadlines(meeting)
    invitations = list(review.invitations.all())
    closed = review.state == ReviewState.CLOSED
    wanted = [
        Wanted(
            f"{prefix}invitations_by",
            DeadlineKind.INVITATIONS_BY,
            dates["invitations_by"].date,
            dates["invitations_by"].rule,
            met_on=min((i.invited_on for i in invitations), default=None),
            cancelled=closed and not invitations,
        ),
        Wanted(
            f"{prefix}report_by",
            DeadlineKind.REPORT_BY,
            dates["report_by"].date,
            dates["report_by"].rule,
            met_on=review.report_sent_on,
            cancelled=closed and not review.report_sent_on,
        ),
        Wanted(
            f"{prefix}la_decision_by",
            DeadlineKind.LA_DECISION_BY,
            dates["la_decision_by"].date,
            dates["la_decision_by"].rule,
            met_on=review.la_decision_on,
            cancelled=closed and not review.la_decision_on,
        ),
    ]
    for invitation in invitations:
        if invitation.advice_due_on:
            wanted.append(
                Wanted(
                    f"{prefix}advice:{invitation.pk}",
                    DeadlineKind.ADVICE_DUE,
                    invitation.advice_due_on,
                    "Advice asked for by the date the school set, before the meeting (reg. 20)",
                    detail=f"{invitation.name} ({invitation.get_party_display()})",
                    met_on=invitation.response_on,
                    cancelled=closed and not invitation.response_on,
                )
            )
    if review.la_decision == "amend":
        wanted.append(
            Wanted(
                f"{prefix}amended_plan_by",
                DeadlineKind.AMENDED_PLAN_BY,
                dates["amended_plan_by"].date,
                dates["amended_plan_by"].rule,
                met_on=review.amended_plan_on,
            )
        )
    _apply(plan.pupil, {"review": review}, wanted, prefix)


PLAN_REVIEW_RULE = "The review date agreed for the plan: the graduated approach reviews each cycle, usually termly"
OPEN_PLAN_STATES = ("active", "due")


def sync_plan_review_deadline(plan: Plan) -> None:
    """A SEN support plan's review date is a deadline while the plan is active; met when it is reviewed."""
    key = f"plan:{plan.pk}:review"
    wanted: list[Wanted] = []
    if plan.state in OPEN_PLAN_STATES:
        wanted.append(Wanted(key, DeadlineKind.PLAN_REVIEW, plan.review_on, PLAN_REVIEW_RULE, f"Cycle {plan.cycle}"))
    elif plan.state == "reviewed":
        wanted.append(Wanted(key, DeadlineKind.PLAN_REVIEW, plan.review_on, PLAN_REVIEW_RULE, f"Cycle {plan.cycle}",
                             met_on=plan.reviewed_on or plan.review_on))  # fmt: skip
    _apply(plan.pupil, {"plan": plan}, wanted, f"plan:{plan.pk}:")


def table_sql(query: str) -> str:
    """The engine's raw SQL names tables by their models' table names."""
    tables = {
        "deadline": Deadline._meta.db_table,
        "reminder": Reminder._meta.db_table,
        "digest": Digest._meta.db_table,
        "pupil": Pupil._meta.db_table,
        "membership": Membership._meta.db_table,
        "classstaff": ClassStaff._meta.db_table,
        "user": "schools_user",
        "preference": "reviews_notificationpreference",
        "plan": Plan._meta.db_table,
    }
    return query.format(**tables)


# The same, for every plan of the trust at once: the morning scan's catch-all (and the first fill of the table).
SYNC_PLAN_REVIEWS = """
INSERT INTO {deadline} (trust_id, uuid, school_id, pupil_id, plan_id, key, kind, due_on, rule, detail, state,
                        updated_at)
SELECT p.trust_id, gen_random_uuid(), pu.school_id, p.pupil_id, p.id, 'plan:' || p.id || ':review', 'plan_review',
       p.review_on, %(rule)s, 'Cycle ' || p.cycle, 'open', now()
  FROM {plan} p JOIN {pupil} pu ON pu.id = p.pupil_id
 WHERE p.trust_id = %(trust)s AND p.state = ANY(%(open_states)s)
ON CONFLICT (trust_id, key) DO UPDATE
   SET due_on = EXCLUDED.due_on, school_id = EXCLUDED.school_id, state = 'open', met_on = NULL, updated_at = now()
 WHERE {deadline}.due_on <> EXCLUDED.due_on OR {deadline}.school_id <> EXCLUDED.school_id
    OR {deadline}.state <> 'open'
"""

# A pupil who moved school takes their open deadlines along (the new school's SENCO tracks them).
FOLLOW_PUPILS = """
UPDATE {deadline} d SET school_id = p.school_id, updated_at = now()
  FROM {pupil} p
 WHERE d.trust_id = %(trust)s AND d.pupil_id = p.id AND d.state = 'open' AND d.school_id <> p.school_id
"""

MEET_REVIEWED_PLANS = """
UPDATE {deadline} d SET state = 'met', met_on = coalesce(p.reviewed_on, p.review_on), updated_at = now()
  FROM {plan} p
 WHERE d.trust_id = %(trust)s AND d.plan_id = p.id AND d.state = 'open' AND NOT p.state = ANY(%(open_states)s)
"""


def sync_all_plan_review_deadlines() -> None:
    params: dict[str, Any] = {"trust": require_trust_id(), "rule": PLAN_REVIEW_RULE,
                              "open_states": list(OPEN_PLAN_STATES)}  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(table_sql(SYNC_PLAN_REVIEWS), params)
        cursor.execute(table_sql(MEET_REVIEWED_PLANS), params)
        cursor.execute(table_sql(FOLLOW_PUPILS), params)


def mark_read(user_id: int, reminder_ids: Iterable[int] | None = None) -> int:
    """Mark a person's reminders read (all of them, or those given)."""
    rows = Reminder.objects.filter(recipient_id=user_id, read_at__isnull=True)
    if reminder_ids is not None:
        rows = rows.filter(pk__in=list(reminder_ids))
    return rows.update(read_at=timezone.now())


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(user: Any) -> str:
    """A new private address for the person's calendar feed (only its hash is kept); the old one stops working."""
    token = secrets.token_urlsafe(32)
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    preference.feed_token_hash = feed_token_hash(token)
    preference.save(update_fields=["feed_token_hash"])
    return token


def save_preferences(user: Any, *, email_digest: bool) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    preference.email_digest = email_digest
    preference.save(update_fields=["email_digest"])
    return preference
