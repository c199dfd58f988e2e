"""API clients' bearer tokens: how a request finds its client, its trust and its audit attribution."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pghistory
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from schools.http import ApiRequest
from schools.models import ApiClient
from send.tenancy import no_tenant, tenant_context

TOKEN_PREFIX = "send_"  # nosec B105 - the public prefix of every token, not a secret
LAST_USED_GRANULARITY = timedelta(minutes=1)


def new_token() -> str:
    """A token of 256 random bits; the prefix lets secret scanners and people recognise it."""
    return f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is safe: nothing to brute-force, unlike a password.
    return hashlib.sha256(token.encode()).hexdigest()


def client_for_token(token: str) -> ApiClient | None:
    """The live client holding `token`, found outside any trust through the lookup policy (RLS)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    with no_tenant(), scopes_disabled(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.api_token_hash', %s, true)", [digest])
        try:
            client = ApiClient.objects.select_related("trust").filter(token_hash=digest).first()
        finally:
            cursor.execute("SELECT set_config('app.api_token_hash', '', true)")
    if client is None or not client.is_active:
        return None
    return client


def bearer_token(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class ApiClientMiddleware:
    """For /api/: the bearer token names the client, which fixes the trust (tenant) and the audit's author."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = bearer_token(request) if request.path.startswith("/api/") else None
        if token and _failures(request) >= settings.API_TOKEN_FAILURES_PER_ADDRESS:
            return _too_many_failures()
        client = client_for_token(token) if token else None
        api_request = cast(ApiRequest, request)
        api_request.api_client = client
        if token and client is None:
            _note_failure(request)
        if client is None:
            return self.get_response(request)
        api_request.api_client_name = client.name
        with tenant_context(client.trust_id):
            _note_use(request, client)
            if request.method in {"GET", "HEAD", "OPTIONS"}:
                response = self.get_response(request)
            else:
                with pghistory.context(api_client=str(client.uuid), api_client_name=client.name, trust=client.trust_id):
                    response = self.get_response(request)
            _log_call(request, client, response)
        return response


FAILED_TOKEN_WINDOW = 600  # seconds


def _failure_key(request: HttpRequest) -> str:
    from send.audit import client_ip

    # The client's own address behind our proxies (PROXY_COUNT), not the proxy's, which all clients share.
    return f"api-token-failures:{client_ip(request) or ''}"


def _failures(request: HttpRequest) -> int:
    return int(cache.get(_failure_key(request), 0))


def _note_failure(request: HttpRequest) -> None:
    """Wrong tokens are counted per address in Redis: guessing is hopeless, but should also be loud and slow."""
    key = _failure_key(request)
    if not cache.add(key, 1, timeout=FAILED_TOKEN_WINDOW):
        cache.incr(key)


def _too_many_failures() -> HttpResponse:
    from send.api_errors import PROBLEM_CONTENT_TYPE, problem

    body = problem(429, "throttled", "Too many requests with a wrong token from this address; try again later.")
    response = JsonResponse(body, status=429, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(FAILED_TOKEN_WINDOW)
    return response


def _log_call(request: HttpRequest, client: ApiClient, response: HttpResponse) -> None:
    """Every call is in the access log under the client's name: method, path and the status it got."""
    from send.audit import client_ip
    from send.models import AccessEvent

    AccessEvent.objects.create(
        trust_id=client.trust_id,
        api_client=client.name,
        object_type="api.call",
        object_id=str(response.status_code),
        action=f"api_{(request.method or '').lower()}"[:40],
        path=request.get_full_path()[:500],
        ip_address=client_ip(request),
    )


def _note_use(request: HttpRequest, client: ApiClient) -> None:
    """When the client was last used; its first use ever is a security event, with the address it came from."""
    now = timezone.now()
    if client.last_used_at is None:
        first = ApiClient.objects.filter(pk=client.pk, last_used_at__isnull=True).update(last_used_at=now)
        if first:
            from send.audit import record_security_event

            record_security_event(
                request,
                "api_client_first_use",
                api_client=client.name,
                detail={"client": str(client.uuid), "scopes": client.scopes},
            )
    elif now - client.last_used_at > LAST_USED_GRANULARITY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)


class ApiClientAuthentication(BaseAuthentication):
    """DRF's view of the middleware's work: the client is the request's user; a bad token is a 401."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        client = getattr(request._request, "api_client", None)
        if client is not None:
            return client, client
        if bearer_token(request._request) is not None:
            raise exceptions.AuthenticationFailed("This token is not valid, or it was revoked.")
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
