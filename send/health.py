"""Liveness of what the app needs: the database, Redis and at least one Celery worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

WORKER_PING_TIMEOUT = 1.0


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


def check_all() -> HealthReport:
    report = HealthReport()
    report.checks["database"] = check_database()
    report.checks["redis"] = check_redis()
    report.checks["worker"] = check_worker() if report.checks["redis"] == "ok" else "down: no broker"
    return report
