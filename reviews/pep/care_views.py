"""Pages for the Virtual Schools a trust works with (their terms and final dates) and for a looked-after pupil's
care record: their Virtual School, social worker, carer and placement, the changes that ask for a new PEP,
leaving care, and the list of their PEPs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from reviews.pep import care_services, selectors
from reviews.pep.forms import CareEventForm, CareRecordForm, LeaveCareForm, VirtualSchoolForm, VirtualSchoolTermForm
from reviews.pep.models import CareRecord, Pep, VirtualSchool
from reviews.pep.views import page, pupil_or_404
from schools.http import TenantRequest
from schools.models import SchoolYear
from send import policy
from send.audit import record_access
from send.forms import save_form
from send.shortcuts import get_visible_or_404, require, tenant_required


@tenant_required
def virtual_schools(request: TenantRequest) -> HttpResponse:
    require(request, "view_looked_after", request.tenant.trust)
    schools: QuerySet[VirtualSchool] = policy.visible(
        request.user, VirtualSchool.objects.prefetch_related("terms__school_year")
    )
    can_change = policy.can(request.user, "manage_virtual_schools", request.tenant.trust)
    form = VirtualSchoolForm(request.POST or None) if can_change else None
    if request.method == "POST":
        require(request, "manage_virtual_schools", request.tenant.trust)
    if form is not None:
        saved = save_form(request, form, lambda data: care_services.save_virtual_school(None, **data), "Added.")
        if saved is not None:
            return redirect("reviews:virtual_school", vs_uuid=saved.uuid)
    context = {"virtual_schools": list(schools), "form": form, "can_change": can_change}
    return render(request, "reviews/pep/virtual_schools.html", context)


@tenant_required
def virtual_school(request: TenantRequest, vs_uuid: str) -> HttpResponse:
    """A Virtual School's details and its terms' final dates (a POST with `final_date` adds a term)."""
    found = get_visible_or_404(request, VirtualSchool.objects.all(), uuid=vs_uuid)
    can_change = policy.can(request.user, "change", found)
    if request.method == "POST":
        require(request, "change", found)
    fields = care_services.VIRTUAL_SCHOOL_FIELDS
    adding_term = "final_date" in request.POST
    form = VirtualSchoolForm(
        request.POST if request.method == "POST" and not adding_term else None,
        initial={name: getattr(found, name) for name in fields},
    )
    years = SchoolYear.objects.order_by("-starts_on")
    term_form = VirtualSchoolTermForm(request.POST if adding_term else None, years=years)
    if save_form(request, form, lambda data: care_services.save_virtual_school(found, **data), "Saved.") or (
        save_form(
            request, term_form, lambda data: care_services.save_virtual_school_term(found, None, **data), "Term added."
        )
    ):
        return redirect("reviews:virtual_school", vs_uuid=found.uuid)
    context = {
        "virtual_school": found,
        "terms": list(found.terms.select_related("school_year")),
        "form": form,
        "term_form": term_form,
        "can_change": can_change,
    }
    return render(request, "reviews/pep/virtual_school.html", context)


@tenant_required
def pupil_peps(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    """A looked-after pupil's care record, the changes recorded, their PEPs and their PEP dates."""
    pupil = pupil_or_404(request, pupil_uuid)
    blank = Pep(pupil=pupil, trust_id=pupil.trust_id)
    require(request, "view", blank)
    record_access(request, pupil, action="view_peps")
    context = {
        "pupil": pupil,
        "can_write": policy.can(request.user, "write", blank),
        "today": timezone.localdate(),
        **selectors.pupil_care(request.user, pupil),
    }
    return render(request, "reviews/pep/pupil.html", context)


@tenant_required
def care_edit(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = pupil_or_404(request, pupil_uuid)
    record = CareRecord.objects.filter(pupil=pupil).first()
    require(request, "write", record or CareRecord(pupil=pupil, trust_id=pupil.trust_id))
    fields = care_services.CARE_FIELDS
    initial = {name: getattr(record, name) for name in fields} if record else {}
    schools: QuerySet[VirtualSchool] = policy.visible(request.user, VirtualSchool.objects.all())
    form = CareRecordForm(request.POST or None, initial=initial, virtual_schools=schools, new=record is None)
    saved = save_form(
        request,
        form,
        lambda data: care_services.save_care_record(pupil, record, by=request.user, **data),
        "Care record saved: the PEP dates follow it.",
    )
    if saved is not None:
        return redirect("reviews:pep_pupil", pupil_uuid=pupil.uuid)
    back = reverse("reviews:pep_pupil", args=[pupil.uuid])
    return page(request, form, title="Care record", caption=pupil.display_name, back=back, button="Save")


def _record_or_404(request: TenantRequest, pupil_uuid: str) -> CareRecord:
    pupil = pupil_or_404(request, pupil_uuid)
    record = get_visible_or_404(request, CareRecord.objects.select_related("pupil"), pupil=pupil)
    require(request, "write", record)
    return record


@tenant_required
def care_event_new(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    record = _record_or_404(request, pupil_uuid)
    form = CareEventForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda data: care_services.record_care_event(record, by=request.user, **data),
        "Recorded: a new PEP is due within 10 working days.",
    )
    if saved is not None:
        return redirect("reviews:pep_pupil", pupil_uuid=record.pupil.uuid)
    back = reverse("reviews:pep_pupil", args=[record.pupil.uuid])
    title = "A change of placement or school"
    return page(request, form, title=title, caption=record.pupil.display_name, back=back, button="Record it")


@tenant_required
def leave_care(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    record = _record_or_404(request, pupil_uuid)
    form = LeaveCareForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda data: care_services.leave_care(record.pupil, by=request.user, **data),
        "Recorded: the pupil is now previously looked after; their PEPs are kept, read-only.",
    )
    if saved is not None:
        return redirect("reviews:pep_pupil", pupil_uuid=record.pupil.uuid)
    back = reverse("reviews:pep_pupil", args=[record.pupil.uuid])
    title = "Leaving care"
    return page(request, form, title=title, caption=record.pupil.display_name, back=back, button="Record it")
