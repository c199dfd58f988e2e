"""Sign-in security: multi-factor enforcement, session lifetime, sign-in history, step-up re-authentication."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user

from schools.http import TenantRequest
from schools.models import ApiClient, Membership, Role, SignIn, User
from schools.policy import PUPIL_ROLES
from send.audit import client_ip
from send.tenancy import own_rows_context, tenant_context

# Sent when a person's standing credentials must stop (they signed out everywhere, or were deactivated), with
# `user`: apps that issue such credentials (the calendar feed) connect a receiver that stops theirs.
credentials_revoked = Signal()

# Roles whose holders must pass a second factor: those that open named pupils, and trust administrators,
# who give roles and make API clients (a path to pupil data). Superusers too (`user_requires_mfa`).
MFA_ROLES = PUPIL_ROLES | {Role.TRUST_ADMIN}

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
    """Superusers, and anyone with a pupil-facing or administrator role in any trust: the answer must not depend
    on the trust chosen."""
    if user.is_superuser or user.is_staff:
        return True
    cached = user.__dict__.get("_send_requires_mfa")
    if cached is None:
        with own_rows_context(user.pk):
            cached = Membership.objects.filter(user_id=user.pk, role__in=list(MFA_ROLES)).exists()
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
        key_before = None
        if user is not None and user.is_authenticated:
            key_before = request.session.session_key
            started = request.session.get(SIGNED_IN_AT)
            now = timezone.now().timestamp()
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_AGE.total_seconds():
                logout(request)
                messages.info(request, "For your security you were signed out after 10 hours. Please sign in again.")
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        response = self.get_response(request)
        if key_before is not None:
            follow_new_session_key(request, key_before)
        return response


def follow_new_session_key(request: TenantRequest, key_before: str) -> None:
    """A session that got a new key (second factor, step-up, switching trust) stays the same sign-in: its record
    follows, so that the sign-in list and signing out everywhere find the live key."""
    user = getattr(request, "user", None)
    key_now = request.session.session_key
    if user is None or not user.is_authenticated or not key_now or key_now == key_before:
        return
    SignIn.objects.filter(user_id=user.pk, session_key=key_before, ended_at__isnull=True).update(session_key=key_now)


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


def end_all_sessions(user: User, *, revoke_credentials: bool = False) -> int:
    """Sign the user out everywhere: every session they started is deleted, and the session epoch moves on, so a
    session whose key was missed still fails Django's session check on its next request. With
    `revoke_credentials`, what they left running stops too: the API clients they made and their calendar feeds."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.session_epoch = User.objects.values_list("session_epoch", flat=True).get(pk=user.pk)
    open_sign_ins = SignIn.objects.filter(user=user, ended_at__isnull=True)
    keys = [key for key in open_sign_ins.values_list("session_key", flat=True) if key]
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    open_sign_ins.update(ended_at=timezone.now())
    if revoke_credentials:
        revoke_api_clients_made_by(user)
        credentials_revoked.send(sender=User, user=user)
    return deleted


def revoke_api_clients_made_by(user: User) -> int:
    """Revoke every live API client the person made, in every trust (found through the own-rows policy)."""
    with own_rows_context(user.pk):
        made = list(
            ApiClient.objects.filter(created_by_id=user.pk, revoked_at__isnull=True).values_list("trust_id", "pk")
        )
    now = timezone.now()
    for trust_id, pk in made:
        with tenant_context(trust_id):
            ApiClient.objects.filter(pk=pk, revoked_at__isnull=True).update(revoked_at=now)
    return len(made)


@receiver(pre_save, sender=User, dispatch_uid="schools.note_deactivation")
def note_deactivation(sender: Any, instance: User, **kwargs: Any) -> None:
    """Remember whether this save deactivates the person (from wherever: the Django admin, a command)."""
    update_fields = kwargs.get("update_fields")
    if instance.is_active or instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        return
    instance.__dict__["_send_deactivating"] = User.objects.filter(pk=instance.pk, is_active=True).exists()


@receiver(post_save, sender=User, dispatch_uid="schools.end_access_on_deactivation")
def end_access_on_deactivation(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.__dict__.pop("_send_deactivating", False):
        transaction.on_commit(lambda: end_all_sessions(instance, revoke_credentials=True))


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


class AccountAndAddressHandler(AxesDatabaseHandler):
    """django-axes' lock per account and client address, plus a lock per account across addresses: many
    addresses each guessing a few passwords for one account lock it too (`AXES_ACCOUNT_FAILURE_LIMIT` failures
    within the cool-off), and its right password waits out the cool-off like any other."""

    def account_failures(self, request: Any, credentials: dict[str, Any] | None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        total = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        return int(total or 0)

    def account_locked(self, request: Any, credentials: dict[str, Any] | None) -> bool:
        return self.account_failures(request, credentials) >= settings.AXES_ACCOUNT_FAILURE_LIMIT

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        return bool(super().is_locked(request, credentials)) or self.account_locked(request, credentials)

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if (
            request is not None
            and not getattr(request, "axes_locked_out", False)
            and self.account_locked(request, credentials)
        ):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=credentials.get("username"),
                ip_address=getattr(request, "axes_ip_address", None),
            )
