"""The Celery app. Tasks take ids and a trust id, never model instances, and re-enter the tenant scope."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "send.settings")

app = Celery("send")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Scheduler(PersistentScheduler):
    """Celery beat's schedule file, in a folder that a fresh clone does not have yet (`var/`): beat makes it."""

    def _open_schedule(self) -> Any:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open_schedule()


def tenant_task(*task_args: Any, **task_kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a task whose first argument is the trust id; the body runs inside that tenant."""

    def decorator(func: Callable[..., Any]) -> Any:
        @wraps(func)
        def run(trust_id: int, *args: Any, **kwargs: Any) -> Any:
            from send.tenancy import tenant_context

            with tenant_context(trust_id):
                return func(trust_id, *args, **kwargs)

        return app.task(*task_args, **task_kwargs)(run)

    return decorator


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send a task only once the current transaction commits, so it never sees uncommitted rows."""
    from django.db import transaction

    transaction.on_commit(lambda: task.delay(*args, **kwargs))
