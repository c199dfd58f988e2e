"""Sync pagination for every API list: a cursor over (updated time, uuid), with tombstones merged in.

Kept apart from `send.api` because DRF imports the class from its settings while loading its views.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from send import policy
from send.models import Tombstone


def parse_updated_since(request: Request) -> dt.datetime | None:
    raw = request.query_params.get("updated_since")
    if raw is None:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise exceptions.ValidationError(
            {"updated_since": ["Give a date and time in ISO 8601 with a time zone, e.g. 2026-09-01T07:00:00Z."]}
        )
    try:
        return value.astimezone(dt.UTC)  # PostgreSQL takes offsets up to 15:59 only; UTC is always fine
    except (OverflowError, ValueError):
        raise exceptions.ValidationError({"updated_since": ["This time is out of range."]}) from None


@dataclass(order=True)
class _Item:
    at: dt.datetime
    key: Any
    obj: Any = field(compare=False)
    tombstone: bool = field(compare=False, default=False)


class SyncCursorPagination(BasePagination):
    """Stable order by (updated time, uuid), a position cursor that survives inserts, and tombstones.

    DRF's CursorPagination pages one queryset; a sync needs the deleted rows merged into the same order,
    so this pages both (one query each) and merges them.
    """

    default_page_size = 100
    max_page_size = 1000

    def paginate(self, queryset: QuerySet[Any], request: Request, view: Any) -> list[_Item]:
        self.request = request
        ts_field = getattr(view, "sync_field", "updated_at")
        key_field = getattr(view, "sync_key", "uuid")
        size = self._page_size(request)
        since = self.since = parse_updated_since(request)
        position = self._decode(request.query_params.get("cursor"))
        live = queryset
        if since is not None:
            live = live.filter(**{f"{ts_field}__gte": since})
        if position is not None:
            at, key = position
            live = live.filter(Q(**{f"{ts_field}__gt": at}) | Q(**{ts_field: at, f"{key_field}__gt": key}))
        rows = list(live.order_by(ts_field, key_field)[: size + 1])
        items = [_Item(getattr(row, ts_field), getattr(row, key_field), row) for row in rows]
        resource = getattr(view, "tombstone_resource", None)
        if since is not None and resource:
            dead: QuerySet[Tombstone] = policy.visible(
                request.user, Tombstone.objects.filter(resource=resource), "read"
            )
            dead = dead.filter(deleted_at__gte=since)
            if position is not None:
                at, key = position
                dead = dead.filter(Q(deleted_at__gt=at) | Q(deleted_at=at, object_uuid__gt=key))
            for stone in dead.order_by("deleted_at", "object_uuid")[: size + 1]:
                items.append(_Item(stone.deleted_at, stone.object_uuid, stone, tombstone=True))
            items.sort()
        self.has_next = len(items) > size
        self.page = items[:size]
        return self.page

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get("page_size")
        if raw is None:
            return self.default_page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError({"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]})
        return size

    @staticmethod
    def _encode(item: _Item) -> str:
        raw = json.dumps([item.at.isoformat(), str(item.key)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode(cursor: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
        if not cursor:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            at_text, key = json.loads(raw)
            at = dt.datetime.fromisoformat(at_text)
            if at.tzinfo is None:
                raise ValueError("naive")
            return at.astimezone(dt.UTC), uuid.UUID(key)
        except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
            raise exceptions.ValidationError(
                {"cursor": ["This cursor is not one the API gave; start again."]}
            ) from None

    def next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        from rest_framework.utils.urls import replace_query_param

        return replace_query_param(self.request.build_absolute_uri(), "cursor", self._encode(self.page[-1]))

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        return self.paginate(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # A client asking `updated_since` may get tombstones among the records.
        schema = {**schema, "items": {"oneOf": [schema["items"], {"$ref": "#/components/schemas/Tombstone"}]}}
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last page: follow it as given (its "
                    "`cursor` parameter is opaque).",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
                "description": "Records per page (default 100).",
            },
            {
                "name": "updated_since",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date-time"},
                "description": "Only records changed at or after this time (ISO 8601 with a time zone). Records "
                "deleted since then (and pupils who left) come as tombstones: `{id, mis_id, tombstone, at}`.",
            },
        ]
