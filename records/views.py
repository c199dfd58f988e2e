"""Pages for records that follow the pupil: import a CTF (and resolve its conflicts), download a pupil's CTF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from pupils.models import Pupil
from records import ctf_schema as ctf
from records import selectors
from records.ctf_export import build_ctf
from records.ctf_reader import CtfRefused
from records.ctf_services import import_ctf, resolve_conflicts
from records.forms import CtfExportForm, CtfUploadForm
from records.models import CtfImport
from schools.http import TenantRequest
from schools.models import School
from schools.security import reauthentication_required
from send import policy
from send.audit import record_access
from send.forms import add_service_errors
from send.shortcuts import get_visible_or_404, require, tenant_required


def _require_import(request: TenantRequest) -> None:
    if not policy.can(request.user, "import_ctf", request.tenant.trust):
        raise PermissionDenied


@tenant_required
def ctf_upload(request: TenantRequest) -> HttpResponse:
    """The SENCO reads in a joining pupil's CTF: all of it, or nothing, with every problem named."""
    _require_import(request)
    schools: QuerySet[School] = policy.visible(request.user, School.objects.order_by("name"), "add_pupil")
    bound = request.method == "POST"
    form = CtfUploadForm(request.POST if bound else None, request.FILES if bound else None, schools=schools)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_ctf(
                upload.read(), file_name=upload.name, school=form.cleaned_data["school"], user=request.user
            )
        except CtfRefused as refused:
            for problem in refused.problems:
                form.add_error("file", problem)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"CTF read: {len(result.pupils)} pupil(s).")
            return render(request, "records/ctf_result.html", {"result": result})
    return render(request, "records/ctf_upload.html", {"form": form})


@tenant_required
def ctf_imports(request: TenantRequest) -> HttpResponse:
    """The CTFs read in, with the conflicts still to resolve first."""
    _require_import(request)
    return render(
        request,
        "records/ctf_imports.html",
        {
            "open": selectors.imports_with_open_conflicts(request.user),
            "recent": selectors.visible_imports(request.user)[:50],
        },
    )


@tenant_required
def ctf_import_detail(request: TenantRequest, import_uuid: str) -> HttpResponse:
    record = get_visible_or_404(request, CtfImport.objects.select_related("school", "pupil"), "view", uuid=import_uuid)
    if request.method == "POST":
        require(request, "resolve", record)
        try:
            resolve_conflicts(record, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Conflicts marked as resolved.")
        return redirect("records:ctf_import", import_uuid=record.uuid)
    return render(request, "records/ctf_import.html", {"record": record})


@tenant_required
@reauthentication_required
def ctf_export(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    """Download a pupil's CTF (SEN part) for the next school: those who keep the register; the download is logged."""
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "change", pupil)
    form = CtfExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        destination = form.cleaned_data["destination"]
        try:
            content = build_ctf(pupil, destination=destination)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            record_access(request, pupil, action="export_ctf", detail={"destination": destination or "unknown"})
            response = HttpResponse(content, content_type="application/xml")
            dest = destination or f"{ctf.UNKNOWN_LEA}{ctf.UNKNOWN_ESTAB}"
            name = f"{pupil.school.laestab}_CTF_{dest}_{timezone.localdate():%Y%m%d}.xml"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(request, "records/ctf_export.html", {"form": form, "pupil": pupil})
