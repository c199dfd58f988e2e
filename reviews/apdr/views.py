"""APDR plan pages: start a cycle, the plan with its four stages, targets, evidence, views, sign-off, review,
PDFs, and the SENCO's list of reviews due and the quality checks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews.apdr import selectors, services
from reviews.apdr.forms import ContributionForm, EvidenceForm, PlanForm, ReviewForm, TargetForm
from reviews.apdr.models import Plan, PlanState, Target
from reviews.apdr.tasks import render_plan_pdf
from schools.http import TenantRequest
from send import policy
from send.audit import record_access
from send.forms import add_service_errors
from send.pdf import request_pdf
from send.shortcuts import get_visible_or_404, require, tenant_required
from send.uploads import files_of


def _plan(request: TenantRequest, plan_uuid: str, action: str = "view") -> Plan:
    plan = get_visible_or_404(
        request, Plan.objects.select_related("pupil__school", "pupil__school_class"), "view", uuid=plan_uuid
    )
    if action != "view":
        require(request, action, plan)
    return plan


def _form_page(request: TenantRequest, plan: Plan, form: Form, title: str, button: str) -> HttpResponse:
    return render(request, "reviews/form.html", {"plan": plan, "form": form, "title": title, "button": button})


@tenant_required
def plan_start(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "write", Plan(pupil=pupil, trust_id=pupil.trust_id))
    form = PlanForm(
        request.POST or None,
        initial={"starts_on": timezone.localdate()},
        contact_log=pupil.contact_log.all(),
        documents=files_of(pupil),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["data"] = data.pop("assessment_data")
        contact_log = list(data.pop("contact_log_used"))
        documents = list(data.pop("documents_used"))
        try:
            plan = services.start_plan(pupil, by=request.user, **data)
            services.update_plan(plan, by=request.user, contact_log_used=contact_log, documents_used=documents)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{pupil.school.plan_label} started: now add its targets.")
            return redirect("reviews:plan", plan_uuid=plan.uuid)
    label = pupil.school.plan_label
    return render(
        request,
        "reviews/form.html",
        {
            "pupil": pupil,
            "form": form,
            "title": f"Start a {label} for {pupil.display_name}",
            "button": "Start the plan",
        },
    )


@tenant_required
def plan_detail(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid)
    record_access(request, plan.pupil, action="view_plan")
    context = {
        "plan": plan,
        "pupil": plan.pupil,
        "label": plan.pupil.school.plan_label,
        "can_write": policy.can(request.user, "write", plan),
        "can_sign_off": policy.can(request.user, "sign_off", plan),
        "today": timezone.localdate(),
        **selectors.plan_detail(plan),
    }
    return render(request, "reviews/plan.html", context)


@tenant_required
def plan_edit(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    initial = {name: getattr(plan, name) for name in services.PLAN_FIELDS}
    initial["assessment_data"] = initial.pop("data")
    sources = list(plan.sources.all())
    initial["contact_log_used"] = [s.contact_log_entry_id for s in sources if s.contact_log_entry_id]
    initial["documents_used"] = [s.document_id for s in sources if s.document_id]
    form = PlanForm(
        request.POST or None,
        initial=initial,
        contact_log=plan.pupil.contact_log.all(),
        documents=files_of(plan.pupil),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["data"] = data.pop("assessment_data")
        if not data.get("review_on"):
            data["review_on"] = plan.review_on
        try:
            services.update_plan(
                plan,
                by=request.user,
                contact_log_used=list(data.pop("contact_log_used")),
                documents_used=list(data.pop("documents_used")),
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Plan saved.")
            return redirect("reviews:plan", plan_uuid=plan.uuid)
    return _form_page(request, plan, form, "Assess and plan", "Save")


def _groups(plan: Plan) -> Any:
    return (
        InterventionGroup.objects.filter(school_id=plan.pupil.school_id, ends_on__gte=plan.starts_on)
        .filter(Q(members__pupil=plan.pupil) | Q(starts_on__lte=plan.review_on))
        .select_related("intervention")
        .distinct()
        .order_by("name")
    )


@tenant_required
def target_edit(request: TenantRequest, plan_uuid: str, target_uuid: str | None = None) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    target = (
        get_visible_or_404(request, Target.objects.filter(plan=plan), "view", uuid=target_uuid) if target_uuid else None
    )
    initial = (
        {k: getattr(target, k) for k in ("outcome", "wording", "success_criteria", "provision", "who")}
        if target
        else {}
    )
    form = TargetForm(request.POST or None, initial=initial, groups=_groups(plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_target(plan, target, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Target saved.")
            return redirect("reviews:plan", plan_uuid=plan.uuid)
    return _form_page(request, plan, form, "Change the target" if target else "Add a target", "Save the target")


@tenant_required
def evidence_add(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    form = EvidenceForm(request.POST or None, initial={"happened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_evidence(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Evidence added.")
            return redirect("reviews:plan", plan_uuid=plan.uuid)
    return _form_page(request, plan, form, "Add evidence", "Add")


@tenant_required
def contribution_add(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    stage = "review" if plan.state in {PlanState.DUE, PlanState.ACTIVE} else "plan"
    form = ContributionForm(request.POST or None, initial={"given_on": timezone.localdate(), "stage": stage})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_contribution(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "View recorded.")
            return redirect("reviews:plan", plan_uuid=plan.uuid)
    return _form_page(request, plan, form, "Record a parent's or the pupil's view", "Record")


@require_POST
@tenant_required
def plan_transition(request: TenantRequest, plan_uuid: str, action: str) -> HttpResponse:
    plan = _plan(request, plan_uuid)
    if action not in services.TRANSITIONS:
        raise PermissionDenied
    require(request, services.permission_for(action), plan)
    try:
        services.transition(plan, action, by=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        done = {
            "submit": "sent to the SENCO for sign-off",
            "sign_off": "signed off: it is active",
            "return": "returned to the teacher with your comment",
            "start_review": "due for review",
        }
        messages.success(request, f"Plan {done[action]}.")
    return redirect("reviews:plan", plan_uuid=plan.uuid)


@tenant_required
def plan_review(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    if plan.state not in {PlanState.ACTIVE, PlanState.DUE}:
        messages.error(request, f"Only an active plan is reviewed; this one is {plan.get_state_display().lower()}.")
        return redirect("reviews:plan", plan_uuid=plan.uuid)
    targets = list(plan.targets.all())
    form = ReviewForm(
        request.POST or None, targets=targets, initial={"reviewed_on": min(timezone.localdate(), plan.review_on)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            following = services.close_review(
                plan,
                by=request.user,
                reviewed_on=data["reviewed_on"],
                progress=form.progress(),
                what_worked=data["what_worked"],
                next_steps=data["next_steps"],
                carry_forward=form.carried(),
                next_review_on=data.get("next_review_on"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            carried = following.targets.count() if following else 0
            messages.success(
                request, f"Review recorded. The next plan starts with {carried} carried-forward target(s)."
            )
            return redirect("reviews:plan", plan_uuid=following.uuid if following else plan.uuid)
    return render(request, "reviews/review_form.html", {"plan": plan, "form": form, "targets": targets})


@require_POST
@tenant_required
def plan_pdf(request: TenantRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid)
    plain = request.POST.get("plain") == "1"
    label = plan.pupil.school.plan_label
    return request_pdf(
        request,
        render_plan_pdf,
        kind="plan_plain" if plain else "plan",
        title=f"{label} of {plan.pupil.display_name}{' (plain language)' if plain else ''}",
        subject_id=str(plan.uuid),
    )


@tenant_required
def dashboard(request: TenantRequest) -> HttpResponse:
    """The SENCO's view: reviews due and overdue by class and teacher, and the quality checks."""
    require(request, "oversee_plans", request.tenant.trust)
    today = timezone.localdate()
    return render(
        request,
        "reviews/dashboard.html",
        {
            "groups": selectors.due_and_overdue(request.user, today),
            "quality": selectors.quality(request.user),
            "today": today,
        },
    )
