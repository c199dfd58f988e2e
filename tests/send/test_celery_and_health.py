"""Celery tasks re-enter their tenant; /healthz names what is down, with a real worker and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from pupils.models import Pupil
from send import health
from send.celery import app, tenant_task
from send.tasks import HEARTBEAT_KEY, heartbeat
from send.tenancy import current_trust_id, tenant_context

# Runs a real worker on the test broker: tests that count its queue share this xdist worker (loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("celery_broker")]
ROOT = Path(__file__).resolve().parents[2]


@tenant_task(name="tests.count_pupils")
def count_pupils(trust_id: int) -> tuple[int | None, int]:
    return current_trust_id(), Pupil.objects.count()


def test_a_tenant_task_runs_inside_its_trust_and_sees_only_its_rows(world):
    # Executed in-process: the point is the scope the task body runs in, not the broker.
    trust_id, count = count_pupils.run(world.b.trust.pk)
    assert trust_id == world.b.trust.pk
    with tenant_context(world.b.trust.pk):
        assert count == Pupil.objects.count() == len(world.b.pupils)


def test_acks_late_and_reject_on_worker_lost_are_on():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def test_healthz_is_503_and_names_redis_and_the_worker_when_the_broker_is_unreachable(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    health.forget_public_report()  # the public answer is cached a few seconds
    response = Client().get("/healthz")
    health.forget_public_report()
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["down"] == ["redis", "worker"]


def test_healthz_is_200_with_a_real_worker_running(settings):
    """Publicly by the heartbeat the worker ran (beat sends it each minute); with the token, by a live ping."""
    settings.HEALTHZ_TOKEN = "health-check-token-for-the-test"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "send.settings", "DEBUG": "1"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "send",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-n",
            f"healthz-test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            response = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer health-check-token-for-the-test")
            status = response.status_code
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, response.json()
        assert response.json()["status"] == "ok"
        cache.delete(HEARTBEAT_KEY)
        heartbeat.delay()  # as beat does every minute; the worker runs it
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            health.forget_public_report()
            response = Client().get("/healthz")
            if response.status_code == 200:
                break
            time.sleep(0.5)
        assert response.status_code == 200, response.json()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
