"""Request-level tenancy (layer 1) and the audit context.

The active trust comes from the signed-in user's memberships, never from an id in the URL or form alone:
the session only remembers which of the user's own trusts they chose. The whole response, including
template rendering after the view and streamed bodies, runs inside that trust's context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import cache
from typing import Any

import pghistory
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string

from send.tenancy import TenantRequired, TenantState, tenant_context, user_context

SESSION_TRUST = "active_trust_id"
SESSION_SCHOOL = "active_school_id"


class Tenant:
    """What the request acts for: the trust, the user's choices of trust, and the chosen school."""

    def __init__(self, trust: Any | None, choices: list[Any], school_id: int | None) -> None:
        self.trust: Any = trust  # the tenant model (settings.TENANT_MODEL), or None before one is chosen
        self.choices = choices
        self.school_id = school_id

    @property
    def trust_id(self) -> int | None:
        return self.trust.pk if self.trust is not None else None

    @property
    def has_several_trusts(self) -> bool:
        return len(self.choices) > 1


@cache
def _trusts_of_user() -> Callable[[Any], list[Any]]:
    """settings.TENANT_CHOICES: a user's trusts, each with `.trust` (the schools app gives it)."""
    return import_string(settings.TENANT_CHOICES)


def resolve_tenant(request: HttpRequest) -> Tenant:
    trusts_of_user = _trusts_of_user()
    user = request.user
    if not user.is_authenticated:
        return Tenant(None, [], None)
    choices = trusts_of_user(user)
    by_id = {choice.trust.pk: choice.trust for choice in choices}
    wanted = request.session.get(SESSION_TRUST)
    if wanted in by_id:
        trust = by_id[wanted]
    elif len(choices) == 1:
        trust = choices[0].trust
        request.session[SESSION_TRUST] = trust.pk
    else:
        # No trust chosen yet, or a stale choice (the role was removed): the user picks again.
        request.session.pop(SESSION_TRUST, None)
        request.session.pop(SESSION_SCHOOL, None)
        trust = None
    school_id = request.session.get(SESSION_SCHOOL) if trust is not None else None
    return Tenant(trust, choices, school_id)


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        with user_context(user_id):
            tenant = resolve_tenant(request)
        setattr(request, "tenant", tenant)  # noqa: B010  (what TenantRequest declares)
        if tenant.trust_id is None:
            with user_context(user_id):
                return self.get_response(request)
        with tenant_context(tenant.trust_id, user_id) as state:
            response = self.get_response(request)
            if isinstance(response, StreamingHttpResponse):
                response.streaming_content = _in_tenant(response.streaming_content, state)
            return response


def _in_tenant(chunks: Any, state: TenantState) -> Iterator[Any]:
    """Streamed bodies are produced after the middleware returns: re-enter the tenant for them."""
    if state.trust_id is None:
        raise TenantRequired("a streamed response needs the trust it was started for")
    with ExitStack() as stack:
        stack.enter_context(tenant_context(state.trust_id, state.user_id))
        yield from chunks


class AuditContextMiddleware:
    """Every write in a request is attributed to the user, the trust, the URL and the method."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return self.get_response(request)
        user = getattr(request, "user", None)
        tenant = getattr(request, "tenant", None)
        with pghistory.context(
            user=user.pk if user is not None and user.is_authenticated else None,
            trust=tenant.trust_id if tenant is not None else None,
            url=request.path,
            method=request.method,
        ):
            return self.get_response(request)


class NoStoreMiddleware:
    """Pages for signed-in users and every API answer may hold pupil data: no cache may keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response
