"""Trust admin: a school's MIS switch, declared and ended with a step-up, its adoptions, and a dry run of a file."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from schools import mis_switch
from schools.forms import MisSwitchDryRunForm, MisSwitchForm
from schools.http import TenantRequest
from schools.models import MisSwitch
from schools.relink import bulk_resources
from schools.security import reauthentication_required
from send.forms import add_service_errors, save_form
from send.shortcuts import get_visible_or_404, require, tenant_required


@tenant_required
def mis_switch_list(request: TenantRequest) -> HttpResponse:
    require(request, "manage", request.tenant.trust)
    switches = list(mis_switch.switches_for_admin(request.user))
    now = timezone.now()
    return render(request, "schools/mis_switch_list.html", {"switches": switches, "now": now})


@tenant_required
@reauthentication_required
def mis_switch_create(request: TenantRequest) -> HttpResponse:
    require(request, "manage", request.tenant.trust)
    today = timezone.localdate()
    form = MisSwitchForm(request.POST or None, initial={"opens_on": today, "closes_on": today + dt.timedelta(days=30)})
    switch = save_form(
        request,
        form,
        lambda data: mis_switch.declare_mis_switch(**data, declared_by=request.user, request=request),
        "MIS switch declared.",
    )
    if switch is not None:
        return redirect("schools:mis_switch_detail", switch_uuid=switch.uuid)
    return render(request, "schools/mis_switch_form.html", {"form": form})


@tenant_required
def mis_switch_detail(request: TenantRequest, switch_uuid: str) -> HttpResponse:
    switch = get_visible_or_404(request, mis_switch.switches_for_admin(request.user), "view", uuid=switch_uuid)
    changes = Paginator(mis_switch.id_changes(switch), 100).get_page(request.GET.get("page"))
    return render(
        request, "schools/mis_switch_detail.html", {"switch": switch, "state": switch.state(), "changes": changes}
    )


@require_POST
@tenant_required
@reauthentication_required
def mis_switch_end(request: TenantRequest, switch_uuid: str) -> HttpResponse:
    switch = get_visible_or_404(request, MisSwitch.objects.select_related("school"), "change", uuid=switch_uuid)
    try:
        mis_switch.end_mis_switch(switch, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The MIS switch of {switch.school.name} has ended: nothing more is adopted.")
    return redirect("schools:mis_switch_detail", switch_uuid=switch.uuid)


@tenant_required
def mis_switch_dry_run(request: TenantRequest, switch_uuid: str) -> HttpResponse:
    """Try a file of the new MIS's records against the switch: what would be adopted, created, updated or
    rejected, without saving anything."""
    switch = get_visible_or_404(
        request, MisSwitch.objects.select_related("school", "api_client"), "change", uuid=switch_uuid
    )
    resources = bulk_resources()
    clients = mis_switch.writing_clients(switch.school) if switch.api_client_id is None else []
    form = MisSwitchDryRunForm(
        request.POST or None, request.FILES or None, switch=switch, resources=resources, clients=clients
    )
    outcome = None
    if request.method == "POST" and form.is_valid():
        client = form.cleaned_data.get("api_client") or switch.api_client
        try:
            if client is None:  # a re-link's form requires the field; kept as a clear error, not a 500
                raise ValidationError({"api_client": "Choose the client."})
            result = mis_switch.dry_run_switch(
                switch, client=client, resource=form.cleaned_data["resource"], data=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            outcome = result.as_dict()
    context = {"switch": switch, "state": switch.state(), "form": form, "outcome": outcome}
    return render(request, "schools/mis_switch_dry_run.html", context)
