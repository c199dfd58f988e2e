from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest


class SuperuserAdminSite(AdminSite):
    """The Django admin is for platform superusers only, past their second factor; trust staff work in the trust
    admin pages. Its OTP device pages never show keys or backup codes (`OTP_ADMIN_HIDE_SENSITIVE_DATA`, and
    `hide_backup_codes` below). The default site, through `send.apps.SuperuserAdminConfig`."""

    site_header = "SEND platform administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_superuser and getattr(user, "is_verified", lambda: False)())


def hide_backup_codes(site: AdminSite) -> None:
    """django-otp's admin lists each backup code in plain text: show the device without its codes."""
    from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
    from django_otp.plugins.otp_static.models import StaticDevice

    class StaticDeviceWithoutCodes(StaticDeviceAdmin):
        inlines: list[Any] = []

    if site.is_registered(StaticDevice):
        site.unregister(StaticDevice)
    site.register(StaticDevice, StaticDeviceWithoutCodes)
