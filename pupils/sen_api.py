"""The REST API's read-back of SEN data for the MIS: the register, the change feed, passports, need types."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from pupils import passports as passport_fields
from pupils.api import LogsPupilReads, LogsPupilsListed, NeedsFields, with_need_codes
from pupils.models import (
    HistoricSenStatus,
    NeedType,
    PassportStatus,
    PassportVersion,
    Pupil,
    RegisterChange,
    SenStatus,
)
from send.api import (
    ApiFilterSet,
    ApiViewSet,
    StrictQueryMixin,
)


class RegisterEntrySerializer(NeedsFields):
    id = serializers.UUIDField(source="uuid", read_only=True)
    school = serializers.UUIDField(source="school.uuid", read_only=True)

    class Meta:
        model = Pupil
        fields = [
            "id",
            "mis_id",
            "upn",
            "school",
            "sen_status",
            "sen_status_since",
            "primary_need",
            "secondary_need",
            "updated_at",
        ]


class RegisterFilter(ApiFilterSet):
    school = django_filters.UUIDFilter(field_name="school__uuid")
    sen_status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in (SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN)]
    )

    class Meta:
        model = Pupil
        fields = ["school", "sen_status"]


@extend_schema_view(
    list=extend_schema(
        summary="The SEND register: pupils at SEN support (K) or with an EHC plan (E)",
        description=(
            "For the census and the MIS's own screens. With `updated_since`, a pupil taken off the register "
            "since then comes as a tombstone `left_register`."
        ),
    )
)
class RegisterViewSet(LogsPupilsListed, ApiViewSet):
    model = Pupil

    def base_queryset(self) -> QuerySet[Any]:
        return with_need_codes(Pupil.objects.all())

    serializer_class = RegisterEntrySerializer
    filterset_class = RegisterFilter

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.request.query_params.get("updated_since"):
            return queryset  # pupils off the register since then are told as tombstones
        return queryset.filter(sen_status__in=[SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN])

    def tombstone_reason(self, obj: Pupil) -> str | None:
        return "left_register" if obj.sen_status == SenStatus.NO_SEN else None


class SenChangeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    pupil = serializers.UUIDField(source="pupil.uuid", read_only=True)
    pupil_mis_id = serializers.CharField(source="pupil.mis_id", read_only=True)
    status = serializers.ChoiceField(choices=HistoricSenStatus.choices, read_only=True)
    primary_need = serializers.CharField(source="primary_need.code", read_only=True, allow_null=True, default=None)
    secondary_need = serializers.CharField(source="secondary_need.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = RegisterChange
        fields = [
            "id",
            "pupil",
            "pupil_mis_id",
            "status",
            "primary_need",
            "secondary_need",
            "on_monitoring_list",
            "starts_on",
            "recorded_at",
        ]


class SenChangeFilter(ApiFilterSet):
    pupil = django_filters.UUIDFilter(field_name="pupil__uuid")
    school = django_filters.UUIDFilter(field_name="pupil__school__uuid")

    class Meta:
        model = RegisterChange
        fields = ["pupil", "school"]


@extend_schema_view(
    list=extend_schema(
        summary="The SEN change feed: every change of SEN status or needs, in the order recorded",
        description=(
            "Poll with `updated_since` (the `recorded_at` of the last change you saw) to learn what changed "
            "without re-reading every pupil. A change may start on a later date (`starts_on`)."
        ),
    )
)
class SenChangeViewSet(LogsPupilsListed, ApiViewSet):
    pupil_key = "pupil"
    model = RegisterChange

    def base_queryset(self) -> QuerySet[Any]:
        return RegisterChange.objects.select_related("pupil", "primary_need", "secondary_need")

    serializer_class = SenChangeSerializer
    filterset_class = SenChangeFilter
    sync_field = "recorded_at"


class PassportSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    pupil = serializers.UUIDField(source="pupil.uuid", read_only=True)
    pupil_mis_id = serializers.CharField(source="pupil.mis_id", read_only=True)
    key_strategies = serializers.ListField(source="strategies", child=serializers.CharField(), read_only=True)
    approved_at = serializers.DateTimeField(source="reviewed_at", read_only=True)

    class Meta:
        model = PassportVersion
        fields = ["id", "pupil", "pupil_mis_id", "number", *passport_fields.FIELDS, "approved_at", "updated_at"]


class PassportFilter(ApiFilterSet):
    pupil = django_filters.UUIDFilter(field_name="pupil__uuid")
    school = django_filters.UUIDFilter(field_name="pupil__school__uuid")

    class Meta:
        model = PassportVersion
        fields = ["pupil", "school"]


PASSPORTS_LEAVE = "Only versions the SENCO approved leave the platform: drafts and returned versions stay inside."


@extend_schema_view(
    list=extend_schema(
        summary="Approved pupil passports (every approved version; the highest number is current)",
        description=PASSPORTS_LEAVE,
    ),
    retrieve=extend_schema(summary="One approved passport version", description=PASSPORTS_LEAVE),
)
class PassportViewSet(LogsPupilReads, mixins.RetrieveModelMixin, ApiViewSet):
    pupil_key = "pupil"
    """Only versions the SENCO approved leave the platform: drafts and returned versions stay inside."""

    model = PassportVersion

    def base_queryset(self) -> QuerySet[Any]:
        return PassportVersion.objects.filter(status=PassportStatus.APPROVED).select_related("pupil")

    serializer_class = PassportSerializer
    filterset_class = PassportFilter


class NeedTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = NeedType
        fields = ["code", "label", "valid_from", "valid_to"]


@extend_schema_view(list=extend_schema(summary="The census SEN need types (reference data, the same for every trust)"))
class NeedTypeViewSet(StrictQueryMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = NeedType.objects.order_by("code")
    serializer_class = NeedTypeSerializer
    pagination_class = None
