"""REST API for the MIS: schools (read), staff and classes (read, bulk upsert, delete)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from schools import mis_services, relink, services
from schools.models import ClassStaff, ClassStaffRole, Membership, Phase, School, SchoolClass, YearGroup
from send.api import MIS_ID, ApiFilterSet, ApiViewSet, BulkUpsertMixin, StrictSerializer, bulk_schema

# --- Schools ---------------------------------------------------------------------------------------------


class SchoolSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    laestab = serializers.CharField(read_only=True, help_text="LA number and establishment number: the DfE's key")

    class Meta:
        model = School
        fields = ["id", "name", "urn", "la_code", "establishment_number", "laestab", "phase", "updated_at"]


class SchoolFilter(ApiFilterSet):
    urn = django_filters.CharFilter()
    phase = django_filters.ChoiceFilter(choices=Phase.choices)

    class Meta:
        model = School
        fields = ["urn", "phase"]


@extend_schema_view(
    list=extend_schema(summary="List the schools this client may read"),
    retrieve=extend_schema(summary="One school"),
)
class SchoolViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """Schools are set up by the trust's administrators; the MIS reads them to learn their ids (or URNs)."""

    model = School

    def base_queryset(self) -> QuerySet[Any]:
        return School.objects.all()

    serializer_class = SchoolSerializer
    filterset_class = SchoolFilter


# --- Staff -----------------------------------------------------------------------------------------------


class StaffSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    school = serializers.UUIDField(source="school.uuid", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "mis_id", "school", "email", "full_name", "role", "updated_at"]


class StaffWriteSerializer(StrictSerializer):
    mis_id = MIS_ID
    school = serializers.UUIDField(help_text="The school's id (see /api/v1/schools/)")
    email = serializers.EmailField(max_length=254, help_text="The person's work email: their sign-in")
    full_name = serializers.CharField(max_length=200, help_text="Used when the person is new to the platform")
    role = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in mis_services.MIS_STAFF_ROLES],
        help_text="Teachers and teaching assistants only; other roles are given by the trust's administrators",
    )


class StaffFilter(ApiFilterSet):
    school = django_filters.UUIDFilter(field_name="school__uuid")
    role = django_filters.CharFilter()
    mis_id = django_filters.CharFilter()

    class Meta:
        model = Membership
        fields = ["school", "role", "mis_id"]


@extend_schema_view(
    list=extend_schema(summary="List staff roles at the client's schools"),
    retrieve=extend_schema(summary="One staff role"),
    destroy=extend_schema(summary="Remove a teacher's or teaching assistant's role (they left)"),
    bulk=bulk_schema(
        "staff",
        StaffWriteSerializer,
        [
            {
                "mis_id": "STAFF-1001",
                "school": "2f0b8c1e-7c0a-4c9e-9f57-0f8f5f6b1a11",
                "email": "j.smith@oakfield.example",
                "full_name": "Jo Smith",
                "role": "teacher",
            }
        ],
        adopted_by="email",
    ),
)
class StaffViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, BulkUpsertMixin, ApiViewSet):
    """Staff roles at schools. The MIS writes teachers and teaching assistants; it reads every school role."""

    model = Membership

    def base_queryset(self) -> QuerySet[Any]:
        return Membership.objects.filter(school__isnull=False).select_related("user", "school")

    serializer_class = StaffSerializer
    write_serializer_class = StaffWriteSerializer
    filterset_class = StaffFilter
    tombstone_resource = "staff"

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "destroy":
            return queryset.filter(role__in=list(mis_services.MIS_STAFF_ROLES))
        return queryset

    def perform_destroy(self, instance: Membership) -> None:
        services.remove_membership(instance)

    upsert_service = staticmethod(relink.upsert_staff_relinking)

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request)


# --- Classes ---------------------------------------------------------------------------------------------


class ClassStaffSerializer(serializers.Serializer):
    mis_id = serializers.CharField(help_text="The staff record's mis_id at this school, if it has one")
    email = serializers.EmailField()


class SchoolClassSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    school = serializers.UUIDField(source="school.uuid", read_only=True)
    school_year = serializers.CharField(source="school_year.name", read_only=True)
    teachers = serializers.SerializerMethodField()
    teaching_assistants = serializers.SerializerMethodField()

    class Meta:
        model = SchoolClass
        fields = [
            "id",
            "mis_id",
            "school",
            "school_year",
            "name",
            "year_group",
            "teachers",
            "teaching_assistants",
            "updated_at",
        ]

    def _staff(self, school_class: SchoolClass, role: str) -> list[dict[str, str]]:
        found = []
        for row in school_class.staff.all():
            if row.role != role:
                continue
            mis_id = next(
                (m.mis_id for m in row.user.memberships.all() if m.school_id == school_class.school_id and m.mis_id),
                "",
            )
            found.append({"mis_id": mis_id, "email": row.user.email})
        return found

    @extend_schema_field(ClassStaffSerializer(many=True))
    def get_teachers(self, school_class: SchoolClass) -> list[dict[str, str]]:
        return self._staff(school_class, ClassStaffRole.TEACHER)

    @extend_schema_field(ClassStaffSerializer(many=True))
    def get_teaching_assistants(self, school_class: SchoolClass) -> list[dict[str, str]]:
        return self._staff(school_class, ClassStaffRole.SUPPORT)


class SchoolClassWriteSerializer(StrictSerializer):
    mis_id = MIS_ID
    school = serializers.UUIDField(help_text="The school's id (see /api/v1/schools/)")
    school_year = serializers.CharField(max_length=20, help_text="The school year's name, for example 2026-27")
    name = serializers.CharField(max_length=60)
    year_group = serializers.ChoiceField(choices=YearGroup.choices)
    teachers = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=50,
        help_text="Staff mis_ids of the class's teachers; when given, they replace the class's teachers",
    )
    teaching_assistants = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=50,
        help_text="Staff mis_ids of the class's teaching assistants; when given, they replace them",
    )


class SchoolClassFilter(ApiFilterSet):
    school = django_filters.UUIDFilter(field_name="school__uuid")
    school_year = django_filters.CharFilter(field_name="school_year__name")
    year_group = django_filters.ChoiceFilter(choices=YearGroup.choices)
    mis_id = django_filters.CharFilter()

    class Meta:
        model = SchoolClass
        fields = ["school", "school_year", "year_group", "mis_id"]


@extend_schema_view(
    list=extend_schema(summary="List classes, with their teachers and teaching assistants"),
    retrieve=extend_schema(summary="One class"),
    destroy=extend_schema(summary="Delete a class (its pupils keep their records, without a class)"),
    bulk=bulk_schema(
        "classes",
        SchoolClassWriteSerializer,
        [
            {
                "mis_id": "CLASS-4B",
                "school": "2f0b8c1e-7c0a-4c9e-9f57-0f8f5f6b1a11",
                "school_year": "2026-27",
                "name": "4B",
                "year_group": "4",
                "teachers": ["STAFF-1001"],
                "teaching_assistants": [],
            }
        ],
        adopted_by="name, year group and school year",
    ),
)
class SchoolClassViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, BulkUpsertMixin, ApiViewSet):
    """Classes and class memberships: a class's staff here, a pupil's class on the pupil (`class_mis_id`)."""

    model = SchoolClass

    def base_queryset(self) -> QuerySet[Any]:
        return SchoolClass.objects.select_related("school", "school_year").prefetch_related(
            Prefetch(
                "staff",
                queryset=ClassStaff.objects.select_related("user").prefetch_related(
                    Prefetch("user__memberships", queryset=Membership.objects.exclude(mis_id=""))
                ),
            )
        )

    serializer_class = SchoolClassSerializer
    write_serializer_class = SchoolClassWriteSerializer
    filterset_class = SchoolClassFilter
    tombstone_resource = "class"

    upsert_service = staticmethod(relink.upsert_classes_relinking)

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request)
