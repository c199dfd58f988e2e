"""PDF documents rendered by Celery workers with WeasyPrint: tagged (PDF/UA), A4, real text.

One path for every document: a view calls `request_pdf` (a `PdfJob` row, queued once the transaction commits, and
the page that polls it); the task calls `run_pdf_job` with its render function, which owns the states (pending,
then ready with a file, or failed with a reason), the retries of a worker's passing failure, and the refusal when
the requester can no longer see the subject. Each kind of document registers how to tell whether the requester may
still see what it is about (`register_subject`), which is asked again at download; a document is kept
`PDF_KEEP_DAYS` days, then deleted (`delete_expired_jobs`, nightly).

WeasyPrint fetches nothing: its URL fetcher serves only `data:` URIs and our own static files, so no template
text (a school's name, a pupil's words) can make the worker call a URL or read a file.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

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

    @property
    def expires_at(self) -> dt.datetime:
        return self.created_at + dt.timedelta(days=settings.PDF_KEEP_DAYS)

    @property
    def has_expired(self) -> bool:
        return timezone.now() >= self.expires_at


def static_roots() -> list[Path]:
    """Where our own static files live: the only files a PDF may embed."""
    roots = [Path(str(settings.STATIC_ROOT))]
    for entry in settings.STATICFILES_DIRS:
        folder = entry[1] if isinstance(entry, (tuple, list)) else entry
        roots.append(Path(str(folder)))
    return [root.resolve() for root in roots]


def allowed_pdf_resource(url: str) -> bool:
    """`data:` URIs, and `file:` URLs inside our static files; never http(s), other files or other schemes."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file" or parts.netloc not in {"", "localhost"}:
        return False
    path = Path(unquote(parts.path)).resolve()
    return any(path.is_relative_to(root) for root in static_roots())


def pdf_url_fetcher() -> Any:
    """WeasyPrint's fetcher, refusing every resource `allowed_pdf_resource` does not allow."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not allowed_pdf_resource(url):
                raise ValueError(f"A PDF may not fetch {url[:80]!r}: only data: URIs and our static files")
            return super().fetch(url, headers)

    return StaticOnlyFetcher(allowed_protocols={"data", "file"}, allow_redirects=False)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """HTML template to a tagged PDF (PDF/UA-1), so screen readers get headings and text."""
    from weasyprint import HTML

    html = render_to_string(template, {**context, "printed_at": timezone.localtime()})
    document = HTML(string=html, base_url=str(settings.BASE_DIR / "static"), url_fetcher=pdf_url_fetcher())
    return bytes(document.write_pdf(pdf_variant="pdf/ua-1"))


# --- May the requester still see it? -------------------------------------------------------------------------

SubjectCheck = Callable[[Any, "PdfJob"], bool]
_subjects: dict[str, SubjectCheck] = {}


def register_subject(kind: str, check: SubjectCheck) -> None:
    """How to tell, for a kind of document, whether a person may still see what it is about."""
    _subjects[kind] = check


def visible_subject(model: Any, action: str = "view") -> SubjectCheck:
    """The usual check: the object named by the job's `subject_id` (a UUID) is visible to the person."""

    def check(user: Any, job: PdfJob) -> bool:
        from django.core.exceptions import ValidationError

        from send import policy

        try:
            return bool(policy.visible(user, model, action).filter(uuid=job.subject_id).exists())
        except ValidationError:
            return False

    return check


def may_still_open(user: Any, job: PdfJob) -> bool:
    """Re-authorised at download: the requester, within the keeping time, who may still see the subject. A kind
    with no registered check is refused (fail closed)."""
    check = _subjects.get(job.kind)
    return job.requested_by_id == user.pk and not job.has_expired and check is not None and check(user, job)


def delete_expired_jobs(now: dt.datetime | None = None) -> int:
    """Delete this trust's documents older than `PDF_KEEP_DAYS`, file and row."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.PDF_KEEP_DAYS)
    expired = list(PdfJob.objects.filter(created_at__lt=cutoff))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
    PdfJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)


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
