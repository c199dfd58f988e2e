"""The REST API's shared machinery: errors as problem details, sync pagination with tombstones,
scope permission, per-client rate limit, idempotent requests and the bulk-upsert envelope.

Apps build their resources (`schools/api.py`, `pupils/api.py`) from these parts; the composition root
(`send/urls.py`) mounts them under `/api/v1/`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import django_filters
from django.db import transaction
from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, fields, relations, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from send import policy
from send.api_errors import MAX_BATCH, PayloadTooLarge
from send.bulk import OUTCOME_STATUSES, BulkResult, RecordOutcome, Records
from send.idempotency import IDEMPOTENCY_KEY, idempotent
from send.models import Tombstone

# The mixins below are mixed into DRF's generic views and serializers; type checkers see those bases.
if TYPE_CHECKING:
    from rest_framework.serializers import Serializer as _SerializerBase
    from rest_framework.viewsets import GenericViewSet as _ViewSetBase
else:
    _ViewSetBase = object
    _SerializerBase = object


@policy.register(Tombstone)
class TombstoneRule(policy.Rule):
    """People never list tombstones; an API client sees those of its schools (all, for a whole-trust client)."""

    client_school_path = "school_id"


class TombstoneSerializer(serializers.Serializer):
    """A record a client asking `updated_since` should forget: deleted, or (pupils) left the school."""

    id = serializers.UUIDField()
    mis_id = serializers.CharField()
    tombstone = serializers.ChoiceField(
        choices=["deleted", "left", "left_register"],
        help_text="deleted; left: the pupil has left the school; left_register: no longer on the SEND register",
    )
    at = serializers.DateTimeField()


def tombstone_data(key: Any, mis_id: str, reason: str, at: dt.datetime) -> dict[str, Any]:
    return {"id": str(key), "mis_id": mis_id, "tombstone": reason, "at": at}


class SyncListMixin(_ViewSetBase):
    """`list` that renders live rows with the serializer, and, for a client asking `updated_since`, deleted
    rows (and rows that `tombstone_reason` names, such as pupils who left) as tombstones."""

    sync_field = "updated_at"
    sync_key = "uuid"
    tombstone_resource: str | None = None

    def tombstone_reason(self, obj: Any) -> str | None:
        return None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        paginator: Any = self.paginator
        page = paginator.paginate(queryset, request, self)
        data: list[Any] = [None] * len(page)
        live: list[tuple[int, Any]] = []
        for position, item in enumerate(page):
            reason = "deleted" if item.tombstone else (self.tombstone_reason(item.obj) if paginator.since else None)
            if reason:
                data[position] = tombstone_data(item.key, item.obj.mis_id, reason, item.at)
            else:
                live.append((position, item.obj))
        rendered = self.get_serializer([obj for _, obj in live], many=True).data
        for (position, _), row in zip(live, rendered, strict=True):
            data[position] = row
        return paginator.get_paginated_response(data)


# A serializer's output without DRF's per-field overhead: the same dictionary, much faster for long lists. For
# each readable field DRF looks the source up through generic helpers and exception handling, on every row; here
# each plain field's attribute path is read with `getattr`, and anything else (method fields, related and nested
# fields, a missing attribute, a callable) takes DRF's own path, so the output is identical (a test compares the
# two). No docstring: the API schema would show it as every serializer's description.
class FastRepresentation(_SerializerBase):
    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = self.__dict__["_fast_plan"] = [
                (field.field_name, field, _plain_path(field)) for field in self._readable_fields
            ]
        data: dict[str, Any] = {}
        for name, field, path in plan:
            if path is None:
                try:
                    value = field.get_attribute(instance)
                except fields.SkipField:
                    continue
            else:
                value = instance
                try:
                    for attr in path:
                        value = getattr(value, attr)
                except AttributeError:
                    value = _NO_VALUE
                if value is _NO_VALUE or callable(value):
                    try:
                        value = field.get_attribute(instance)
                    except fields.SkipField:
                        continue
            key = value.pk if isinstance(value, relations.PKOnlyObject) else value
            data[name] = None if key is None else field.to_representation(value)
        return data


_NO_VALUE = object()


def _plain_path(field: Any) -> tuple[str, ...] | None:
    """The attribute path of a field that only converts a value (not a related, nested or method field)."""
    if field.source == "*" or isinstance(
        field, relations.RelatedField | relations.ManyRelatedField | serializers.BaseSerializer
    ):
        return None
    return tuple(field.source_attrs)


# --- Writes: strict input, bulk upserts, idempotency ------------------------------------------------------


class ApiFilterSet(django_filters.FilterSet):
    """A filter named in the query but left empty is an error, not silently no filter."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        empty = [name for name in self.filters if name in self.data and self.data.get(name) == ""]
        for name in empty:
            self.form.add_error(name, "Give a value, or leave this filter out.")
        return valid and not empty


