"""The REST API's errors as RFC 9457 problem details, for DRF's exceptions and Django's alike."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

MAX_BATCH = 1000  # records in one bulk request
PROBLEM_CONTENT_TYPE = "application/problem+json"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"Send at most {MAX_BATCH} records in one request."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."
    default_code = "conflict"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
}


def problem(status_code: int, code: str, detail: str, errors: Any = None) -> dict[str, Any]:
    """One error shape for the whole API (RFC 9457), with field errors under `errors`."""
    body: dict[str, Any] = {
        "type": f"urn:send:problem:{code}",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge("The request body is too large: send at most 1,000 records, about 5 MB.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("There is no such object, or this client may not see it.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real fault: Django's 500 handler, logged
    code = "error"
    errors = None
    detail = ""
    if isinstance(exc, exceptions.ValidationError):
        code = "validation_error"
        errors = response.data
        detail = "Some fields are not valid: see `errors`."
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        data = response.data
        detail = str(data.get("detail", exc.detail)) if isinstance(data, dict) else str(exc.detail)
    response.data = problem(response.status_code, code, detail, errors)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer in the API's error shape, not with the HTML 404 page."""
    return JsonResponse(
        problem(404, "not_found", "There is no such API endpoint."), status=404, content_type=PROBLEM_CONTENT_TYPE
    )


def api_or_page(status_code: int, code: str, detail: str, page: Any) -> Any:
    """A Django error handler (handler400/403/404/500) that answers /api/ in the problem shape."""

    def handler(request: HttpRequest, exception: Exception | None = None) -> Any:
        if request.path.startswith("/api/"):
            body = problem(status_code, code, detail)
            return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)
        return page(request, exception) if status_code != 500 else page(request)

    return handler
