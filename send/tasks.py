"""Core periodic tasks."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from send.celery import app

HEARTBEAT_KEY = "send:worker-heartbeat"


@app.task(name="send.tasks.heartbeat", ignore_result=True)
def heartbeat() -> float:
    """Beat sends this every minute; /healthz reads when a worker last ran it."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@app.task(name="send.tasks.access_log_partitions", ignore_result=True)
def access_log_partitions() -> int:
    """Each night: the access log's partitions for this month and the next three (send/access_log.py)."""
    from send.access_log import ensure_partitions

    return ensure_partitions(settings.ACCESS_LOG_MONTHS_AHEAD)
