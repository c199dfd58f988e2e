"""The signed-in user's own security: second factor, backup codes, sign-in history, sign out everywhere."""

from __future__ import annotations

import secrets
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools import services
from schools.http import TenantRequest
from schools.models import SignIn
from schools.security import REAUTHENTICATED_AT, end_all_sessions, has_confirmed_device

BACKUP_CODES = 10


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthenticateForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput)
    token = forms.CharField(label="Code", max_length=16, required=False, help_text="From your authenticator app")


def _next(request: TenantRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    from django.urls import reverse

    return reverse(default)


def _issue_backup_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@login_required
def mfa_setup(request: TenantRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the code (or type the key), then confirm with a code from the app."""
    if has_confirmed_device(request.user):
        return redirect("mfa_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].replace(" ", "")):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _issue_backup_codes(request.user)
            request.session.cycle_key()
            otp_login(request, device)
            return render(request, "account/backup_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("token", "That code is not right. Check the time on your phone and try the newest code.")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "account/mfa_setup.html",
        {"form": form, "qr_svg": image.to_string(encoding="unicode"), "secret": secret, "next": _next(request)},
    )


@login_required
def mfa_verify(request: TenantRequest) -> HttpResponse:
    if not has_confirmed_device(request.user):
        return redirect("mfa_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].replace(" ", ""))
        if device is not None:
            request.session.cycle_key()  # more privilege: a new session key
            otp_login(request, device)
            request.session[REAUTHENTICATED_AT] = timezone.now().timestamp()
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"You used a backup code; {left} are left.")
            return redirect(_next(request))
        form.add_error("token", "That code is not right, or was already used. Try the newest code from your app.")
    return render(request, "account/mfa_verify.html", {"form": form, "next": _next(request)})


@login_required
def reauthenticate(request: TenantRequest) -> HttpResponse:
    """Step-up: confirm who you are before changing roles or exporting a whole record."""
    form = ReauthenticateForm(request.POST or None)
    needs_token = has_confirmed_device(request.user)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=request.user.email, password=form.cleaned_data["password"])
        password_ok = user is not None and user.pk == request.user.pk
        # The code is only tried after the password, so a wrong password does not spend the code or its throttle.
        token_ok = password_ok and (
            not needs_token or match_token(request.user, form.cleaned_data["token"].replace(" ", "")) is not None
        )
        if token_ok:
            request.session.cycle_key()
            request.session[REAUTHENTICATED_AT] = timezone.now().timestamp()
            return redirect(_next(request))
        form.add_error(None, "Your password or code is not right.")
    return render(
        request, "account/reauthenticate.html", {"form": form, "needs_token": needs_token, "next": _next(request)}
    )


@login_required
def account(request: TenantRequest) -> HttpResponse:
    sign_ins = SignIn.objects.filter(user_id=request.user.pk or 0).order_by("-at")[:20]
    backup = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
    return render(
        request,
        "account/account.html",
        {
            "sign_ins": sign_ins,
            "has_device": has_confirmed_device(request.user),
            "backup_left": backup.token_set.count() if backup else 0,
            "current_key": request.session.session_key,
        },
    )


@require_POST
@login_required
def new_backup_codes(request: TenantRequest) -> HttpResponse:
    if not request.user.is_verified():
        return redirect("mfa_verify")
    codes = _issue_backup_codes(request.user)
    return render(request, "account/backup_codes.html", {"codes": codes, "next": _next(request, "account")})


@require_POST
@login_required
def sign_out_everywhere(request: TenantRequest) -> HttpResponse:
    """Every session ends, and so does what the person left running: their calendar addresses and API clients."""
    user = request.user
    end_all_sessions(user, revoke_credentials=True)
    logout(request)  # this session too, with a fresh empty one for the message below
    messages.success(
        request,
        "You have been signed out on every device. Your calendar addresses and any API clients you made have "
        "been stopped.",
    )
    return redirect("login")


@login_required
def invitations(request: TenantRequest) -> HttpResponse:
    """Roles offered by another trust's administrator: nothing changes until the person accepts one here."""
    if request.method == "POST":
        try:
            invitation = services.answer_invitation(
                request.user,
                request.POST.get("invitation", ""),
                accept=request.POST.get("answer") == "accept",
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if invitation.accepted_at:
                messages.success(request, f"You are now {invitation.get_role_display()} in {invitation.trust.name}.")
            else:
                messages.success(request, "Invitation declined.")
        return redirect("invitations")
    return render(
        request,
        "account/invitations.html",
        {"invitations": services.open_invitations(request.user)},
    )
