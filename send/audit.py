"""Access logging: opening a pupil's SEND record is recorded, append-only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

from send.models import AccessEvent
from send.tenancy import require_trust_id


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as our own reverse proxies saw it (django-ipware).

    With `PROXY_COUNT` proxies in front, each appends the address it was connected from to `X-Forwarded-For`,
    so the client is the PROXY_COUNT-th entry from the right; whatever a client wrote further left is its own
    claim, and ignored. With no proxy the header is ignored altogether. Used for the sign-in lock (django-axes),
    the API's wrong-token counter, sign-in records and the access log.
    """
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return request.META.get("REMOTE_ADDR") or None
    address, _ = get_client_ip(
        request,
        proxy_order="left-most",
        # ipware counts the proxies listed after the client in the header: the last proxy is REMOTE_ADDR.
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or request.META.get("REMOTE_ADDR") or None


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
