"""Tasks are sent only when the transaction commits, so a worker never looks for rows that are not there."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from send.celery import app, enqueue_on_commit
from send.tasks import heartbeat

# Counts the broker queue that the real-worker test of test_celery_and_health consumes: same xdist worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("celery_broker")]


def queue_length() -> int:
    return int(redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery"))


def test_a_task_is_sent_on_commit_not_before(django_capture_on_commit_callbacks):
    app.control.purge()
    before = queue_length()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(heartbeat)
        assert queue_length() == before
    assert len(callbacks) == 1
    callbacks[0]()
    assert queue_length() == before + 1
    app.control.purge()
