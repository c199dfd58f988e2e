"""PEP pages: the designated teacher's home (every looked-after and previously looked-after pupil, by Virtual
School), a pupil's PEPs, one PEP, its sections and targets, its states and the Virtual School's verdict. Care
records and Virtual Schools are in `care_views`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews.pep import selectors, services
from reviews.pep.documents import pep_export as pep_export_data
from reviews.pep.forms import PepForm, PepTargetForm, StartPepForm, VerdictForm
from reviews.pep.models import CareRecord, Pep, PepTarget, VirtualSchoolTerm
from reviews.pep.tasks import render_pep_pdf
from schools.http import TenantRequest
from send import policy
from send.audit import record_access
from send.forms import save_form
from send.pdf import request_pdf
from send.shortcuts import get_visible_or_404, require, tenant_required


def page(request: TenantRequest, form: Form, *, title: str, caption: str, back: str, button: str) -> HttpResponse:
    context = {"form": form, "title": title, "caption": caption, "back": back, "button": button}
    return render(request, "reviews/ehc/form.html", context)


def pupil_or_404(request: TenantRequest, pupil_uuid: str) -> Pupil:
    return get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)


def pep_or_404(request: TenantRequest, pep_uuid: str, action: str = "view") -> Pep:
    found = get_visible_or_404(
        request, Pep.objects.select_related("pupil__school", "virtual_school", "term__school_year"), uuid=pep_uuid
    )
    if action != "view":
        require(request, action, found)
    return found


@tenant_required
def home(request: TenantRequest) -> HttpResponse:
    """The designated teacher's home: one view across every Virtual School."""
    require(request, "view_looked_after", request.tenant.trust)
    today = timezone.localdate()
    groups = selectors.looked_after_home(request.user, today)
    return render(request, "reviews/pep/home.html", {"groups": groups, "today": today})


@tenant_required
def pep_new(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = pupil_or_404(request, pupil_uuid)
    require(request, "write", Pep(pupil=pupil, trust_id=pupil.trust_id))
    record = CareRecord.objects.filter(pupil=pupil).first()
    terms = VirtualSchoolTerm.objects.filter(virtual_school_id=record.virtual_school_id if record else None)
    form = StartPepForm(
        request.POST or None, terms=terms.select_related("school_year"), initial={"started_on": timezone.localdate()}
    )
    saved = save_form(
        request,
        form,
        lambda data: services.start_pep(pupil, by=request.user, **data),
        "PEP started: its date is on the calendar.",
    )
    if saved is not None:
        return redirect("reviews:pep", pep_uuid=saved.uuid)
    back = reverse("reviews:pep_pupil", args=[pupil.uuid])
    return page(request, form, title="Start a PEP", caption=pupil.display_name, back=back, button="Start the PEP")


@tenant_required
def pep_detail(request: TenantRequest, pep_uuid: str) -> HttpResponse:
    pep = pep_or_404(request, pep_uuid)
    record_access(request, pep.pupil, action="view_pep")
    context = {
        "pep": pep,
        "pupil": pep.pupil,
        "can_write": policy.can(request.user, "write", pep),
        "today": timezone.localdate(),
        **selectors.pep_detail(pep),
    }
    return render(request, "reviews/pep/pep.html", context)


@tenant_required
def pep_edit(request: TenantRequest, pep_uuid: str) -> HttpResponse:
    pep = pep_or_404(request, pep_uuid, "write")
    headings = pep.virtual_school.section_headings
    initial = {name: getattr(pep, name) for name in services.PEP_FIELDS}
    initial.update({f"extra_{i}": pep.extra.get(heading, "") for i, heading in enumerate(headings)})
    form = PepForm(request.POST or None, initial=initial, headings=headings)
    saved = save_form(
        request,
        form,
        lambda data: services.update_pep(pep, by=request.user, extra=form.extra(), **form.sections()),
        "PEP saved.",
    )
    if saved is not None:
        return redirect("reviews:pep", pep_uuid=pep.uuid)
    back = reverse("reviews:pep", args=[pep.uuid])
    return page(request, form, title="Write the PEP", caption=pep.pupil.display_name, back=back, button="Save")


@tenant_required
def target_edit(request: TenantRequest, pep_uuid: str, pep_target_uuid: str | None = None) -> HttpResponse:
    pep = pep_or_404(request, pep_uuid, "write")
    target = (
        get_visible_or_404(request, PepTarget.objects.filter(pep=pep), uuid=pep_target_uuid)
        if pep_target_uuid
        else None
    )
    initial = {name: getattr(target, name) for name in services.TARGET_FIELDS} if target else {}
    groups = InterventionGroup.objects.filter(school_id=pep.pupil.school_id).select_related("intervention")
    form = PepTargetForm(request.POST or None, initial=initial, groups=groups)
    saved = save_form(request, form, lambda data: services.save_target(pep, target, **data), "Target saved.")
    if saved is not None:
        return redirect("reviews:pep", pep_uuid=pep.uuid)
    back = reverse("reviews:pep", args=[pep.uuid])
    title = "Change the target" if target else "Add a SMART target"
    return page(request, form, title=title, caption=pep.pupil.display_name, back=back, button="Save the target")


@require_POST
@tenant_required
def pep_transition(request: TenantRequest, pep_uuid: str, action: str) -> HttpResponse:
    pep = pep_or_404(request, pep_uuid, "write")
    try:
        services.transition(pep, action, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"PEP: {services.ACTION_LABELS.get(action, action)} done.")
    return redirect("reviews:pep", pep_uuid=pep.uuid)


@tenant_required
def pep_verdict(request: TenantRequest, pep_uuid: str) -> HttpResponse:
    """The Virtual School's quality assurance, recorded by the school: rating, comments, complete or returned."""
    pep = pep_or_404(request, pep_uuid, "write")
    form = VerdictForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda data: services.record_verdict(pep, by=request.user, **data),
        "The Virtual School's verdict is recorded.",
    )
    if saved is not None:
        return redirect("reviews:pep", pep_uuid=pep.uuid)
    back = reverse("reviews:pep", args=[pep.uuid])
    title = "Record the Virtual School's verdict"
    return page(request, form, title=title, caption=pep.pupil.display_name, back=back, button="Record it")


@require_POST
@tenant_required
def pep_pdf(request: TenantRequest, pep_uuid: str) -> HttpResponse:
    pep = pep_or_404(request, pep_uuid)
    title = f"PEP of {pep.pupil.display_name}, due {pep.due_on:%-d %b %Y}"
    return request_pdf(request, render_pep_pdf, kind="pep", title=title, subject_id=str(pep.uuid))


@tenant_required
def pep_export(request: TenantRequest, pep_uuid: str) -> HttpResponse:
    """The PEP as JSON that a Virtual School's system can load (downloaded: no Virtual School has an API)."""
    pep = pep_or_404(request, pep_uuid)
    record_access(request, pep.pupil, action="export_pep")
    response = JsonResponse(pep_export_data(pep), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="pep-{pep.uuid}.json"'
    return response
