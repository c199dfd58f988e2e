"""The deadline engine's writes: the one way to keep a subject's rows of the deadline table in step with it (each
process computes what it wants, `apply_deadlines` makes the table match, in the same transaction as the write),
and a person's own reminder settings. Each process keeps its own rules: `reviews.apdr.deadlines`,
`reviews.ehc.deadlines`. The morning scan and the e-mail digests are in `reviews.deadlines.outbox`."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from pupils.models import Pupil
from reviews.deadlines.models import Deadline, DeadlineState, Digest, NotificationPreference, Reminder
from schools.models import ClassStaff, Membership
from send.tenancy import own_rows_context, require_trust_id, tenant_context


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


def apply_deadlines(pupil: Pupil, subject: dict[str, object], wanted: Iterable[Wanted], prefix: str) -> None:
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
        if row is not None and row.exemption_ground and want.state == DeadlineState.OPEN:
            values["state"] = DeadlineState.EXEMPT  # an exemption claimed: not overdue, not reminded
        if row is None:
            Deadline.objects.create(key=want.key, pupil=pupil, school_id=pupil.school_id, **subject, **values)
        elif any(getattr(row, name) != value for name, value in values.items()) or row.school_id != pupil.school_id:
            for name, value in values.items():
                setattr(row, name, value)
            row.school_id = pupil.school_id
            row.save()
    waiting = (DeadlineState.OPEN, DeadlineState.EXEMPT)
    stale = [key for key, row in existing.items() if key not in seen and row.state in waiting]
    if stale:
        Deadline.objects.filter(key__in=stale).update(state=DeadlineState.CANCELLED, updated_at=timezone.now())


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
        "plan": "reviews_plan",
    }
    return query.format(**tables)


# A pupil who moved school takes their open deadlines along (the new school's SENCO tracks them).
FOLLOW_PUPILS = """
UPDATE {deadline} d SET school_id = p.school_id, updated_at = now()
  FROM {pupil} p
 WHERE d.trust_id = %(trust)s AND d.pupil_id = p.id AND d.state = 'open' AND d.school_id <> p.school_id
"""


# What each process re-syncs for the whole trust before the morning scan (registered in the app's ready()).
_before_scan: list[Callable[[], None]] = []


def sync_before_scan(sync: Callable[[], None]) -> None:
    if sync not in _before_scan:
        _before_scan.append(sync)


def sync_all_deadlines() -> None:
    """The morning catch-all: each process's own re-sync, then deadlines follow pupils who moved school."""
    for sync in _before_scan:
        sync()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(table_sql(FOLLOW_PUPILS), {"trust": require_trust_id()})


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
