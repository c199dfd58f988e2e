"""Who may call the API: the client's scopes (through the policy) and its rate limit, counted in Redis.

Kept apart from `send.api` because DRF imports these classes from its settings while loading its views.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from send import policy


def is_api_client(user: Any) -> bool:
    return bool(getattr(user, "is_api_client", False))


class HasScope(permissions.BasePermission):
    """Reads need the client's `read` scope, writes its `write` scope (through the policy, on its trust)."""

    message = "This API client does not have the scope this request needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.user
        if not is_api_client(client):
            return False
        action = "read" if request.method in permissions.SAFE_METHODS else "write"
        return policy.can(client, action, client.trust)


class ApiClientRateThrottle(SimpleRateThrottle):
    """A per-client limit (requests per minute, set on the client) counted in Redis through the cache."""

    scope = "api_client"
    rate = "600/min"

    def allow_request(self, request: Request, view: Any) -> bool:
        client = request.user
        if not is_api_client(client):
            return True
        self.num_requests, self.duration = client.rate_limit_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return f"throttle:api:{request.user.uuid}"
