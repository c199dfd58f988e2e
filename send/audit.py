"""Access logging: opening a pupil's SEND record is recorded, append-only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from send.models import AccessEvent
from send.tenancy import require_trust_id


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def record_access(request: HttpRequest, obj: Any, action: str = "view") -> AccessEvent:
    user = getattr(request, "user", None)
    return AccessEvent.objects.create(
        trust_id=getattr(obj, "trust_id", None) or require_trust_id(),
        user=user if user is not None and user.is_authenticated else None,
        api_client=getattr(request, "api_client_name", "") or "",
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "uuid", obj.pk)),
        action=action,
        path=request.path[:500],
        ip_address=client_ip(request),
    )


def record_api_read(request: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """An API client read these pupils' SEND data: one access event each, written in one statement."""
    trust_id = require_trust_id()
    client = getattr(request, "api_client_name", "") or ""
    events = [
        AccessEvent(
            trust_id=trust_id,
            api_client=client,
            object_type=model._meta.label_lower,
            object_id=str(row["id"]),
            action="api_read",
            path=request.path[:500],
            ip_address=client_ip(request),
        )
        for row in rows
        if "id" in row and "tombstone" not in row
    ]
    AccessEvent.objects.bulk_create(events)
