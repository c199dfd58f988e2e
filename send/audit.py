"""Access logging: opening a pupil's SEND record is recorded, append-only; so is every action on a person's
access (security events: who, whom, when)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ipware import get_client_ip
from psycopg import sql

from send.models import AccessEvent, SecurityEvent
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


def record_access(
    request: HttpRequest, obj: Any, action: str = "view", detail: dict[str, Any] | None = None
) -> AccessEvent:
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
        detail=detail or {},
    )


def record_accesses(request: HttpRequest, objects: list[Any], action: str) -> None:
    """One access event for each record a page showed (a class's passports), written in one statement."""
    user = getattr(request, "user", None)
    trust_id = require_trust_id()
    AccessEvent.objects.bulk_create(
        AccessEvent(
            trust_id=trust_id,
            user=user if user is not None and user.is_authenticated else None,
            object_type=obj._meta.label_lower,
            object_id=str(getattr(obj, "uuid", obj.pk)),
            action=action,
            path=request.path[:500],
            ip_address=client_ip(request),
        )
        for obj in objects
    )


def record_security_event(
    request: HttpRequest | None,
    action: str,
    *,
    subject: Any = None,
    detail: dict[str, Any] | None = None,
    actor: Any = None,
    api_client: str = "",
) -> SecurityEvent:
    """Someone acted on a person's access, in the current trust: who (the request's user, or `actor`), whom
    (`subject`), when, from where, and what (`action`, `detail`)."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = (
            user if user is not None and user.is_authenticated and not getattr(user, "is_api_client", False) else None
        )
    return SecurityEvent.objects.create(
        trust_id=require_trust_id(),
        actor=actor,
        api_client=api_client,
        subject=subject,
        action=action,
        detail=detail or {},
        path=request.path[:500] if request is not None else "",
        ip_address=client_ip(request) if request is not None else None,
    )


def record_api_read(request: Any, model: Any, rows: list[dict[str, Any]], key: str = "id") -> None:
    """An API client read these pupils' SEND data: one access event per pupil, written in one short statement (the
    ids as one array), however many rows the page had.

    `key` names the field that holds the pupil's id: "id" for pupils themselves, "pupil" for rows about a pupil
    (contacts, passports, SEN changes), each pupil logged once per answer."""
    seen: dict[str, None] = {}
    for row in rows:
        if key in row and row[key] and "tombstone" not in row:
            seen.setdefault(str(row[key]), None)
    if not seen:
        return
    statement = sql.SQL(
        "INSERT INTO {table} (trust_id, user_id, api_client, object_type, object_id, action, path, ip_address, "
        "created_at, detail) SELECT %s, NULL, %s, %s, object_id, 'api_read', %s, %s::inet, %s, '{{}}'::jsonb "
        "FROM unnest(%s::varchar[]) AS object_id"
    ).format(table=sql.Identifier(AccessEvent._meta.db_table))
    params = [
        require_trust_id(),
        getattr(request, "api_client_name", "") or "",
        model._meta.label_lower,
        request.path[:500],
        client_ip(request),
        timezone.now(),
        list(seen),
    ]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection), params)
