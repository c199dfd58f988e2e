"""The request that signed-in pages receive, as type checkers should see it (like healthchecks' authenticated
request): the user is one of ours, the middleware has set the tenant, and django-htmx its details."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from schools.models import ApiClient, User
from send.middleware import Tenant


class TenantRequest(HttpRequest):
    """Never instantiated: views annotate `request: TenantRequest` behind `tenant_required` or `login_required`."""

    user: User
    tenant: Tenant
    htmx: HtmxDetails


class ApiRequest(HttpRequest):
    """A request under /api/ after ApiClientMiddleware: the client its bearer token names, if any."""

    api_client: ApiClient | None
    api_client_name: str
