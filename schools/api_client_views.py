"""The trust administrator's API clients for the MIS: made, changed, token shown once, rotated, revoked."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from schools import api_client_services
from schools.forms import (
    ApiClientForm,
)
from schools.http import TenantRequest
from schools.models import ApiClient, School
from schools.security import reauthentication_required
from schools.views import require_trust_admin
from send import policy
from send.forms import add_service_errors
from send.shortcuts import get_visible_or_404, tenant_required


@tenant_required
def api_client_list(request: TenantRequest) -> HttpResponse:
    require_trust_admin(request)
    clients: list[ApiClient] = list(policy.visible(request.user, ApiClient.objects.all(), "view").order_by("name"))
    names = {school.pk: school.name for school in School.objects.all()}
    rows = [(client, ", ".join(names[pk] for pk in client.school_ids if pk in names)) for client in clients]
    return render(request, "schools/api_client_list.html", {"rows": rows})


def _token_page(request: TenantRequest, client: ApiClient, token: str) -> HttpResponse:
    return render(request, "schools/api_client_token.html", {"client": client, "token": token})


@tenant_required
@reauthentication_required
def api_client_create(request: TenantRequest) -> HttpResponse:
    require_trust_admin(request)
    form = ApiClientForm(request.POST or None, initial={"can_read": True, "all_schools": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, token = api_client_services.create_api_client(
                name=data["name"],
                can_read=data["can_read"],
                can_write=data["can_write"],
                all_schools=data["all_schools"],
                schools=list(data["schools"]),
                rate_limit_per_minute=data["rate_limit_per_minute"],
                created_by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _token_page(request, client, token)
    return render(request, "schools/api_client_form.html", {"form": form, "client": None})


@tenant_required
@reauthentication_required
def api_client_edit(request: TenantRequest, client_uuid: str) -> HttpResponse:
    client = get_visible_or_404(request, ApiClient.objects.all(), "change", uuid=client_uuid)
    initial = {
        "can_read": client.can_read,
        "can_write": client.can_write,
        "all_schools": client.all_schools,
        "schools": client.school_ids,
        "rate_limit_per_minute": client.rate_limit_per_minute,
    }
    form = ApiClientForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            api_client_services.change_api_client(
                client,
                can_read=data["can_read"],
                can_write=data["can_write"],
                all_schools=data["all_schools"],
                schools=list(data["schools"]),
                rate_limit_per_minute=data["rate_limit_per_minute"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{client.name} changed.")
            return redirect("schools:api_client_list")
    return render(request, "schools/api_client_form.html", {"form": form, "client": client})


@require_POST
@tenant_required
@reauthentication_required
def api_client_rotate(request: TenantRequest, client_uuid: str) -> HttpResponse:
    client = get_visible_or_404(request, ApiClient.objects.all(), "change", uuid=client_uuid)
    try:
        token = api_client_services.rotate_api_client_token(client, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schools:api_client_list")
    return _token_page(request, client, token)


@require_POST
@tenant_required
@reauthentication_required
def api_client_revoke(request: TenantRequest, client_uuid: str) -> HttpResponse:
    client = get_visible_or_404(request, ApiClient.objects.all(), "change", uuid=client_uuid)
    api_client_services.revoke_api_client(client, request=request)
    messages.success(request, f"{client.name} revoked: its token no longer works.")
    return redirect("schools:api_client_list")
