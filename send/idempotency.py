"""Idempotent API writes: a retry with the same `Idempotency-Key` and body gets the first answer from Redis."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from send.api_errors import Conflict, IdempotencyKeyReused

IDEMPOTENCY_TTL = 24 * 3600
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[!-~][ -~]{0,198}[!-~]|[!-~]")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^([!-~][ -~]{0,198}[!-~]|[!-~])$"},
    location=OpenApiParameter.HEADER,
    description=(
        "Any unique string (a UUID is best), up to 200 characters. A retry with the same key and body within "
        "24 hours returns the first answer, marked `Idempotent-Replayed: true`, and changes nothing."
    ),
)


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """A retried write with the same `Idempotency-Key` returns the first answer, from Redis, and does nothing.

    The key is per client; a key reused with another body is refused (422), and a second request with a
    key whose first is still running waits for nothing: it gets 409 and retries.
    """

    def wrapped(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
            raise exceptions.ValidationError({"Idempotency-Key": ["Give 1 to 200 printable ASCII characters."]})
        digest = hashlib.sha256(key.encode()).hexdigest()
        cache_key = f"idempotency:{request.user.uuid}:{digest}"
        fingerprint = hashlib.sha256(request.method.encode() + request.path.encode() + request.body).hexdigest()
        stored = cache.get(cache_key)
        if stored is None:
            if not cache.add(f"{cache_key}:lock", 1, timeout=120):
                raise Conflict()
            try:
                stored = cache.get(cache_key)
                if stored is None:
                    response = handler(view, request, *args, **kwargs)
                    if response.status_code >= 500 or response.status_code == 429:
                        return response
                    stored = {"fingerprint": fingerprint, "status": response.status_code, "data": response.data}
                    cache.set(cache_key, stored, timeout=IDEMPOTENCY_TTL)
                    return response
            finally:
                cache.delete(f"{cache_key}:lock")
        if stored["fingerprint"] != fingerprint:
            raise IdempotencyKeyReused()
        return Response(stored["data"], status=stored["status"], headers={"Idempotent-Replayed": "true"})

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped
