"""Liveness of what the app needs: the database, Redis and at least one Celery worker.

The public answer (anyone may ask, and load balancers ask often) is cheap: the database and Redis are checked
at most once every `HEALTHZ_CACHE_SECONDS` per process, and the workers by the heartbeat they leave in Redis
every minute (beat sends it). Pinging the workers live waits up to a second, so only a caller with
`HEALTHZ_TOKEN` can ask for it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

WORKER_PING_TIMEOUT = 1.0
# A worker that ran the heartbeat task (every minute) within this many seconds is counted as up.
HEARTBEAT_MAX_AGE = 180


@dataclass
class HealthReport:
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(state == "ok" for state in self.checks.values())

    @property
    def down(self) -> list[str]:
        return [name for name, state in self.checks.items() if state != "ok"]

    def as_dict(self) -> dict[str, object]:
        return {"status": "ok" if self.ok else "down", "checks": self.checks, "down": self.down}


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down", with its reason
        return f"down: {type(error).__name__}"
    return "ok"


def check_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as error:  # noqa: BLE001
        return f"down: {type(error).__name__}"
    return "ok"


def check_worker() -> str:
    from send.celery import app

    try:
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT)
    except Exception as error:  # noqa: BLE001
        return f"down: {type(error).__name__}"
    return "ok" if replies else "down: no worker answered"


def check_heartbeat() -> str:
    """Whether a worker ran the beat's heartbeat lately: one Redis read, no waiting on workers."""
    import redis

    from send.tasks import HEARTBEAT_KEY

    try:
        last = _cache_get(HEARTBEAT_KEY)
    except (redis.RedisError, OSError) as error:
        return f"down: {type(error).__name__}"
    if last is None:
        return "down: no heartbeat yet"
    age = time.time() - float(str(last))
    return "ok" if age <= HEARTBEAT_MAX_AGE else f"down: no heartbeat for {int(age)} s"


def _cache_get(key: str) -> object:
    from django.core.cache import cache

    return cache.get(key)


def check_all(ping_workers: bool = True) -> HealthReport:
    """Every check; the workers by a live ping (up to a second), or by their heartbeat."""
    report = HealthReport()
    report.checks["database"] = check_database()
    report.checks["redis"] = check_redis()
    if report.checks["redis"] != "ok":
        report.checks["worker"] = "down: no broker"
    else:
        report.checks["worker"] = check_worker() if ping_workers else check_heartbeat()
    return report


_public: dict[str, tuple[float, HealthReport]] = {}
_public_lock = threading.Lock()


def public_report() -> HealthReport:
    """The anonymous answer: the heartbeat instead of a ping, cached a few seconds in this process, so that a
    flood of requests costs one check every few seconds and nothing ever waits on the workers."""
    now = time.monotonic()
    with _public_lock:
        cached = _public.get("report")
        if cached is not None and now - cached[0] < settings.HEALTHZ_CACHE_SECONDS:
            return cached[1]
        report = check_all(ping_workers=False)
        _public["report"] = (now, report)
        return report


def forget_public_report() -> None:
    """For tests and settings changes: the next public request checks again."""
    with _public_lock:
        _public.clear()
