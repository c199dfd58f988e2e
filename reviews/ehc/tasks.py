"""EHC documents rendered by the workers: the needs assessment evidence pack and the annual review report."""

from __future__ import annotations

import logging

from send.celery import tenant_task

log = logging.getLogger(__name__)


@tenant_task(name="reviews.render_ehc_pdf", acks_late=True)
def render_ehc_pdf(trust_id: int, job_id: int) -> str:
    """The evidence pack of an EHC needs assessment request, or an annual review's report for the LA."""
    from reviews.ehc.documents import render_ehc_document
    from send.pdf import PdfJob, fail_job, finish_job

    job = PdfJob.objects.select_related("requested_by").get(pk=job_id)
    if job.state != PdfJob.State.PENDING:
        return job.state
    try:
        pdf = render_ehc_document(job)
    except LookupError:
        fail_job(job, "You can no longer see this record.")
        return job.state
    except Exception:
        log.exception("Rendering PDF job %s failed", job.pk)
        fail_job(job, "The document could not be prepared. Try again; if it fails again, tell your administrator.")
        raise
    finish_job(job, pdf)
    return job.state
