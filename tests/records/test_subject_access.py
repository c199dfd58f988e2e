"""Subject access and educational-record requests: the deadline, the worker's zip with every table that holds the
pupil (found from the models, so a new one cannot be forgotten), review, release, and the audited download."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.urls import reverse

from pupils.models import ContactLogEntry, Pupil
from records.models import AccessRequest
from records.pupil_data import pupil_models
from records.tasks import prepare_subject_access
from reviews.deadlines.models import Deadline
from send.models import AccessEvent
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.records.conftest import give_history

pytestmark = pytest.mark.django_db
D = dt.date


def log_request(world, role: str, pupil, kind: str = "subject_access", received_on: str = "2026-11-30"):
    url = reverse("records:access_request_new", args=[pupil.uuid])
    data = {"kind": kind, "requester": "The pupil's mother", "received_on": received_on}
    return client_for(world.users[role]).post(url, data)


def prepared(world, pupil) -> tuple[AccessRequest, zipfile.ZipFile]:
    with tenant_context(world.trust.pk):
        request = AccessRequest.objects.get(pupil=pupil)
        assert prepare_subject_access.run(world.trust.pk, request.pk) == 100
        request.refresh_from_db()
        return request, zipfile.ZipFile(io.BytesIO(request.export.read()))


def test_every_model_with_a_pupil_key_is_found():
    direct = {
        model
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.many_to_one and field.related_model is Pupil
    }
    assert direct, "no model has a pupil key?"
    assert direct <= set(pupil_models())
    labels = {model._meta.label_lower for model in pupil_models()}
    # a sample of each kind: the record, its history, plans' children, deadlines' children, records' own
    assert {"pupils.pupil", "pupils.pupilevent", "reviews.target", "reviews.reminder", "records.transfer"} <= labels


def test_the_senco_logs_a_subject_access_request_with_a_one_month_deadline(world):
    pupil = world.a.pupils[0]
    assert log_request(world.a, "senco", pupil).status_code == 302
    with tenant_context(world.a.trust.pk):
        request = AccessRequest.objects.get()
        deadline = Deadline.objects.get(kind="subject_access")
    assert request.due_on == D(2026, 12, 30) and deadline.due_on == D(2026, 12, 30)  # one month


def test_a_parents_request_to_see_the_educational_record_is_due_in_15_school_days(world):
    from schools.models import Term

    with tenant_context(world.a.trust.pk):
        Term.objects.create(
            school=world.a.school,
            school_year=world.a.year,
            name="Autumn 2",
            starts_on=D(2026, 11, 2),
            ends_on=D(2026, 12, 18),
        )
    log_request(world.a, "senco", world.a.pupils[0], kind="educational_record", received_on="2026-10-16")
    with tenant_context(world.a.trust.pk):
        assert AccessRequest.objects.get().due_on == D(2026, 11, 13)  # across the half term
        assert Deadline.objects.get(kind="educational_record").due_on == D(2026, 11, 13)


def test_the_zip_holds_every_table_that_holds_the_pupil_and_their_files(world):
    pupil = world.a.pupils[0]
    give_history(world.a, pupil)
    with tenant_context(world.a.trust.pk):
        ContactLogEntry.objects.create(
            pupil=pupil, happened_on=D(2026, 10, 1), with_whom="Dr Reed, EP", method="meeting", summary="EP advice"
        )
    client_for(world.a.users["senco"]).get(reverse("pupils:record", args=[pupil.uuid]))  # an access to report
    log_request(world.a, "senco", pupil)
    request, archive = prepared(world.a, pupil)
    names = archive.namelist()
    assert "record.pdf" in names and "record.json" in names
    assert any(name.startswith("files/") and name.endswith(world.a.file.original_name) for name in names)
    tables = json.loads(archive.read("record.json"))["tables"]
    assert {model._meta.label_lower for model in pupil_models()} <= set(tables)  # every table, even when empty
    with tenant_context(world.a.trust.pk):
        for model, path in pupil_models().items():  # and every row of each
            if model._meta.label_lower.startswith("records.accessrequest"):
                continue  # the request itself is updated (and its history grows) once the zip is written
            assert len(tables[model._meta.label_lower]) == model._default_manager.filter(**{path: pupil.pk}).count()
    assert len(tables["pupils.registerchange"]) == 3 and tables["pupils.pupilevent"]  # history too
    assert any(row["action"] == "view" for row in tables["send.accessevent"])  # who opened the record
    assert str(world.a.pupils[1].uuid) not in archive.read("record.json").decode()  # no other pupil
    assert archive.read("record.pdf").startswith(b"%PDF")
    assert any("Dr Reed" in item["item"] for item in request.third_party)  # listed for review


def test_the_download_asks_for_a_step_up_and_is_logged(world):
    pupil = world.a.pupils[1]
    log_request(world.a, "senco", pupil)
    request, _ = prepared(world.a, pupil)
    url = reverse("records:access_request_download", args=[request.uuid])
    assert client_for(world.a.users["senco"], verified=False).get(url).status_code == 302
    response = client_for(world.a.users["senco"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with tenant_context(world.a.trust.pk):
        assert AccessEvent.objects.filter(action="download_subject_access", object_id=str(pupil.uuid)).count() == 1


@pytest.mark.parametrize("role", ["assistant", "head", "teacher", "dt", "ta", "governor", "admin"])
def test_only_the_senco_and_the_send_lead_handle_requests(world, role):
    pupil = world.a.pupils[0]
    assert log_request(world.a, role, pupil).status_code in (403, 404)
    with tenant_context(world.a.trust.pk):
        assert not AccessRequest.objects.exists()
    log_request(world.a, "lead", pupil)
    request, _ = prepared(world.a, pupil)
    client = client_for(world.a.users[role])
    assert client.get(reverse("records:access_request", args=[request.uuid])).status_code == 404
    assert client.get(reverse("records:access_request_download", args=[request.uuid])).status_code == 404
    with tenant_context(world.a.trust.pk):
        assert not AccessEvent.objects.filter(action="download_subject_access").exists()


def test_release_after_review_meets_the_deadline(world):
    pupil = world.a.pupils[1]
    log_request(world.a, "senco", pupil)
    with tenant_context(world.a.trust.pk):
        request = AccessRequest.objects.get()
    url = reverse("records:access_request_release", args=[request.uuid])
    senco = client_for(world.a.users["senco"])
    assert "still being prepared" in senco.post(url, {"released_on": "2026-12-01", "reviewed": "on"}).content.decode()
    prepared(world.a, pupil)
    assert senco.post(url, {"released_on": "2026-12-01"}).status_code == 200  # the review is confirmed first
    assert senco.post(url, {"released_on": "2026-12-01", "reviewed": "on"}).status_code == 302
    with tenant_context(world.a.trust.pk):
        request.refresh_from_db()
        deadline = Deadline.objects.get(kind="subject_access")
    assert (request.released_on, request.released_by) == (D(2026, 12, 1), world.a.users["senco"])
    assert (deadline.state, deadline.met_on) == ("met", D(2026, 12, 1))
