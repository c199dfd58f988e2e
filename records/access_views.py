"""Pages for subject access and educational-record requests: log one, follow its preparation, review, release, and
download the zip (after a step-up, audited)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pupils.models import Pupil
from records import access_services
from records.forms import AccessRequestForm, ReleaseForm
from records.models import AccessRequest
from records.tasks import prepare_subject_access
from schools.http import TenantRequest
from schools.security import reauthentication_required
from send.audit import record_access
from send.celery import enqueue_on_commit
from send.forms import save_form
from send.shortcuts import get_visible_or_404, require, tenant_required


@tenant_required
def access_request_new(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "change", AccessRequest(pupil=pupil, trust_id=pupil.trust_id))
    form = AccessRequestForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> AccessRequest:
        saved = access_services.record_access_request(
            pupil, kind=data["kind"], requester=data["requester"], received_on=data["received_on"], by=request.user
        )
        enqueue_on_commit(prepare_subject_access, saved.trust_id, saved.pk)
        return saved

    saved = save_form(request, form, save, "Request logged; the record is being prepared.")
    if saved is not None:
        return redirect("records:access_request", access_request_uuid=saved.uuid)
    return render(request, "records/access_request_new.html", {"form": form, "pupil": pupil})


def _access_request(request: TenantRequest, access_request_uuid: str) -> AccessRequest:
    queryset = AccessRequest.objects.select_related("pupil__school", "released_by")
    return get_visible_or_404(request, queryset, "view", uuid=access_request_uuid)


@tenant_required
def access_request(request: TenantRequest, access_request_uuid: str) -> HttpResponse:
    found = _access_request(request, access_request_uuid)
    form = ReleaseForm() if found.prepared_at and not found.released_on else None
    template = "records/_access_progress.html" if request.htmx else "records/access_request.html"
    return render(request, template, {"access_request": found, "form": form})


@require_POST
@tenant_required
def access_request_release(request: TenantRequest, access_request_uuid: str) -> HttpResponse:
    found = _access_request(request, access_request_uuid)
    require(request, "change", found)
    form = ReleaseForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: access_services.release(found, released_on=data["released_on"], by=request.user),
        "Released: the deadline is met.",
    )
    if saved is not None:
        return redirect("records:access_request", access_request_uuid=found.uuid)
    return render(request, "records/access_request.html", {"access_request": found, "form": form})


@tenant_required
@reauthentication_required
def access_request_download(request: TenantRequest, access_request_uuid: str) -> HttpResponseBase:
    """The zip, after a step-up; every download is in the access log."""
    found = _access_request(request, access_request_uuid)
    require(request, "change", found)
    if not found.export:
        raise Http404("Not prepared yet")
    record_access(request, found.pupil, action="download_subject_access", detail={"request": str(found.uuid)})
    return FileResponse(found.export.open("rb"), as_attachment=True, filename=f"subject-access-{found.received_on}.zip")
