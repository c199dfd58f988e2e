"""View helpers that route every object lookup and permission check through the policy."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from send import policy

M = TypeVar("M", bound=Model)


def tenant_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in, with a trust chosen: otherwise sign in, or pick a trust on the switcher."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.trust is None:
            if tenant is not None and not tenant.choices:
                raise PermissionDenied("You have no role in any trust.")
            return redirect("switch")
        return view(request, *args, **kwargs)

    return wrapped


def get_visible_or_404(request: HttpRequest, queryset: QuerySet[M], action: str = "view", **lookup: Any) -> M:
    """The object if the user may do `action` to it; 404 whether it is missing or simply not theirs."""
    try:
        obj = policy.visible(request.user, queryset, action).filter(**lookup).first()
    except ValidationError:  # a malformed id in the URL
        obj = None
    if obj is None:
        raise Http404("Not found")
    return obj


def require(request: HttpRequest, action: str, obj: Any) -> None:
    """403 for an action on an object the user may see but not act on (the URL names no foreign object)."""
    if not policy.can(request.user, action, obj):
        raise PermissionDenied
