"""Sign-in security: multi-factor enforcement, session lifetime, sign-in history, step-up re-authentication."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user

from schools.http import TenantRequest
from schools.models import Membership, SignIn, User
from schools.policy import PUPIL_ROLES
from send.audit import client_ip
from send.tenancy import own_rows_context

SIGNED_IN_AT = "signed_in_at"
REAUTHENTICATED_AT = "reauthenticated_at"

# Pages a signed-in user may open before the second factor.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "logout",
        "mfa_setup",
        "mfa_verify",
        "healthz",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "login",
    }
)


def user_requires_mfa(user: Any) -> bool:
    """Anyone with a pupil-facing role in any trust: the answer must not depend on the trust chosen."""
    cached = user.__dict__.get("_send_requires_mfa")
    if cached is None:
        with own_rows_context(user.pk):
            cached = Membership.objects.filter(user_id=user.pk, role__in=list(PUPIL_ROLES)).exists()
        user.__dict__["_send_requires_mfa"] = cached
    return bool(cached)


def has_confirmed_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


class MfaRequiredMiddleware:
    """Sends users whose roles show named pupils to enrol or verify a second factor before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TenantRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        name = _url_name(request)
        # The API never uses the session: it authenticates each request by its bearer token instead.
        if name in MFA_EXEMPT_URL_NAMES or request.path.startswith((settings.STATIC_URL, "/api/")):
            return self.get_response(request)
        if not user_requires_mfa(user):
            return self.get_response(request)
        target = "mfa_verify" if has_confirmed_device(user) else "mfa_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def _url_name(request: TenantRequest) -> str | None:
    from django.urls import Resolver404, resolve

    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class SessionLifetimeMiddleware:
    """Ends a session 10 hours after sign-in, however active; idle expiry is the sliding cookie age."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TenantRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = timezone.now().timestamp()
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_AGE.total_seconds():
                logout(request)
                messages.info(request, "For your security you were signed out after 10 hours. Please sign in again.")
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="schools.record_sign_in")
def record_sign_in(sender: Any, request: TenantRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[SIGNED_IN_AT] = timezone.now().timestamp()
    if not request.session.session_key:
        request.session.save()
    SignIn.objects.create(
        user=user,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        session_key=request.session.session_key or "",
    )


@receiver(user_logged_out, dispatch_uid="schools.record_sign_out")
def record_sign_out(sender: Any, request: TenantRequest | None, user: User | None, **kwargs: Any) -> None:
    if request is None or user is None or not getattr(request, "session", None):
        return
    SignIn.objects.filter(user=user, session_key=request.session.session_key, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


def end_all_sessions(user: User) -> int:
    """Sign the user out everywhere: every session they started is deleted, so every device must sign in again."""
    open_sign_ins = SignIn.objects.filter(user=user, ended_at__isnull=True)
    keys = [key for key in open_sign_ins.values_list("session_key", flat=True) if key]
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    open_sign_ins.update(ended_at=timezone.now())
    return deleted


def recently_authenticated(request: TenantRequest) -> bool:
    at = request.session.get(REAUTHENTICATED_AT)
    return at is not None and timezone.now().timestamp() - float(at) < settings.REAUTHENTICATE_MAX_AGE.total_seconds()


def reauthentication_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Step-up: ask for the password (and the second factor, if enrolled) again before a sensitive action."""

    @wraps(view)
    def wrapped(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not recently_authenticated(request):
            return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped
