"""EHC pages: needs assessment requests and their evidence pack, and EHC plans (sections A–K, outcomes, provision,
amendments, ceasing). Annual reviews are in `review_views`; the statutory calendar and reminders in
`reviews.deadlines.views`."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews import statutory
from reviews.deadlines.models import Deadline
from reviews.ehc import exemption_services, selectors, services
from reviews.ehc.documents import EVIDENCE_PACK
from reviews.ehc.forms import (
    AmendmentForm,
    CeaseForm,
    ExemptionForm,
    OutcomeForm,
    PlanForm,
    ProvisionForm,
    RequestForm,
)
from reviews.ehc.models import EhcAssessmentRequest, EhcOutcome, EhcPlan, EhcProvision
from reviews.ehc.tasks import render_ehc_pdf
from schools.http import TenantRequest
from send import policy
from send.audit import record_access
from send.forms import save_form
from send.pdf import request_pdf
from send.shortcuts import get_visible_or_404, require, tenant_required
from send.uploads import files_of


def page(request: TenantRequest, form: Form, *, title: str, caption: str, back: str, button: str) -> HttpResponse:
    """The one form page of the EHC records: a form, where it is about, the way back."""
    context = {"form": form, "title": title, "caption": caption, "back": back, "button": button}
    return render(request, "reviews/ehc/form.html", context)


def pupil_or_404(request: TenantRequest, pupil_uuid: str) -> Pupil:
    return get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)


def pdf(request: TenantRequest, kind: str, title: str, subject: Any) -> HttpResponse:
    return request_pdf(request, render_ehc_pdf, kind=kind, title=title, subject_id=str(subject.uuid))


def _request(request: TenantRequest, request_uuid: str, action: str = "view") -> EhcAssessmentRequest:
    found = get_visible_or_404(request, EhcAssessmentRequest.objects.select_related("pupil__school"), uuid=request_uuid)
    if action != "view":
        require(request, action, found)
    return found


def _plan(request: TenantRequest, plan_uuid: str, action: str = "view") -> EhcPlan:
    found = get_visible_or_404(
        request, EhcPlan.objects.select_related("pupil__school", "pupil__school_class", "document"), uuid=plan_uuid
    )
    if action != "view":
        require(request, action, found)
    return found


def _plan_page(request: TenantRequest, plan: EhcPlan, form: Form, title: str, button: str = "Save") -> HttpResponse:
    back = reverse("reviews:ehc_plan", args=[plan.uuid])
    return page(request, form, title=title, caption=plan.pupil.display_name, back=back, button=button)


# --- Requests ----------------------------------------------------------------------------------------------------


@tenant_required
def request_new(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = pupil_or_404(request, pupil_uuid)
    require(request, "write", EhcAssessmentRequest(pupil=pupil, trust_id=pupil.trust_id))
    initial = {"requested_by": "school", "decision": "pending", "outcome": "open"}
    form = RequestForm(request.POST or None, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: services.save_request(pupil, None, by=request.user, **data),
        "Request recorded: its statutory deadlines are on the calendar.",
    )
    if saved is not None:
        return redirect("reviews:ehc_request", request_uuid=saved.uuid)
    back = reverse("pupils:record", args=[pupil.uuid])
    title = "Record a request for an EHC needs assessment"
    return page(request, form, title=title, caption=pupil.display_name, back=back, button="Save the request")


@tenant_required
def request_detail(request: TenantRequest, request_uuid: str) -> HttpResponse:
    found = _request(request, request_uuid)
    record_access(request, found.pupil, action="view_ehc_request")
    return render(
        request,
        "reviews/ehc/request.html",
        {
            "ehc_request": found,
            "pupil": found.pupil,
            "can_write": policy.can(request.user, "write", found),
            "today": timezone.localdate(),
            **selectors.request_detail(found),
        },
    )


@tenant_required
def request_exemption(request: TenantRequest, request_uuid: str, deadline_uuid: str) -> HttpResponse:
    """Claim an exemption on one of the request's 6, 16 or 20 weeks (regs 5(4), 10(4), 13(3))."""
    found = _request(request, request_uuid, "write")
    deadline: Deadline = get_object_or_404(Deadline.objects.filter(request=found), uuid=deadline_uuid)
    initial = {
        "ground": deadline.exemption_ground,
        "reason": deadline.exemption_reason,
        "claimed_by": deadline.exemption_claimed_by,
        "claimed_on": deadline.exemption_claimed_on or timezone.localdate(),
    }
    form = ExemptionForm(request.POST or None, initial=initial)
    if save_form(
        request,
        form,
        lambda data: exemption_services.claim_exemption(deadline, **data),
        "Exemption recorded: the deadline shows it instead of a date to chase.",
    ):
        return redirect("reviews:ehc_request", request_uuid=found.uuid)
    back = reverse("reviews:ehc_request", args=[found.uuid])
    title = f"Claim an exemption: {deadline.get_kind_display()} ({deadline.exemption_regulation})"
    return page(request, form, title=title, caption=found.pupil.display_name, back=back, button="Save")


