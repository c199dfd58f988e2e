"""Reads for records: the CTF imports a user may see, tenant-scoped and policy-filtered, one query each."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from records.models import AccessRequest, CtfImport, Transfer
from send import policy


def visible_imports(user: Any) -> QuerySet[CtfImport]:
    return policy.visible(user, CtfImport.objects.select_related("school", "pupil", "imported_by"), "view")


def imports_with_open_conflicts(user: Any) -> QuerySet[CtfImport]:
    """What the SENCO still has to resolve, newest first."""
    return visible_imports(user).exclude(conflicts=[]).filter(conflicts_resolved_at__isnull=True)


def imports_of_pupil(user: Any, pupil: Any) -> list[CtfImport]:
    return list(visible_imports(user).filter(pupil=pupil))


def transfers_of_pupil(user: Any, pupil: Any) -> list[Transfer]:
    return list(policy.visible(user, Transfer.objects.filter(pupil=pupil).select_related("to_school"), "view"))


def access_requests_of_pupil(user: Any, pupil: Any) -> list[AccessRequest]:
    return list(policy.visible(user, AccessRequest.objects.filter(pupil=pupil), "view"))