class StrictSerializer(serializers.Serializer):
    """Input that names a field we do not know is refused, so a typo never silently drops a value."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["This field is not known."] for name in unknown})
        return super().to_internal_value(data)


class BulkResultSerializer(serializers.Serializer):
    """The answer to a bulk upsert: one result per record sent, in the order sent."""

    class SummarySerializer(serializers.Serializer):
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        adopted = serializers.IntegerField(help_text="Existing records re-linked to their new mis_id (MIS switch)")
        rejected = serializers.IntegerField()

    class OutcomeSerializer(serializers.Serializer):
        index = serializers.IntegerField(help_text="The record's position in the request, from 0")
        mis_id = serializers.CharField()
        status = serializers.ChoiceField(
            choices=list(OUTCOME_STATUSES),
            help_text=(
                "adopted: during an MIS switch of the school, an existing record with the same UPN (pupils), "
                "email (staff) or name, year group and school year (classes) now has this mis_id"
            ),
        )
        id = serializers.UUIDField(required=False, help_text="Our id of the record (absent when rejected)")
        previous_mis_id = serializers.CharField(
            required=False, allow_blank=True, help_text="adopted: the record's mis_id before (empty if it had none)"
        )
        errors = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Field errors of a rejected record",
        )

    dry_run = serializers.BooleanField(help_text="true: nothing was saved; the results say what would happen")
    summary = SummarySerializer()
    results = OutcomeSerializer(many=True)


def validate_batch(
    request: Request | None, serializer_class: type[serializers.Serializer], *, data: Any = None
) -> tuple[list[tuple[int, dict[str, Any]]], BulkResult]:
    """Check the envelope (a JSON array of at most MAX_BATCH objects), then each record's own fields.

    Returns the records that passed field validation with their index, and a result already holding the
    records rejected at this stage; no database query is made here. Without a request, checks `data`: records
    parsed elsewhere (a file a trust administrator tries in a dry run).
    """
    data = request.data if request is not None else data
    if not isinstance(data, list):
        raise exceptions.ValidationError({"non_field_errors": ["Send a JSON array of records."]})
    if len(data) > MAX_BATCH:
        raise PayloadTooLarge(f"Send at most {MAX_BATCH} records in one request; this one has {len(data)}.")
    result = BulkResult()
    valid: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    # One serializer for every record: DRF deep-copies a serializer's fields for each new instance, which cost
    # more than the validation itself. `run_validation` is what `is_valid` runs, and raises what it would keep.
    serializer = serializer_class()
    for index, record in enumerate(data):
        mis_id = str(record.get("mis_id", "")) if isinstance(record, dict) else ""
        if not isinstance(record, dict):
            errors: dict[str, list[str]] = {"non_field_errors": ["Each record must be a JSON object."]}
            result.outcomes.append(RecordOutcome(index, mis_id, "rejected", errors=errors))
            continue
        try:
            validated = serializer.run_validation(record)
        except exceptions.ValidationError as error:
            result.outcomes.append(RecordOutcome(index, mis_id, "rejected", errors=_flatten(error.detail)))
            continue
        key = validated["mis_id"]
        if key in seen:
            errors = {"mis_id": ["This mis_id appears earlier in the same request."]}
            result.outcomes.append(RecordOutcome(index, key, "rejected", errors=errors))
            continue
        seen.add(key)
        valid.append((index, validated))
    return valid, result


def _flatten(errors: Any) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if isinstance(messages, dict):
            for inner, inner_messages in _flatten(messages).items():
                flat[f"{name}.{inner}"] = inner_messages
        else:
            flat[name] = [str(message) for message in messages]
    return flat


def ids(values: Sequence[Any]) -> list[str]:
    return [str(value) for value in values]


# --- Resource building blocks ----------------------------------------------------------------------------

MIS_ID = serializers.CharField(max_length=100, help_text="The record's id in the MIS, unique in the trust")


class StrictQueryMixin(_ViewSetBase):
    """A query parameter the operation does not know is refused (400), so a misspelt filter never silently
    returns everything."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(self, "action", None) is None:
            return  # a method this route does not take: DRF answers 405
        known = {"cursor", "page_size", "updated_since"} if self.action == "list" else set()
        if self.action == "bulk":
            known = {"dry_run"}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and self.action == "list":
            known |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise exceptions.ValidationError({name: ["This query parameter is not known here."] for name in unknown})


