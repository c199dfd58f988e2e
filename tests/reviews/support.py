"""What the EHC and deadline tests share: the roles, and the deadlines of a trust by kind."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from reviews.models import Deadline
from send.tenancy import tenant_context

TODAY = timezone.localdate()
ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]
WRITERS = {"lead", "senco", "assistant"}


def deadlines(trust: Any, **filters: Any) -> dict[str, Deadline]:
    with tenant_context(trust.pk):
        return {d.kind: d for d in Deadline.objects.filter(**filters)}
