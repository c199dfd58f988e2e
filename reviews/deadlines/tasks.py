"""The deadline engine's jobs: the morning scan (statutory deadlines and plans' review dates) and the e-mail digests
(the outbox: see reviews.deadlines.outbox for why each is sent once)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reviews.deadlines.models import Digest
from schools.models import Trust
from send.celery import app, enqueue_on_commit, tenant_task
from send.tenancy import no_tenant


@app.task(name="reviews.scan_statutory_deadlines")
def scan_statutory_deadlines() -> int:
    """For every trust, one after the other: new reminders, then the day's digests; returns the new reminders."""
    with no_tenant():
        trust_ids = list(Trust.objects.values_list("pk", flat=True))
    return sum(scan_statutory_trust(trust_id) for trust_id in trust_ids)


@tenant_task(name="reviews.scan_statutory_trust")
def scan_statutory_trust(trust_id: int, day: str | None = None) -> int:
    from reviews.deadlines.outbox import build_digests, scan_deadlines
    from reviews.deadlines.services import sync_all_deadlines

    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    sync_all_deadlines()
    created = scan_deadlines(today)
    build_digests(today)
    # whenever any is unsent (not only new ones), so a send lost with the broker is retried the next morning
    if Digest.objects.filter(sent_at__isnull=True, failed_at__isnull=True).exists():
        enqueue_on_commit(send_digests, trust_id)
    return created


@tenant_task(name="reviews.send_digests", acks_late=True, reject_on_worker_lost=True)
def send_digests(trust_id: int) -> int:
    """Send every unsent digest of the trust, each in its own transaction (see reviews.deadlines.outbox)."""
    from reviews.deadlines.outbox import next_retry, send_next_digest

    sent = 0
    while (digest := send_next_digest()) is not None:
        sent += digest.sent_at is not None
    retry = next_retry()
    if retry is not None:  # a relay refused one for now: try it again then
        send_digests.apply_async((trust_id,), eta=retry)
    return sent
