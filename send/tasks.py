"""Core periodic tasks."""

from __future__ import annotations

import time

from django.core.cache import cache

from send.celery import app

HEARTBEAT_KEY = "send:worker-heartbeat"


@app.task(name="send.tasks.heartbeat", ignore_result=True)
def heartbeat() -> float:
    """Beat sends this every minute; /healthz reads when a worker last ran it."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@app.task(name="send.tasks.delete_expired_pdfs", ignore_result=True)
def delete_expired_pdfs() -> int:
    """Each night, for every trust in turn (row-level security shows a job only inside its trust): delete prepared
    PDFs older than PDF_KEEP_DAYS."""
    from django.apps import apps
    from django.conf import settings

    from send.pdf import delete_expired_jobs
    from send.tenancy import no_tenant, tenant_context

    with no_tenant():
        trust_ids = list(apps.get_model(settings.TENANT_MODEL)._default_manager.values_list("pk", flat=True))
    deleted = 0
    for trust_id in trust_ids:
        with tenant_context(trust_id):
            deleted += delete_expired_jobs()
    return deleted
