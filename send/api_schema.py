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


PROBLEM = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "urn:send:problem:validation_error"},
        "title": {"type": "string", "example": "Invalid request"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Field name to its messages, for invalid input",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
TOMBSTONE = {
    "type": "object",
    "description": (
        "A record a client asking `updated_since` should forget: `deleted`, `left` (a pupil who left the "
        "school) or `left_register` (a pupil no longer on the SEND register)."
    ),
    "required": ["id", "mis_id", "tombstone", "at"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "mis_id": {"type": "string"},
        "tombstone": {"type": "string", "enum": ["deleted", "left", "left_register"]},
        "at": {"type": "string", "format": "date-time"},
    },
}
ERRORS = {
    "400": "Invalid input: `errors` names each field",
    "401": "No token, or a token that is not valid or was revoked",
    "403": "The client lacks the scope this request needs",
    "404": "No such object, or one this client may not see (another trust's, another school's)",
    "429": "Past the client's rate limit: retry after `Retry-After` seconds",
}
WRITE_ERRORS = {
    "409": "A request with this Idempotency-Key is still running",
    "413": "More than 1,000 records, or a body too large",
    "422": "This Idempotency-Key was used for a different request",
}


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every API operation documents its errors in the one problem shape (a drf-spectacular postprocessing hook)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    schemas["Tombstone"] = TOMBSTONE
    reference = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        if path.startswith(("/api/v1/schema", "/api/v1/docs")):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                # An empty filter is refused (send.api.ApiFilterSet): say so, so clients and tests know.
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)
                    if "format" not in schema and "enum" not in schema:
                        schema.setdefault("pattern", "^[^\\u0000]*$")  # Django refuses NUL characters
            responses = operation.setdefault("responses", {})
            codes = dict(ERRORS)
            if method in {"post", "put", "patch", "delete"}:
                codes.update(WRITE_ERRORS if path.endswith("/bulk/") else {})
            for code, description in codes.items():
                responses[code] = {"description": description, "content": reference}
    return result
