"""Passport pages: the current passport and its versions, editing (a new version), the SENCO's review,
and the class view for teachers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pupils import passports, selectors
from pupils.forms import PassportForm, PassportReviewForm
from pupils.models import Pupil
from pupils.tasks import render_passports_pdf
from schools.http import TenantRequest
from schools.models import SchoolClass
from send import policy
from send.audit import record_access, record_accesses
from send.forms import add_service_errors
from send.pdf import request_pdf
from send.shortcuts import get_visible_or_404, require, tenant_required


def _pupil(request: TenantRequest, pupil_uuid: str) -> Pupil:
    return get_visible_or_404(request, Pupil.objects.select_related("school", "school_class"), "view", uuid=pupil_uuid)


@tenant_required
def passport_edit(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = _pupil(request, pupil_uuid)
    require(request, "edit_passport", pupil)
    latest = passports.latest_version(pupil)
    initial = {name: getattr(latest, name) for name in passports.FIELDS} if latest else {}
    form = PassportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = passports.save_passport(pupil, written_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Passport version {version.number} saved; the SENCO will review it.")
            return redirect("pupils:record", pupil_uuid=pupil.uuid)
    return render(request, "pupils/passport_edit.html", {"form": form, "pupil": pupil, "latest": latest})


@tenant_required
def passport_versions(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = _pupil(request, pupil_uuid)
    versions = pupil.passport_versions.select_related("written_by", "reviewed_by").order_by("-number")
    record_access(request, pupil, action="view_passport_versions")
    return render(request, "pupils/passport_versions.html", {"pupil": pupil, "versions": versions})


@tenant_required
def passport_review(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = _pupil(request, pupil_uuid)
    require(request, "review_passport", pupil)
    latest = passports.latest_version(pupil)
    if latest is None:
        messages.error(request, "There is no passport to review yet.")
        return redirect("pupils:record", pupil_uuid=pupil.uuid)
    form = PassportReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passports.review_passport(
                latest,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                reviewed_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Passport version {latest.number}: {latest.get_status_display().lower()}.")
            return redirect("pupils:record", pupil_uuid=pupil.uuid)
    return render(request, "pupils/passport_review.html", {"form": form, "pupil": pupil, "version": latest})


@tenant_required
def class_passports(request: TenantRequest, class_uuid: str) -> HttpResponse:
    """Every SEND pupil in the class with their key strategies, on one screen (and one printed page)."""
    school_class = get_visible_or_404(request, SchoolClass.objects.select_related("school"), "view", uuid=class_uuid)
    rows = passports.class_passports(school_class, selectors.visible_pupils(request.user))
    record_accesses(request, [pupil for pupil, _ in rows], "view_class_passports")
    cutoff = passports.update_cutoff(school_class.school)
    entries = [
        {"pupil": pupil, "passport": version, "needs_updating": passports.needs_updating(version, school_class.school)}
        for pupil, version in rows
    ]
    return render(
        request, "pupils/class_passports.html", {"school_class": school_class, "entries": entries, "cutoff": cutoff}
    )


@tenant_required
def my_classes(request: TenantRequest) -> HttpResponse:
    classes: QuerySet[SchoolClass] = policy.visible(
        request.user, SchoolClass.objects.select_related("school")
    ).order_by("school__name", "name")
    return render(request, "pupils/my_classes.html", {"classes": classes})


@require_POST
@tenant_required
def passport_pdf(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = _pupil(request, pupil_uuid)
    return request_pdf(
        request,
        render_passports_pdf,
        kind="passport",
        title=f"Passport of {pupil.display_name}",
        subject_id=str(pupil.uuid),
    )


@require_POST
@tenant_required
def class_passports_pdf(request: TenantRequest, class_uuid: str) -> HttpResponse:
    school_class = get_visible_or_404(request, SchoolClass.objects.all(), "view", uuid=class_uuid)
    return request_pdf(
        request,
        render_passports_pdf,
        kind="class_passports",
        title=f"Passports of {school_class.name}",
        subject_id=str(school_class.uuid),
    )