@tenant_required
def request_edit(request: TenantRequest, request_uuid: str) -> HttpResponse:
    found = _request(request, request_uuid, "write")
    initial = {name: getattr(found, name) for name in services.REQUEST_FIELDS}
    form = RequestForm(request.POST or None, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: services.save_request(found.pupil, found, by=request.user, **data),
        "Request updated.",
    )
    if saved is not None:
        return redirect("reviews:ehc_request", request_uuid=found.uuid)
    back = reverse("reviews:ehc_request", args=[found.uuid])
    title = "The request and the LA's decisions"
    return page(request, form, title=title, caption=found.pupil.display_name, back=back, button="Save")


@require_POST
@tenant_required
def request_pack(request: TenantRequest, request_uuid: str) -> HttpResponse:
    found = _request(request, request_uuid, "write")
    return pdf(request, EVIDENCE_PACK, f"EHC needs assessment evidence: {found.pupil.display_name}", found)


# --- Plans -------------------------------------------------------------------------------------------------------


@tenant_required
def plan_new(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = pupil_or_404(request, pupil_uuid)
    require(request, "write", EhcPlan(pupil=pupil, trust_id=pupil.trust_id))
    from_request = None
    if request.GET.get("request"):
        from_request = get_visible_or_404(
            request, EhcAssessmentRequest.objects.filter(pupil=pupil), "write", uuid=request.GET["request"]
        )
    initial: dict[str, Any] = {"review_every_months": 12}
    if from_request is not None:
        initial |= {
            "local_authority": from_request.local_authority,
            "case_officer": from_request.case_officer,
            "issued_on": from_request.outcome_on,
        }
    offer = pupil.sen_status != "E"
    form = PlanForm(request.POST or None, initial=initial, documents=files_of(pupil), offer_register=offer)
    saved = save_form(
        request,
        form,
        lambda data: services.save_plan(pupil, None, by=request.user, request=from_request, **data),
        "EHC plan recorded: now add its outcomes (E) and provision (F).",
    )
    if saved is not None:
        return redirect("reviews:ehc_plan", plan_uuid=saved.uuid)
    back = reverse("pupils:record", args=[pupil.uuid])
    title = "Record an issued EHC plan"
    return page(request, form, title=title, caption=pupil.display_name, back=back, button="Save the plan")


@tenant_required
def plan_detail(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid)
    record_access(request, plan.pupil, action="view_ehc_plan")
    detail = selectors.plan_detail(plan)
    return render(
        request,
        "reviews/ehc/plan.html",
        {
            "ehc_plan": plan,
            "pupil": plan.pupil,
            "can_write": policy.can(request.user, "write", plan),
            "open_review": next((r for r in detail["reviews"] if r.is_open), None),
            "next_review_due": services.next_review_due(plan) if plan.is_current else None,
            "next_meeting_by": statutory.meeting_by(services.next_review_due(plan)) if plan.is_current else None,
            "today": timezone.localdate(),
            **detail,
        },
    )


@tenant_required
def plan_edit(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    initial = {name: getattr(plan, name) for name in services.PLAN_FIELDS}
    form = PlanForm(request.POST or None, initial=initial, documents=files_of(plan.pupil))
    saved = save_form(
        request, form, lambda data: services.save_plan(plan.pupil, plan, by=request.user, **data), "Plan saved."
    )
    if saved is not None:
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _plan_page(request, plan, form, "The plan's dates and sections")


@tenant_required
def outcome_edit(request: TenantRequest, plan_uuid: str, outcome_uuid: str | None = None) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    outcome = (
        get_visible_or_404(request, EhcOutcome.objects.filter(ehc_plan=plan), "write", uuid=outcome_uuid)
        if outcome_uuid
        else None
    )
    initial = {"text": outcome.text, "timeframe": outcome.timeframe} if outcome else {"timeframe": "1y"}
    form = OutcomeForm(request.POST or None, initial=initial)
    if save_form(request, form, lambda data: services.save_outcome(plan, outcome, **data), "Outcome saved."):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _plan_page(request, plan, form, "Change the outcome" if outcome else "Add an outcome (section E)")


@tenant_required
def provision_edit(request: TenantRequest, plan_uuid: str, item_uuid: str | None = None) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    item = (
        get_visible_or_404(request, EhcProvision.objects.filter(ehc_plan=plan), "write", uuid=item_uuid)
        if item_uuid
        else None
    )
    fields = ("description", "frequency", "delivered_by", "outcome", "group")
    initial = {k: getattr(item, k) for k in fields} if item else {}
    form = ProvisionForm(
        request.POST or None,
        initial=initial,
        outcomes=plan.outcomes.all(),
        groups=InterventionGroup.objects.filter(school_id=plan.pupil.school_id).order_by("-starts_on", "name"),
    )
    if save_form(request, form, lambda data: services.save_provision(plan, item, **data), "Provision saved."):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _plan_page(request, plan, form, "Change the provision" if item else "Add provision (section F)")


@tenant_required
def amendment_new(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    form = AmendmentForm(request.POST or None)
    if save_form(
        request, form, lambda data: services.record_amendment(plan, by=request.user, **data), "Amendment recorded."
    ):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _plan_page(request, plan, form, "Record an amended plan", "Record")


@tenant_required
def plan_cease(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    form = CeaseForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.cease_plan(plan, by=request.user, **data),
        "The plan is recorded as ceased; its open deadlines are closed.",
    ):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _plan_page(request, plan, form, "Record that the plan ceased", "Record")
