"""The API's fast row rendering gives exactly what DRF's own serializer gives, row for row."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from pupils.api import ContactSerializer, PupilSerializer, with_need_codes
from pupils.models import Contact, Pupil
from pupils.sen_api import RegisterEntrySerializer
from send.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def drf(serializer_class: type[serializers.Serializer], instance: Any) -> dict[str, Any]:
    """What DRF's own `to_representation` makes of `instance`, bypassing the fast path."""
    return dict(serializers.Serializer.to_representation(serializer_class(), instance))


@pytest.mark.parametrize("serializer_class", [PupilSerializer, RegisterEntrySerializer])
def test_pupils_render_as_drf_renders_them(world: Any, serializer_class: Any) -> None:
    with tenant_context(world.a.trust.pk):
        pupils = list(with_need_codes(Pupil.objects.all()).order_by("pk"))
        pupils[0].school_class = None  # no class: the class fields are null, as DRF makes them
        fast = [dict(row) for row in serializer_class(pupils, many=True).data]
        assert fast == [drf(serializer_class, pupil) for pupil in pupils]
        assert any(row.get("primary_need") for row in fast)
        if serializer_class is PupilSerializer:
            assert fast[0]["class_id"] is None and fast[0]["class_mis_id"] is None


def test_contacts_render_as_drf_renders_them(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        pupil = world.a.pupils[0]
        Contact.objects.create(pupil=pupil, kind="parent", name="Grace Okafor", relationship="mother", mis_id="C-1")
        Contact.objects.create(pupil=pupil, kind="professional", name="Dr Patel", relationship="ep")
        contacts = list(Contact.objects.select_related("pupil").order_by("pk"))
        fast = [dict(row) for row in ContactSerializer(contacts, many=True).data]
        assert fast == [drf(ContactSerializer, contact) for contact in contacts]
