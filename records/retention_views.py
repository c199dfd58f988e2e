"""Pages for retention: records due for destruction, their approval (step-up, audited), legal holds, the log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from pupils.models import Pupil
from records import retention_services
from records.forms import DestroyForm, LegalHoldForm
from records.models import DestructionLog, DestructionReview, DestructionState, LegalHold
from schools.http import TenantRequest
from schools.security import reauthentication_required
from send import policy
from send.audit import record_access
from send.shortcuts import get_visible_or_404, require, tenant_required


@tenant_required
def destruction(request: TenantRequest) -> HttpResponse:
    if not policy.can(request.user, "approve_destruction", request.tenant.trust):
        raise PermissionDenied
    due: QuerySet[DestructionReview] = policy.visible(
        request.user, DestructionReview.objects.filter(state=DestructionState.DUE).select_related("pupil", "rule")
    )
    holds: QuerySet[LegalHold] = policy.visible(
        request.user, LegalHold.objects.filter(lifted_at__isnull=True).select_related("pupil")
    )
    return render(
        request,
        "records/destruction.html",
        {"due": due, "holds": holds, "log": DestructionLog.objects.select_related("approved_by", "school")[:50]},
    )


@require_POST
@tenant_required
@reauthentication_required
def destroy(request: TenantRequest, destruction_uuid: str) -> HttpResponse:
    """Approve and carry out a destruction: after a step-up, with the confirmation ticked; logged without the name."""
    review = get_visible_or_404(
        request, DestructionReview.objects.select_related("pupil__school"), uuid=destruction_uuid
    )
    require(request, "change", review)
    form = DestroyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the confirmation to approve the destruction.")
        return redirect("records:destruction")
    try:
        log = retention_services.destroy_record(review, approved_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        record_access(request, request.tenant.trust, action="destroy_record", detail={"log": log.pk})
        messages.success(request, f"{log.record_kind} destroyed; the destruction log keeps no name.")
    return redirect("records:destruction")


@require_POST
@tenant_required
def legal_hold(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "change", LegalHold(pupil=pupil, trust_id=pupil.trust_id))
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        try:
            retention_services.place_legal_hold(pupil, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Legal hold placed: the record will not be destroyed while it is open.")
    else:
        messages.error(request, "Say what needs the record kept.")
    return redirect("pupils:record", pupil_uuid=pupil.uuid)


@require_POST
@tenant_required
def lift_legal_hold(request: TenantRequest, hold_uuid: str) -> HttpResponse:
    hold = get_visible_or_404(request, LegalHold.objects.select_related("pupil__school"), uuid=hold_uuid)
    require(request, "change", hold)
    if hold.lifted_at is None:
        hold.lifted_at = timezone.now()
        hold.save(update_fields=["lifted_at"])
        messages.success(request, "Legal hold lifted.")
    return redirect("records:destruction")
