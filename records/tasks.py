"""Celery tasks for records: thin wrappers that re-enter the tenant."""

from __future__ import annotations

from records.access_services import prepare_export
from records.models import AccessRequest
from records.transfer_pack import render_transfer_pack
from send.celery import tenant_task
from send.pdf import run_pdf_job


@tenant_task(name="records.render_transfer_pack_pdf", acks_late=True)
def render_transfer_pack_pdf(trust_id: int, job_id: int) -> str:
    return run_pdf_job(job_id, render_transfer_pack)


@tenant_task(name="records.prepare_subject_access", acks_late=True)
def prepare_subject_access(trust_id: int, request_id: int) -> int:
    request = AccessRequest.objects.select_related("pupil__school").get(pk=request_id)
    return prepare_export(request).progress
