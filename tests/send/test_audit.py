"""The audit trail records writes (who, what, through which request) and accesses; the app cannot rewrite it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.urls import reverse

from pupils.models import Pupil
from send.models import AccessEvent
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_write_is_recorded_with_the_old_and_new_values(world):
    with tenant_context(world.a.trust.pk):
        pupil = world.a.pupils[1]
        pupil.sen_status = "K"
        pupil.save()
        events = list(pupil.events.order_by("pgh_id").values_list("pgh_label", "sen_status"))
    assert events[-1] == ("update", "K")
    assert events[0][0] == "insert"


def test_a_write_through_a_request_records_the_user_and_url(world):
    admin = world.a.users["admin"]
    client = client_for(admin)
    url = reverse("schools:school_terms", kwargs={"school_uuid": world.a.school.uuid})
    response = client.post(
        url,
        {"form": "inset", "inset-date": "2026-10-05", "inset-reason": "Training"},
    )
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        from schools.models import InsetDay

        day = InsetDay.objects.get(date="2026-10-05")
        event = day.events.get(pgh_label="insert")
    assert event.pgh_context["user"] == admin.pk
    assert event.pgh_context["url"] == url


def test_opening_a_pupil_record_is_logged_as_an_access(world):
    senco = world.a.users["senco"]
    pupil = world.a.pupils[0]
    response = client_for(senco).get(reverse("pupils:record", kwargs={"pupil_uuid": pupil.uuid}))
    assert response.status_code == 200
    with tenant_context(world.a.trust.pk):
        access = AccessEvent.objects.get(object_id=str(pupil.uuid))
    assert (access.user_id, access.action, access.object_type) == (senco.pk, "view", "pupils.pupil")


def test_a_refused_record_is_not_logged_as_opened(world):
    pupil = world.a.pupils[2]  # not in the teacher's class
    response = client_for(world.a.users["teacher"]).get(reverse("pupils:record", kwargs={"pupil_uuid": pupil.uuid}))
    assert response.status_code == 404
    with tenant_context(world.a.trust.pk):
        assert not AccessEvent.objects.filter(object_id=str(pupil.uuid)).exists()


@pytest.mark.parametrize("statement", ["UPDATE {table} SET pgh_label = 'x'", "DELETE FROM {table}"])
def test_the_app_role_cannot_update_or_delete_audit_rows(world, statement):
    with tenant_context(world.a.trust.pk):
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement.format(table="pupils_pupilevent"))
        assert Pupil.objects.exists()


@pytest.mark.parametrize("statement", ["UPDATE send_accessevent SET action = 'x'", "DELETE FROM send_accessevent"])
def test_the_app_role_cannot_update_or_delete_the_access_log(world, statement):
    with tenant_context(world.a.trust.pk):
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
