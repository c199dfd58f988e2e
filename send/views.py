"""The core's own pages: downloads of stored files and prepared PDFs, and the health check. (Home and the
switcher belong to the schools app, which knows trusts and schools.)"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.text import slugify
from django.views.decorators.cache import never_cache

from send import health, pdf, uploads
from send.audit import record_access
from send.pdf import PdfJob
from send.shortcuts import get_visible_or_404, tenant_required


@tenant_required
def file_download(request: HttpRequest, file_uuid: str) -> HttpResponseBase:
    """Serve a stored file as an attachment if the user may view its owner; 404 otherwise; log the access."""
    found = uploads.downloadable(request.user, file_uuid)
    if found is None:
        raise Http404("No such file")
    stored, owner = found
    record_access(request, owner, action="download")
    return FileResponse(
        stored.file.open("rb"), as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )


@tenant_required
def document(request: HttpRequest, job_uuid: str) -> HttpResponse:
    """A PDF being prepared: the page refreshes itself (no JavaScript needed) until it is ready."""
    job = get_visible_or_404(request, PdfJob.objects.all(), "view", uuid=job_uuid)
    if job.has_expired:
        raise Http404("This document has expired")
    return render(request, "documents/document.html", {"job": job})


@tenant_required
def document_download(request: HttpRequest, job_uuid: str) -> HttpResponseBase:
    """Re-authorised now, not when asked for: a requester who can no longer see the pupil (or class, or plan)
    gets nothing, nor does anyone once the document has expired."""
    job = get_visible_or_404(request, PdfJob.objects.all(), "view", uuid=job_uuid)
    if not pdf.may_still_open(request.user, job):
        raise Http404("Not found")
    if job.state != PdfJob.State.READY:
        return redirect("document", job_uuid=job.uuid)
    record_access(request, job, action="download_pdf")
    filename = f"{slugify(job.title) or 'document'}.pdf"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Cheap and cached for anyone; a live ping of the workers only with `Authorization: Bearer <HEALTHZ_TOKEN>`."""
    token = settings.HEALTHZ_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and constant_time_compare(header, f"Bearer {token}"):
        report = health.check_all(ping_workers=True)
    else:
        report = health.public_report()
    return JsonResponse(report.as_dict(), status=200 if report.ok else 503)
