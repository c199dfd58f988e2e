"""The morning scan that turns deadlines entering a warning window into reminders, and the daily digests (the
e-mail outbox).

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
import logging
import smtplib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from reviews.deadlines.models import (
    CLASS_TEACHER_KINDS,
    PEP_KINDS,
    SCHOOL_KINDS,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Digest,
    Reminder,
)
from reviews.deadlines.selectors import pupil_initials
from reviews.deadlines.services import table_sql
from schools.models import Role
from send import policy
from send.tenancy import require_trust_id

log = logging.getLogger(__name__)


# --- The morning scan ----------------------------------------------------------------------------------------


def warning_windows() -> tuple[int, ...]:
    """Days before a due date at which people are reminded; -1 is "overdue" (settings.DEADLINE_REMINDER_DAYS)."""
    return tuple(sorted(set(settings.DEADLINE_REMINDER_DAYS)))


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
    UNION
    -- a looked-after pupil's PEP dates: the designated teacher too
    SELECT due.id, due.due_on, due.window_days, m.user_id
      FROM due JOIN {membership} m ON m.trust_id = %(trust)s AND m.school_id = due.school_id
                                   AND m.role = %(designated_role)s
     WHERE due.window_days IS NOT NULL AND due.kind = ANY(%(pep_kinds)s)
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


def scan_params(trust_id: int, today: dt.date, windows: Sequence[int] | None = None) -> dict[str, Any]:
    """The parameters of SCAN (the benchmark sends the same statement bare, with the same parameters)."""
    windows = tuple(windows or warning_windows())
    school_windows = tuple(sorted(set(settings.PLAN_REVIEW_REMINDER_DAYS)))
    return {
        "trust": trust_id,
        "today": today,
        "windows": list(windows),
        "school_windows": list(school_windows),
        "widest": max(windows + school_windows),
        "lead_roles": [Role.SENCO.value, Role.ASSISTANT_SENCO.value],
        "senco_role": Role.SENCO.value,
        "teacher_role": Role.CLASS_TEACHER.value,
        "teacher_kinds": [str(kind) for kind in (*CLASS_TEACHER_KINDS, *SCHOOL_KINDS)],
        "school_kinds": [str(kind) for kind in SCHOOL_KINDS],
        "designated_role": Role.DESIGNATED_TEACHER.value,
        "pep_kinds": [str(kind) for kind in PEP_KINDS],
    }


def scan_deadlines(today: dt.date, windows: Sequence[int] | None = None) -> int:
    """Create the reminders of every open deadline that has entered a warning window, in the current trust.

    Set-based: one statement, whatever the number of pupils. A deadline that enters several windows at once (it
    was recorded late, or the scan did not run for a while) gives one reminder, for the nearest window."""
    params = scan_params(require_trust_id(), today, windows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(table_sql(SCAN), params)
        return int(cursor.rowcount)


def build_digests(day: dt.date) -> int:
    """One digest per person per day for their unread reminders not yet e-mailed (unless they opted out)."""
    params: dict[str, Any] = {"trust": require_trust_id(), "day": day}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(table_sql(BUILD_DIGESTS), params)
        created = int(cursor.rowcount)
        cursor.execute(table_sql(ATTACH_TO_DIGESTS), params)
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


def deliver_digest(digest: Digest, reminders: list[Reminder]) -> None:
    """Pupils by initials and year group (mail leaves our hands); advice deadlines carry the adviser's name, often
    the parent's, which names the child, so it stays out of the e-mail."""
    lines = [
        (
            reminder,
            pupil_initials(reminder.deadline.pupil),
            "" if reminder.deadline.kind == DeadlineKind.ADVICE_DUE else reminder.deadline.detail,
        )
        for reminder in reminders
    ]
    context = {"digest": digest, "lines": lines, "site_url": settings.SITE_URL}
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    message = EmailMessage(
        subject=f"Statutory deadlines: {len(reminders)} reminder{'s' if len(reminders) != 1 else ''} "
        f"({digest.day:%-d %B %Y})",
        body=render_to_string("reviews/email/digest.txt", context),
        to=[digest.recipient.email],
        headers={"Message-ID": f"<digest-{digest.uuid}@{domain}>"},
    )
    message.send()
