"""The pupil record's sections: who adds what, bad input as field errors, and the timeline."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pupils.models import AccessArrangement, Contact, ContactLogEntry, PupilNote
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.factories import PNG_BYTES

pytestmark = pytest.mark.django_db

DATA = {
    "contact": {"kind": "parent", "name": "Grace Adeyemi", "relationship": "mother", "parental_responsibility": "on"},
    "contact_log": {
        "happened_on": "2026-11-02",
        "with_whom": "Mrs Adeyemi",
        "method": "phone",
        "summary": "Agreed a reading plan at home",
        "follow_up_on": "2026-11-16",
    },
    "note": {"text": "Settled well after the half-term break"},
    "access_arrangement": {
        "arrangement": "extra_time",
        "evidence": "Processing speed below average (EP, Oct 2026)",
        "assessments": "KS2 SATs May 2027",
    },
}


def add(world, role, section, data, pupil=None):
    pupil = pupil or world.a.pupils[0]
    url = reverse("pupils:record_add", kwargs={"pupil_uuid": pupil.uuid, "section": section})
    return client_for(world.a.users[role]).post(url, data)


@pytest.mark.parametrize("section", list(DATA))
def test_a_senco_adds_to_every_section_and_it_shows_on_the_record(world, section):
    assert add(world, "senco", section, DATA[section]).status_code == 302
    page = client_for(world.a.users["head"]).get(
        reverse("pupils:record", kwargs={"pupil_uuid": world.a.pupils[0].uuid})
    )
    body = page.content.decode()
    shown = {
        "contact": "Grace Adeyemi",
        "contact_log": "Agreed a reading plan",
        "note": "Settled well",
        "access_arrangement": "KS2 SATs May 2027",
    }[section]
    assert shown in body


@pytest.mark.parametrize(
    ("role", "section", "status"),
    [
        ("assistant", "contact_log", 302),
        ("assistant", "contact", 302),
        ("lead", "access_arrangement", 302),
        ("teacher", "note", 302),
        ("ta", "note", 302),
        ("teacher", "contact", 403),
        ("ta", "contact_log", 403),
        ("head", "note", 403),
        ("head", "contact", 403),
        ("governor", "note", 404),
        ("admin", "note", 404),
    ],
)
def test_who_adds_what(world, role, section, status):
    assert add(world, role, section, DATA[section]).status_code == status


@pytest.mark.parametrize(
    ("section", "data", "message"),
    [
        ("contact_log", {**DATA["contact_log"], "follow_up_on": "2026-10-01"}, "follow-up cannot be before"),
        (
            "contact_log",
            {**DATA["contact_log"], "happened_on": "2099-01-01", "follow_up_on": ""},
            "cannot be in the future",
        ),
        ("contact", {**DATA["contact"], "kind": "professional", "relationship": "ep"}, "Only a parent or carer"),
        ("note", {"text": ""}, "This field is required"),
        ("access_arrangement", {**DATA["access_arrangement"], "arrangement": "teleport"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(world, section, data, message):
    response = add(world, "senco", section, data)
    assert response.status_code == 200 and message in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert not any(m.objects.exists() for m in (Contact, ContactLogEntry, PupilNote, AccessArrangement))


def test_a_document_is_uploaded_through_the_checks(world):
    good = SimpleUploadedFile("ep-report.png", PNG_BYTES, content_type="image/png")
    assert add(world, "senco", "document", {"file": good}).status_code == 302
    lying = SimpleUploadedFile("ep-report.pdf", PNG_BYTES, content_type="application/pdf")
    response = add(world, "senco", "document", {"file": lying})
    assert "content is a PNG image" in response.content.decode()


def test_an_unknown_section_is_404(world):
    url = reverse("pupils:record_add", kwargs={"pupil_uuid": world.a.pupils[0].uuid, "section": "nonsense"})
    assert client_for(world.a.users["senco"]).get(url).status_code == 404


def test_the_timeline_orders_everything_dated_and_the_record_query_count_is_fixed(world):
    client = client_for(world.a.users["senco"])
    url = reverse("pupils:record", kwargs={"pupil_uuid": world.a.pupils[0].uuid})
    add(world, "senco", "note", DATA["note"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        add(world, "senco", "contact_log", {**DATA["contact_log"], "summary": f"Call {i}"})
        add(world, "senco", "note", {"text": f"Note {i}"})
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert len(many) == len(few)
    timeline = body[body.index(">Timeline<") :]
    assert "Call 4" in timeline and "Note 4" in timeline
