"""PDF documents rendered by Celery workers with WeasyPrint: tagged (PDF/UA), A4, real text.

A `PdfJob` row is what the page polls: pending, then ready with a file, or failed with a reason.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import ScopedManager

from send.tenancy import require_trust_id


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
    subject_id = models.CharField(max_length=64, help_text="The UUID of what the document is about")
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
        def visible(self, user: Any, queryset: Any, action: str) -> Any:
            return queryset.filter(requested_by_id=user.pk)

        def can(self, user: Any, action: str, obj: Any) -> bool:
            return bool(obj.requested_by_id == user.pk)


_register_policy()
