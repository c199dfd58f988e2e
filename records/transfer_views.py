"""Pages for pupils leaving: record a leaver, the transfer (sent, LA told, the pack), the archive of leavers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pupils.models import Pupil, has_left_q
from records import transfer_services
from records.forms import LaToldForm, LeaverForm, TransferSentForm
from records.models import Transfer
from records.tasks import render_transfer_pack_pdf
from schools.http import TenantRequest
from send import policy
from send.forms import save_form
from send.pdf import request_pdf
from send.shortcuts import get_visible_or_404, require, tenant_required


@tenant_required
def leave(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    """The SENCO records a leaver and where they go: those who keep the register."""
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "change", pupil)
    form = LeaverForm(request.POST if request.method == "POST" else None)
    transfer = save_form(
        request,
        form,
        lambda data: transfer_services.record_leaver(pupil, **data, by=request.user),
        f"{pupil.display_name}'s leaving recorded.",
    )
    if transfer is not None:
        return redirect("records:transfer", transfer_uuid=transfer.uuid)
    return render(request, "records/leave.html", {"form": form, "pupil": pupil})


def _transfer(request: TenantRequest, transfer_uuid: str) -> Transfer:
    queryset = Transfer.objects.select_related("pupil", "from_school", "to_school", "sent_by", "la_told_by")
    return get_visible_or_404(request, queryset, "view", uuid=transfer_uuid)


@tenant_required
def transfer(request: TenantRequest, transfer_uuid: str) -> HttpResponse:
    found = _transfer(request, transfer_uuid)
    may_change = policy.can(request.user, "change", found)
    return render(
        request,
        "records/transfer.html",
        {
            "transfer": found,
            "may_change": may_change,
            "sent_form": TransferSentForm() if may_change and found.sent_on is None else None,
            "la_form": LaToldForm() if may_change and found.pupil.sen_status == "E" and not found.la_told_on else None,
        },
    )


@require_POST
@tenant_required
def transfer_sent(request: TenantRequest, transfer_uuid: str) -> HttpResponse:
    found = _transfer(request, transfer_uuid)
    require(request, "change", found)
    form = TransferSentForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: transfer_services.mark_transfer_sent(found, **data, by=request.user),
        "Recorded as sent.",
    )
    if saved is not None:
        return redirect("records:transfer", transfer_uuid=found.uuid)
    return render(request, "records/transfer.html", {"transfer": found, "may_change": True, "sent_form": form})


@require_POST
@tenant_required
def transfer_la_told(request: TenantRequest, transfer_uuid: str) -> HttpResponse:
    found = _transfer(request, transfer_uuid)
    require(request, "change", found)
    form = LaToldForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: transfer_services.mark_la_told(found, **data, by=request.user),
        "The LA's being told is recorded.",
    )
    if saved is not None:
        return redirect("records:transfer", transfer_uuid=found.uuid)
    return render(request, "records/transfer.html", {"transfer": found, "may_change": True, "la_form": form})


@require_POST
@tenant_required
def transfer_pack(request: TenantRequest, transfer_uuid: str) -> HttpResponse:
    found = _transfer(request, transfer_uuid)
    require(request, "change", found)
    return request_pdf(
        request,
        render_transfer_pack_pdf,
        kind="transfer_pack",
        title=f"Transfer pack: {found.pupil.display_name}",
        subject_id=str(found.uuid),
    )


@tenant_required
def archive(request: TenantRequest) -> HttpResponse:
    """Pupils who have left, read-only: the SENCOs and heads of their schools, the trust SEND lead."""
    if not policy.can(request.user, "view_archive", request.tenant.trust):
        raise PermissionDenied
    leavers: QuerySet[Pupil] = (
        policy.visible(request.user, Pupil.objects.select_related("school"), "view")
        .filter(has_left_q())
        .order_by("-leaving_date", "legal_last_name")[:200]
    )
    related = Transfer.objects.select_related("pupil", "from_school", "to_school")
    transfers: QuerySet[Transfer] = policy.visible(request.user, related)
    return render(
        request, "records/archive.html", {"leavers": leavers, "open_transfers": transfers.filter(sent_on__isnull=True)}
    )
