"""Celery tasks for records: thin wrappers that re-enter the tenant."""

from __future__ import annotations

from records.access_services import prepare_export
from records.models import AccessRequest
from records.transfer_pack import render_transfer_pack
from send.celery import app, tenant_task
from send.pdf import run_pdf_job


@tenant_task(name="records.render_transfer_pack_pdf", acks_late=True)
def render_transfer_pack_pdf(trust_id: int, job_id: int) -> str:
    return run_pdf_job(job_id, render_transfer_pack)


@tenant_task(name="records.prepare_subject_access", acks_late=True)
def prepare_subject_access(trust_id: int, request_id: int) -> int:
    request = AccessRequest.objects.select_related("pupil__school").get(pk=request_id)
    return prepare_export(request).progress


@app.task(name="records.list_due_for_destruction")
def list_due_for_destruction_task() -> int:
    """Monthly: in every trust, one after the other, the records past their retention date become reviews."""
    from records.retention_services import list_due_for_destruction
    from schools.models import Trust
    from send.tenancy import no_tenant, tenant_context

    with no_tenant():
        trust_ids = list(Trust.objects.values_list("pk", flat=True))
    listed = 0
    for trust_id in trust_ids:
        with tenant_context(trust_id):
            listed += list_due_for_destruction()
    return listed