class ApiViewSet(StrictQueryMixin, SyncListMixin, viewsets.GenericViewSet):
    """Rows of `model` that the client may read (or write, for writes), through the policy."""

    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    model: type[Model]

    def base_queryset(self) -> QuerySet[Any]:
        """The rows before the policy filters them; viewsets add their select_related/prefetch_related."""
        return self.model._default_manager.all()

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.model._base_manager.none()  # building the schema: no tenant, no query
        action_name = "read" if self.request.method in {"GET", "HEAD", "OPTIONS"} else "write"
        return policy.visible(self.request.user, self.base_queryset(), action_name)


class BulkUpsertMixin:
    """`POST <resource>/bulk/`: a JSON array of up to 1,000 records keyed by `mis_id`."""

    write_serializer_class: type[serializers.Serializer]
    # The app's service that applies the records: (client, records, result) -> result.
    upsert_service: Callable[[Any, Records, BulkResult], BulkResult]

    def _bulk(self, request: Request) -> Response:
        if dry_run_requested(request):
            return self._upsert(request, dry_run=True)  # saves nothing, so there is nothing to replay
        return self._bulk_write(request)

    @idempotent
    def _bulk_write(self, request: Request) -> Response:
        return self._upsert(request, dry_run=False)

    def _upsert(self, request: Request, *, dry_run: bool) -> Response:
        request.body  # noqa: B018  (Django refuses a body past DATA_UPLOAD_MAX_MEMORY_SIZE: a 413)
        records, result = validate_batch(request, self.write_serializer_class)
        if records:
            run_upsert(self.upsert_service, request.user, records, result, dry_run=dry_run)
        return Response({"dry_run": dry_run, **result.as_dict()}, status=status.HTTP_200_OK)


def run_upsert(
    upsert: Callable[[Any, Records, BulkResult], BulkResult],
    client: Any,
    records: Records,
    result: BulkResult,
    *,
    dry_run: bool,
) -> BulkResult:
    """Apply the records; for a dry run, in a transaction rolled back at the end, so that the outcomes are exactly
    those of the real request (every rule and constraint ran) and nothing is kept: no row, no audit event, and no
    work queued for after the commit."""
    if not dry_run:
        return upsert(client, records, result)
    with transaction.atomic():
        upsert(client, records, result)
        transaction.set_rollback(True)
    return result


DRY_RUN_VALUES = {"1": True, "true": True, "0": False, "false": False}
DRY_RUN = OpenApiParameter(
    "dry_run",
    {"type": "string", "enum": list(DRY_RUN_VALUES)},
    location=OpenApiParameter.QUERY,
    required=False,
    description=(
        "`1`: check every record and answer what would be created, updated, left unchanged, adopted or rejected, "
        "saving nothing (`dry_run` is true in the answer). An `Idempotency-Key` is not used for a dry run."
    ),
)


def dry_run_requested(request: Request) -> bool:
    value = request.query_params.get("dry_run")
    if value is None:
        return False
    if value.lower() not in DRY_RUN_VALUES:
        raise exceptions.ValidationError({"dry_run": ["Give 1 (or true) for a dry run, or leave it out."]})
    return DRY_RUN_VALUES[value.lower()]


def bulk_schema(
    resource: str,
    serializer: type[serializers.Serializer],
    example: list[dict[str, Any]],
    *,
    adopted_by: str | None = None,
) -> Any:
    """The documentation of `POST <resource>/bulk/`; `adopted_by` names the natural key by which a record is
    adopted during an MIS switch (None: the resource is never adopted)."""
    switch = (
        "\n\nDuring an MIS switch of its school (declared by the trust's administrator for this client, or for "
        f"any client that may write to the school in a re-link), a record whose `mis_id` is unknown but which "
        f"matches one of the school's {resource} by {adopted_by} is `adopted`: the new `mis_id` replaces the old one "
        "(given as `previous_mis_id`), and everything attached to the record stays. Outside a switch such a record "
        "is rejected."
        if adopted_by
        else ""
    )
    return extend_schema(
        summary=f"Create or update {resource} by mis_id",
        description=(
            f"Send a JSON array of up to 1,000 {resource}, each keyed by its `mis_id`. Each record is created, "
            "updated, left unchanged (the same values again) or rejected with its field errors; one bad record "
            "does not stop the others, and nothing of a rejected record is saved. Unknown fields are refused."
            f"{switch}\n\nWith `?dry_run=1` nothing is saved: the answer says what would happen."
        ),
        request=serializer(many=True),
        responses={200: BulkResultSerializer},
        parameters=[IDEMPOTENCY_KEY, DRY_RUN],
        examples=[OpenApiExample(f"Two {resource}", value=example, request_only=True)],
    )
