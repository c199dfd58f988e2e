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
