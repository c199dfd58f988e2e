"""Access logging: opening a pupil's SEND record is recorded, append-only."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from psycopg import sql

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
    """An API client read these pupils' SEND data: one access event each, written in one short statement
    (the ids as one array), however many rows the page had."""
    ids = [str(row["id"]) for row in rows if "id" in row and "tombstone" not in row]
    if not ids:
        return
    statement = sql.SQL(
        "INSERT INTO {table} (trust_id, user_id, api_client, object_type, object_id, action, path, ip_address, "
        "created_at) SELECT %s, NULL, %s, %s, object_id, 'api_read', %s, %s::inet, %s "
        "FROM unnest(%s::varchar[]) AS object_id"
    ).format(table=sql.Identifier(AccessEvent._meta.db_table))
    params = [
        require_trust_id(),
        getattr(request, "api_client_name", "") or "",
        model._meta.label_lower,
        request.path[:500],
        client_ip(request),
        timezone.now(),
        ids,
    ]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection), params)
