"""EHC documents rendered by the workers: the needs assessment evidence pack and the annual review report."""

from __future__ import annotations

from reviews.ehc.documents import render_ehc_document
from send.celery import tenant_task
from send.pdf import run_pdf_job


@tenant_task(name="reviews.render_ehc_pdf", acks_late=True)
def render_ehc_pdf(trust_id: int, job_id: int) -> str:
    return run_pdf_job(job_id, render_ehc_document)
