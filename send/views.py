"""Home, the school switcher and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from schools.models import School
from send import health, pdf, policy, uploads
from send.audit import record_access
from send.middleware import SESSION_SCHOOL, SESSION_TRUST
from send.pdf import PdfJob
from send.shortcuts import get_visible_or_404, tenant_required


@tenant_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role where it works: pupil roles to the register, admins to the admin area, governors to figures."""
    if policy.can(request.user, "view_pupils", request.tenant.trust):  # type: ignore[attr-defined]
        return redirect("pupils:register")
    if policy.can(request.user, "manage", request.tenant.trust):  # type: ignore[attr-defined]
        return redirect("schools:admin_home")
    if policy.can(request.user, "view_reports", request.tenant.trust):  # type: ignore[attr-defined]
        return redirect("pupils:summary")
    return render(request, "home.html")


@login_required
@require_http_methods(["GET", "POST"])
def switch(request: HttpRequest) -> HttpResponse:
    """Choose the trust (for people with roles in several) and the school to focus on."""
    tenant = request.tenant  # type: ignore[attr-defined]
    if request.method == "POST":
        if "trust" in request.POST:
            wanted = request.POST["trust"]
            chosen = next((c.trust for c in tenant.choices if str(c.trust.pk) == wanted), None)
            if chosen is None:
                messages.error(request, "Choose one of your trusts.")
                return redirect("switch")
            request.session.cycle_key()
            request.session[SESSION_TRUST] = chosen.pk
            request.session.pop(SESSION_SCHOOL, None)
            messages.success(request, f"You are now working in {chosen.name}.")
            return redirect("home")
        if "school" in request.POST and tenant.trust is not None:
            wanted = request.POST["school"]
            if wanted == "all":
                request.session.pop(SESSION_SCHOOL, None)
                return redirect(_own_path(request, request.POST.get("next", "")))
            mine: list[School] = list(policy.visible(request.user, School.objects.all(), "view"))
            school = next((s for s in mine if str(s.uuid) == wanted), None)
            if school is None:
                messages.error(request, "Choose one of your schools.")
                return redirect("switch")
            request.session[SESSION_SCHOOL] = school.pk
            messages.success(request, f"Showing {school.name}.")
            return redirect("home")
        return redirect("switch")
    schools: list[School] = (
        list(policy.visible(request.user, School.objects.order_by("name"), "view")) if tenant.trust is not None else []
    )
    return render(request, "switch.html", {"choices": tenant.choices, "schools": schools})


def _own_path(request: HttpRequest, target: str) -> str:
    """Where to go back to: one of our own pages, never another site (`//evil.example`, `https://evil.example`)."""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@tenant_required
def file_download(request: HttpRequest, file_uuid: str) -> HttpResponse:
    return uploads.download(request, file_uuid)  # type: ignore[return-value]


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
