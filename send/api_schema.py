"""drf-spectacular extensions: the bearer-token security scheme of API clients."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "schools.api_auth.ApiClientAuthentication"
    name = "ApiClientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token, from Trust admin → API clients (shown once).",
        }
