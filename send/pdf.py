"""PDF documents rendered by Celery workers with WeasyPrint: tagged (PDF/UA), A4, real text.

One path for every document: a view calls `request_pdf` (a `PdfJob` row, queued once the transaction commits, and
the page that polls it); the task calls `run_pdf_job` with its render function, which owns the states (pending,
then ready with a file, or failed with a reason), the retries of a worker's passing failure, and the refusal when
the requester can no longer see the subject. Jobs and their files expire after `PDF_KEEP_DAYS` (`expire_pdf_jobs`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import ScopedManager

from send.celery import enqueue_on_commit
from send.tenancy import require_trust_id

log = logging.getLogger(__name__)


def _private_storage() -> Any:
    return storages["private"]


def _pdf_path(instance: PdfJob, filename: str) -> str:
    return f"trust-{instance.trust_id}/pdf/{instance.uuid}.pdf"


class PdfJob(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    trust_id = models.BigIntegerField(db_index=True, editable=False)
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    subject_id = models.CharField(max_length=300, help_text="What the document is about: a UUID, or a query")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    file = models.FileField(storage=_private_storage, upload_to=_pdf_path, blank=True, max_length=200)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(trust="trust_id")

    class Meta:
        app_label = "send"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.state})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.trust_id is None:
            self.trust_id = require_trust_id()
        super().save(*args, **kwargs)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """HTML template to a tagged PDF (PDF/UA-1), so screen readers get headings and text."""
    from weasyprint import HTML

    html = render_to_string(template, {**context, "printed_at": timezone.localtime()})
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1"))


class NoLongerVisible(Exception):
    """The requester can no longer see what the document is about: the job fails with that reason, no retry."""


def request_pdf(request: HttpRequest, task: Any, *, kind: str, title: str, subject_id: str) -> HttpResponse:
    """Queue a document for the worker (once the transaction commits) and send the user to its page."""
    requester: Any = request.user  # signed in: the views that call this are behind tenant_required
    job = PdfJob.objects.create(kind=kind, title=title[:200], subject_id=subject_id, requested_by=requester)
    enqueue_on_commit(task, job.trust_id, job.pk)
    return redirect("document", job_uuid=job.uuid)


NOT_VISIBLE = "You can no longer see this record."
NOT_PREPARED = "The document could not be prepared. Try again; if it fails again, tell your administrator."


def run_pdf_job(job_id: int, render: Callable[[PdfJob], bytes]) -> str:
    """Render a pending job with `render(job)` (inside the task's tenant) and record how it ended.

    A job already finished (a redelivered task) is left as it is. `render` raises `NoLongerVisible` (or a model's
    `DoesNotExist`, from a permission-filtered lookup) when the requester may no longer see the subject. Any other
    error is retried by Celery with backoff, `PDF_RETRIES` times, before the job fails with a reason to show.
    """
    from celery import current_task

    job = PdfJob.objects.select_related("requested_by").get(pk=job_id)
    if job.state != PdfJob.State.PENDING:
        return job.state
    try:
        pdf = render(job)
    except (NoLongerVisible, ObjectDoesNotExist, LookupError):
        fail_job(job, NOT_VISIBLE)
        return job.state
    except Exception as error:
        request = getattr(current_task, "request", None)
        retries = getattr(request, "retries", 0) or 0
        if (
            current_task is not None
            and request is not None
            and not request.called_directly
            and retries < settings.PDF_RETRIES
        ):
            log.warning("Rendering PDF job %s failed (try %s); retrying", job.pk, retries + 1, exc_info=True)
            raise current_task.retry(exc=error, countdown=2**retries * 10) from error
        log.exception("Rendering PDF job %s failed", job.pk)
        fail_job(job, NOT_PREPARED)
        raise
    finish_job(job, pdf)
    return job.state


def expire_pdf_jobs(now: dt.datetime | None = None) -> int:
    """Delete prepared documents (rows and files) older than PDF_KEEP_DAYS; returns how many. Cross-tenant by
    design: called by the beat task with no tenant, it reads only ids and paths."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.PDF_KEEP_DAYS)
    expired = list(PdfJob.objects.filter(created_at__lt=cutoff).values_list("pk", "file"))
    storage = _private_storage()
    for _, name in expired:
        if name:
            storage.delete(name)
    PdfJob.objects.filter(pk__in=[pk for pk, _ in expired]).delete()
    return len(expired)


def finish_job(job: PdfJob, pdf: bytes) -> PdfJob:
    job.file.save(f"{job.uuid}.pdf", ContentFile(pdf), save=False)
    job.state = PdfJob.State.READY
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "state", "finished_at"])
    return job


def fail_job(job: PdfJob, reason: str) -> PdfJob:
    job.state = PdfJob.State.FAILED
    job.error = reason[:300]
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])
    return job


def _register_policy() -> None:
    """A prepared document belongs to the person who asked for it: only they see or download it."""
    from send import policy

    @policy.register(PdfJob)
    class PdfJobRule(policy.Rule):
        actions = ("view",)

        def visible(self, user: Any, queryset: Any, action: str) -> Any:
            return queryset.filter(requested_by_id=user.pk)

        def can(self, user: Any, action: str, obj: Any) -> bool:
            return bool(obj.requested_by_id == user.pk)


_register_policy()
