"""REST API for the MIS: pupils and contacts (read, bulk upsert), and SEN data read back: the register, the
SEN change feed, approved passports and the census need types."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pupils import relink, services
from pupils.models import (
    Contact,
    ContactKind,
    Gender,
    Pupil,
    Relationship,
    SenStatus,
)
from pupils.selectors import with_register_columns
from schools.models import YearGroup
from send.api import (
    MIS_ID,
    ApiFilterSet,
    ApiViewSet,
    BulkUpsertMixin,
    FastRepresentation,
    StrictSerializer,
    bulk_schema,
)
from send.audit import record_api_read

# Type checkers see the DRF views the mixin below is mixed into.
if TYPE_CHECKING:
    from rest_framework.viewsets import GenericViewSet

    class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
        pass
else:
    _ReadViewSet = object


# Every pupil a page of the list names is logged as read by the client (one access event each, see
# record_api_read); `pupil_key` is the field of each row that holds the pupil's id. (Comments, not docstrings:
# drf-spectacular would print a mixin's docstring as the description of every endpoint.)
class LogsPupilsListed(_ReadViewSet):
    pupil_key = "id"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        record_api_read(request, Pupil, response.data["results"], key=self.pupil_key)
        return response


# As LogsPupilsListed, and the pupil of one record read by id too (for resources with a detail route).
class LogsPupilReads(LogsPupilsListed):
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        record_api_read(request, Pupil, [response.data], key=self.pupil_key)
        return response


def with_need_codes(pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """The primary and secondary need codes as columns of the pupil's own row (no prefetch of every need)."""
    return with_register_columns(pupils)


def _need(pupil: Pupil, rank: int) -> str | None:
    annotated = getattr(pupil, "primary_need_code" if rank == 1 else "secondary_need_code", _NOT_LOADED)
    if annotated is not _NOT_LOADED:
        return cast(str | None, annotated)
    return next((need.need_type.code for need in pupil.needs.all() if need.rank == rank), None)


_NOT_LOADED = object()


# --- Pupils ----------------------------------------------------------------------------------------------


# The pupil's primary and secondary census need codes, from the prefetched needs (no query per pupil).
class NeedsFields(FastRepresentation, serializers.ModelSerializer):
    primary_need = serializers.SerializerMethodField(help_text="Census need type code of the primary need")
    secondary_need = serializers.SerializerMethodField(help_text="Census need type code of the secondary need")

    def get_primary_need(self, pupil: Pupil) -> str | None:
        return _need(pupil, 1)

    def get_secondary_need(self, pupil: Pupil) -> str | None:
        return _need(pupil, 2)


class PupilSerializer(NeedsFields):
    id = serializers.UUIDField(source="uuid", read_only=True)
    school = serializers.UUIDField(source="school.uuid", read_only=True)
    class_id = serializers.UUIDField(source="school_class.uuid", read_only=True, allow_null=True, default=None)
    class_mis_id = serializers.CharField(source="school_class.mis_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Pupil
        fields = [
            "id",
            "mis_id",
            "school",
            "upn",
            "legal_first_name",
            "legal_last_name",
            "preferred_first_name",
            "preferred_last_name",
            "date_of_birth",
            "gender",
            "year_group",
            "admission_date",
            "leaving_date",
            "class_id",
            "class_mis_id",
            "sen_status",
            "sen_status_since",
            "on_monitoring_list",
            "primary_need",
            "secondary_need",
            "is_eal",
            "is_pupil_premium",
            "is_looked_after",
            "is_previously_looked_after",
            "updated_at",
        ]


class PupilWriteSerializer(StrictSerializer):
    """What the MIS owns of a pupil. SEN status, needs and flags with history are kept here, not in the MIS."""

    mis_id = MIS_ID
    school = serializers.UUIDField(help_text="The school's id (see /api/v1/schools/)")
    upn = serializers.CharField(max_length=20, help_text="Unique pupil number: 13 characters with its check letter")
    legal_first_name = serializers.CharField(max_length=100)
    legal_last_name = serializers.CharField(max_length=100)
    preferred_first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    preferred_last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    date_of_birth = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    year_group = serializers.ChoiceField(choices=YearGroup.choices)
    admission_date = serializers.DateField(required=False, allow_null=True)
    leaving_date = serializers.DateField(required=False, allow_null=True)
    class_mis_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, allow_blank=True, help_text="The class's mis_id, or null"
    )


