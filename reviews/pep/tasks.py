"""PEP documents rendered by the workers."""

from __future__ import annotations

from reviews.pep.documents import render_pep_document
from send.celery import tenant_task
from send.pdf import run_pdf_job


@tenant_task(name="reviews.render_pep_pdf", acks_late=True)
def render_pep_pdf(trust_id: int, job_id: int) -> str:
    return run_pdf_job(job_id, render_pep_document)
