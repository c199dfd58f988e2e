"""The statutory-deadline engine: keeping the deadline table in step with requests, plans and reviews; the morning
scan that turns deadlines entering a warning window into reminders; and the daily digests (the e-mail outbox).

Exactly once, and why:
- The scan is one `INSERT … SELECT … ON CONFLICT DO NOTHING` per trust under a unique key (deadline, due date,
  window, person): running it twice, or in two workers at once, adds nothing.
- Digests are built the same way (one per person per day, unique), and the reminders they carry are attached in
  the same transaction.
- A worker sends one digest per transaction: it locks the row (`SKIP LOCKED`, so a second worker takes another),
  hands the message over and marks it sent before committing. A worker killed before the commit leaves the row
  unsent and unlocked; Celery (`acks_late`, `reject_on_worker_lost`) runs the task again and it is sent then.
  The one gap no database can close is a kill between the mail relay accepting the message and the commit; the
  message then goes again with the same `Message-ID`, which mail systems use to drop the duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scopes_disabled

from pupils.models import Pupil
from reviews import statutory
from reviews.models import (
    CLASS_TEACHER_KINDS,
    SCHOOL_KINDS,
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
from schools.models import ClassStaff, InsetDay, Membership, Role, Term
from send import policy
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
        cursor.execute(_sql(SYNC_PLAN_REVIEWS), params)
        cursor.execute(_sql(MEET_REVIEWED_PLANS), params)
        cursor.execute(_sql(FOLLOW_PUPILS), params)


# --- The morning scan ----------------------------------------------------------------------------------------


def warning_windows() -> tuple[int, ...]:
    """Days before a due date at which people are reminded; -1 is "overdue" (settings.DEADLINE_REMINDER_DAYS)."""
    return tuple(sorted(set(settings.DEADLINE_REMINDER_DAYS)))


def _sql(query: str) -> str:
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


SCAN = """
WITH due AS (
    SELECT d.id, d.due_on, p.school_id, d.kind, p.school_class_id,
           (SELECT min(w) FROM unnest(CASE WHEN d.kind = ANY(%(school_kinds)s) THEN %(school_windows)s::int[]
                                           ELSE %(windows)s::int[] END) AS w
             WHERE d.due_on - %(today)s::date <= w) AS window_days,
           EXISTS (SELECT 1 FROM {classstaff} t JOIN {user} tu ON tu.id = t.user_id AND tu.is_active
                    WHERE t.trust_id = %(trust)s AND t.role = 'teacher'
                      AND t.school_class_id = p.school_class_id) AS has_teacher
      FROM {deadline} d JOIN {pupil} p ON p.id = d.pupil_id
     WHERE d.trust_id = %(trust)s AND d.state = 'open' AND d.due_on <= %(today)s::date + %(widest)s
), recipients AS (
    -- the SENCO and assistant SENCO, for statutory deadlines
    SELECT due.id, due.due_on, due.window_days, m.user_id
      FROM due JOIN {membership} m ON m.trust_id = %(trust)s AND m.school_id = due.school_id
                                   AND m.role = ANY(%(lead_roles)s)
     WHERE due.window_days IS NOT NULL AND NOT due.kind = ANY(%(school_kinds)s)
    UNION
    -- the class teacher, for the reviews they prepare (still a class teacher at the pupil's school)
    SELECT due.id, due.due_on, due.window_days, cs.user_id
      FROM due JOIN {classstaff} cs ON cs.trust_id = %(trust)s AND cs.school_class_id = due.school_class_id
                                    AND cs.role = 'teacher'
     WHERE due.window_days IS NOT NULL AND due.kind = ANY(%(teacher_kinds)s)
       AND EXISTS (SELECT 1 FROM {membership} tm WHERE tm.trust_id = %(trust)s AND tm.user_id = cs.user_id
                      AND tm.school_id = due.school_id AND tm.role = %(teacher_role)s)
    UNION
    -- a SEN support plan of a pupil without a class teacher: the SENCO
    SELECT due.id, due.due_on, due.window_days, m.user_id
      FROM due JOIN {membership} m ON m.trust_id = %(trust)s AND m.school_id = due.school_id
                                   AND m.role = %(senco_role)s
     WHERE due.window_days IS NOT NULL AND due.kind = ANY(%(school_kinds)s) AND NOT due.has_teacher
)
INSERT INTO {reminder} (trust_id, deadline_id, due_on, window_days, recipient_id, created_at)
SELECT %(trust)s, r.id, r.due_on, r.window_days, r.user_id, now()
  FROM recipients r JOIN {user} u ON u.id = r.user_id AND u.is_active
ON CONFLICT DO NOTHING
"""

BUILD_DIGESTS = """
INSERT INTO {digest} (trust_id, uuid, recipient_id, day, created_at, attempts, last_error)
SELECT %(trust)s, gen_random_uuid(), waiting.recipient_id, %(day)s::date, now(), 0, ''
  FROM (SELECT DISTINCT r.recipient_id
          FROM {reminder} r LEFT JOIN {preference} np ON np.trust_id = r.trust_id AND np.user_id = r.recipient_id
         WHERE r.trust_id = %(trust)s AND r.digest_id IS NULL AND r.read_at IS NULL
           AND coalesce(np.email_digest, true)) AS waiting
ON CONFLICT DO NOTHING
"""

# Only digests no worker is sending (locked here, skipped if a worker holds them): a reminder attached to a digest
# whose list a worker has already read would be marked e-mailed and never sent. Skipped ones go in tomorrow's.
ATTACH_TO_DIGESTS = """
UPDATE {reminder} r SET digest_id = g.id
  FROM {digest} g LEFT JOIN {preference} np ON np.trust_id = g.trust_id AND np.user_id = g.recipient_id
 WHERE g.id IN (SELECT id FROM {digest} WHERE trust_id = %(trust)s AND day = %(day)s::date AND sent_at IS NULL
                   AND failed_at IS NULL FOR UPDATE SKIP LOCKED)
   AND coalesce(np.email_digest, true)
   AND r.trust_id = g.trust_id AND r.recipient_id = g.recipient_id AND r.digest_id IS NULL AND r.read_at IS NULL
"""


def scan_deadlines(today: dt.date, windows: Sequence[int] | None = None) -> int:
    """Create the reminders of every open deadline that has entered a warning window, in the current trust.

    Set-based: one statement, whatever the number of pupils. A deadline that enters several windows at once (it
    was recorded late, or the scan did not run for a while) gives one reminder, for the nearest window."""
    windows = tuple(windows or warning_windows())
    school_windows = tuple(sorted(set(settings.PLAN_REVIEW_REMINDER_DAYS)))
    params: dict[str, Any] = {
        "trust": require_trust_id(),
        "today": today,
        "windows": list(windows),
        "school_windows": list(school_windows),
        "widest": max(windows + school_windows),
        "lead_roles": [Role.SENCO.value, Role.ASSISTANT_SENCO.value],
        "senco_role": Role.SENCO.value,
        "teacher_role": Role.CLASS_TEACHER.value,
        "teacher_kinds": [str(kind) for kind in (*CLASS_TEACHER_KINDS, *SCHOOL_KINDS)],
        "school_kinds": [str(kind) for kind in SCHOOL_KINDS],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_sql(SCAN), params)
        return int(cursor.rowcount)


def build_digests(day: dt.date) -> int:
    """One digest per person per day for their unread reminders not yet e-mailed (unless they opted out)."""
    params: dict[str, Any] = {"trust": require_trust_id(), "day": day}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_sql(BUILD_DIGESTS), params)
        created = int(cursor.rowcount)
        cursor.execute(_sql(ATTACH_TO_DIGESTS), params)
    return created


MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=15)


def sendable_digests() -> Any:
    now = timezone.now()
    return Digest.objects.filter(sent_at__isnull=True, failed_at__isnull=True).filter(
        Q(retry_after__isnull=True) | Q(retry_after__lte=now)
    )


def send_next_digest() -> Digest | None:
    """Send one unsent digest, in its own transaction; None when there is none left to take.

    Only the digest row is locked (not its recipient's user row, which sign-in writes). A relay's refusal is
    recorded on the digest, which is tried again later or, after a permanent refusal or MAX_ATTEMPTS, given up
    (and logged); it never blocks the digests behind it."""
    with transaction.atomic():
        digest = (
            sendable_digests()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .order_by("pk")
            .first()
        )
        if digest is None:
            return None
        recipient = digest.recipient
        # only what the person may still open: a teacher who changed class is not sent their old pupils
        visible = policy.visible(recipient, Deadline, "view").values("pk")
        reminders = list(
            digest.reminders.filter(deadline__state=DeadlineState.OPEN, deadline__in=visible)
            .select_related("deadline__pupil", "deadline__school", "deadline__review", "deadline__ehc_plan")
            .select_related("deadline__request", "deadline__plan")
            .order_by("deadline__due_on", "deadline__pk")
        )
        now = timezone.now()
        if reminders and recipient.is_active and recipient.email:
            try:
                deliver_digest(digest, reminders)
            except (OSError, smtplib.SMTPException) as error:
                digest.attempts += 1
                digest.last_error = f"{type(error).__name__}: {error}"[:300]
                if isinstance(error, smtplib.SMTPRecipientsRefused) or digest.attempts >= MAX_ATTEMPTS:
                    digest.failed_at = now
                    log.error("Digest %s to user %s given up: %s", digest.pk, recipient.pk, digest.last_error)
                else:
                    digest.retry_after = now + FIRST_RETRY * 2 ** (digest.attempts - 1)
                digest.save(update_fields=["attempts", "last_error", "failed_at", "retry_after"])
                return digest
        digest.sent_at = now
        digest.save(update_fields=["sent_at"])
        return digest


def next_retry() -> dt.datetime | None:
    """When the earliest digest waiting to be tried again is due (None if none is waiting)."""
    return (
        Digest.objects.filter(sent_at__isnull=True, failed_at__isnull=True, retry_after__isnull=False)
        .order_by("retry_after")
        .values_list("retry_after", flat=True)
        .first()
    )


def pupil_initials(pupil: Any) -> str:
    """How e-mails and calendars name a pupil: initials and year group, never the name (mail leaves our hands)."""
    name = "".join(part[0] for part in pupil.display_name.split() if part)
    return f"{name}, {pupil.get_year_group_display()}"


def deliver_digest(digest: Digest, reminders: list[Reminder]) -> None:
    for reminder in reminders:
        deadline = reminder.deadline
        reminder.pupil_initials = pupil_initials(deadline.pupil)  # type: ignore[attr-defined]
        # advice deadlines carry the adviser's name (often the parent's, which names the child): not by e-mail
        reminder.mail_detail = "" if deadline.kind == DeadlineKind.ADVICE_DUE else deadline.detail  # type: ignore[attr-defined]
    context = {"digest": digest, "reminders": reminders, "site_url": settings.SITE_URL}
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    message = EmailMessage(
        subject=f"Statutory deadlines: {len(reminders)} reminder{'s' if len(reminders) != 1 else ''} "
        f"({digest.day:%-d %B %Y})",
        body=render_to_string("reviews/email/digest.txt", context),
        to=[digest.recipient.email],
        headers={"Message-ID": f"<digest-{digest.uuid}@{domain}>"},
    )
    message.send()


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


NO_FEED = ""  # a preference without a calendar address


def stop_feeds(user: Any) -> int:
    """Stop every calendar address the person made, in every trust (found through the own-rows policy)."""
    from send.tenancy import own_rows_context, tenant_context

    with own_rows_context(user.pk), scopes_disabled():
        trust_ids = list(
            NotificationPreference.objects.filter(user_id=user.pk)
            .exclude(feed_token_hash=NO_FEED)
            .values_list("trust_id", flat=True)
        )
    for trust_id in trust_ids:
        with tenant_context(trust_id):
            NotificationPreference.objects.filter(user_id=user.pk).update(feed_token_hash=NO_FEED)
    return len(trust_ids)


def stop_feeds_when_credentials_revoked(sender: Any, user: Any, **kwargs: Any) -> None:
    stop_feeds(user)


def save_preferences(user: Any, *, email_digest: bool) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    preference.email_digest = email_digest
    preference.save(update_fields=["email_digest"])
    return preference