class PupilFilter(ApiFilterSet):
    school = django_filters.UUIDFilter(field_name="school__uuid")
    class_id = django_filters.UUIDFilter(field_name="school_class__uuid")
    year_group = django_filters.ChoiceFilter(choices=YearGroup.choices)
    sen_status = django_filters.ChoiceFilter(choices=SenStatus.choices)
    mis_id = django_filters.CharFilter()
    upn = django_filters.CharFilter()
    on_roll = django_filters.ChoiceFilter(
        choices=[("true", "On roll"), ("false", "Left")],
        method="filter_on_roll",
        label="true: only pupils who have not left; false: only pupils who have left",
    )

    class Meta:
        model = Pupil
        fields = ["school", "class_id", "year_group", "sen_status", "mis_id", "upn", "on_roll"]

    def filter_on_roll(self, queryset: QuerySet[Pupil], name: str, value: str) -> QuerySet[Pupil]:
        left = {"leaving_date__lte": timezone.localdate()}
        return queryset.exclude(**left) if value == "true" else queryset.filter(**left)


def _has_left(pupil: Pupil) -> bool:
    return pupil.leaving_date is not None and pupil.leaving_date <= timezone.localdate()


@extend_schema_view(
    list=extend_schema(
        summary="List pupils with their SEN status and needs",
        description="With `updated_since`, a pupil who has left the school comes as a tombstone `left`.",
    ),
    retrieve=extend_schema(summary="One pupil"),
    bulk=bulk_schema(
        "pupils",
        PupilWriteSerializer,
        [
            {
                "mis_id": "P-20931",
                "school": "2f0b8c1e-7c0a-4c9e-9f57-0f8f5f6b1a11",
                "upn": "A801200001005",
                "legal_first_name": "Amara",
                "legal_last_name": "Okafor",
                "date_of_birth": "2017-03-14",
                "gender": "F",
                "year_group": "4",
                "admission_date": "2021-09-02",
                "class_mis_id": "CLASS-4B",
            }
        ],
        adopted_by="UPN",
    ),
)
class PupilViewSet(LogsPupilReads, mixins.RetrieveModelMixin, BulkUpsertMixin, ApiViewSet):
    """Pupils are the MIS's; their SEN status, needs and history are ours, read back by the MIS."""

    model = Pupil

    def base_queryset(self) -> QuerySet[Any]:
        return with_need_codes(Pupil.objects.all())

    serializer_class = PupilSerializer
    write_serializer_class = PupilWriteSerializer
    filterset_class = PupilFilter
    tombstone_resource = "pupil"

    def tombstone_reason(self, obj: Pupil) -> str | None:
        return "left" if _has_left(obj) else None

    upsert_service = staticmethod(relink.upsert_pupils_relinking)

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request)


# --- Contacts --------------------------------------------------------------------------------------------


class ContactSerializer(FastRepresentation, serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    pupil = serializers.UUIDField(source="pupil.uuid", read_only=True)
    pupil_mis_id = serializers.CharField(source="pupil.mis_id", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "mis_id",
            "pupil",
            "pupil_mis_id",
            "kind",
            "name",
            "relationship",
            "parental_responsibility",
            "organisation",
            "phone",
            "email",
            "updated_at",
        ]


class ContactWriteSerializer(StrictSerializer):
    mis_id = MIS_ID
    pupil_mis_id = serializers.CharField(max_length=100, help_text="The pupil's mis_id")
    kind = serializers.ChoiceField(choices=ContactKind.choices, default=ContactKind.PARENT)
    name = serializers.CharField(max_length=200)
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    parental_responsibility = serializers.BooleanField(default=False)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class ContactFilter(ApiFilterSet):
    pupil = django_filters.UUIDFilter(field_name="pupil__uuid")
    kind = django_filters.ChoiceFilter(choices=ContactKind.choices)
    mis_id = django_filters.CharFilter()

    class Meta:
        model = Contact
        fields = ["pupil", "kind", "mis_id"]


@extend_schema_view(
    list=extend_schema(summary="List parents, carers and professionals of pupils"),
    retrieve=extend_schema(summary="One contact"),
    destroy=extend_schema(summary="Delete a contact"),
    bulk=bulk_schema(
        "contacts",
        ContactWriteSerializer,
        [
            {
                "mis_id": "C-5521",
                "pupil_mis_id": "P-20931",
                "kind": "parent",
                "name": "Grace Okafor",
                "relationship": "mother",
                "parental_responsibility": True,
                "phone": "07700 900123",
                "email": "grace.okafor@example.com",
            }
        ],
    ),
)
class ContactViewSet(LogsPupilReads, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, BulkUpsertMixin, ApiViewSet):
    pupil_key = "pupil"
    model = Contact

    def base_queryset(self) -> QuerySet[Any]:
        return Contact.objects.select_related("pupil")

    serializer_class = ContactSerializer
    write_serializer_class = ContactWriteSerializer
    filterset_class = ContactFilter
    tombstone_resource = "contact"

    upsert_service = staticmethod(services.upsert_contacts)

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request)
