"""Core periodic tasks."""

from __future__ import annotations

import time

from django.core.cache import cache

from send.celery import app, tenant_task

HEARTBEAT_KEY = "send:worker-heartbeat"


@app.task(name="send.tasks.heartbeat", ignore_result=True)
def heartbeat() -> float:
    """Beat sends this every minute; /healthz reads when a worker last ran it."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@app.task(name="send.expire_pdf_jobs")
def expire_pdf_jobs_everywhere() -> int:
    """Every trust, one after the other (row-level security shows a job only inside its trust)."""
    from django.apps import apps
    from django.conf import settings

    from send.tenancy import no_tenant

    with no_tenant():
        trust_ids = list(apps.get_model(settings.TENANT_MODEL).objects.values_list("pk", flat=True))
    return sum(expire_trust_pdf_jobs(trust_id) for trust_id in trust_ids)


@tenant_task(name="send.expire_trust_pdf_jobs")
def expire_trust_pdf_jobs(trust_id: int) -> int:
    from send.pdf import expire_pdf_jobs

    return expire_pdf_jobs()
