"""The CTF pages: who may import and export, refusals that change nothing, and one transaction for a whole file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree

from pupils.models import Pupil
from pupils.upn import make_upn
from records.models import CtfImport
from send.models import AccessEvent
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.records.conftest import ctf_xml, pupil_xml

pytestmark = pytest.mark.django_db

SEN = "<SEN><StartDate>2025-01-06</StartDate><SENprovision>K</SENprovision></SEN>"


def upload(client, content: bytes, **data):
    file = SimpleUploadedFile("ctf.xml", content, content_type="application/xml")
    return client.post(reverse("records:ctf_upload"), {"file": file, **data})


def pupils_and_imports(world) -> tuple[int, int]:
    with tenant_context(world.trust.pk):
        return Pupil.objects.count(), CtfImport.objects.count()


def joiner_file(world, serial: int = 1) -> bytes:
    dest = (world.school.la_code, world.school.establishment_number)
    return ctf_xml(dest=dest, pupils=pupil_xml(make_upn("881", "2001", 16, serial), sen=SEN))


@pytest.mark.parametrize("role", ["senco", "lead"])
def test_the_senco_and_the_send_lead_import_a_joiner(world, role):
    response = upload(client_for(world.a.users[role]), joiner_file(world.a))
    assert response.status_code == 200
    assert "Created a new pupil" in response.content.decode()
    with tenant_context(world.a.trust.pk):
        joiner = Pupil.objects.get(legal_last_name="Joiner")
        assert joiner.sen_status == "K" and joiner.school == world.a.school
        assert CtfImport.objects.get().imported_by == world.a.users[role]


@pytest.mark.parametrize("role", ["assistant", "dt", "teacher", "ta", "head", "governor", "admin"])
def test_other_roles_may_not_import_and_nothing_changes(world, role):
    before = pupils_and_imports(world.a)
    client = client_for(world.a.users[role])
    assert client.get(reverse("records:ctf_upload")).status_code == 403
    assert upload(client, joiner_file(world.a)).status_code == 403
    assert pupils_and_imports(world.a) == before


def test_a_bad_file_is_a_form_error_naming_the_element(world):
    before = pupils_and_imports(world.a)
    response = upload(client_for(world.a.users["senco"]), ctf_xml(version="19.0"))
    assert response.status_code == 200
    assert "CTfile/Header/CTFversion" in response.content.decode()
    assert pupils_and_imports(world.a) == before


def test_a_whole_file_is_refused_when_one_pupil_may_not_be_changed(world):
    """The second pupil is held at a school where this SENCO has no role: the first, written, is rolled back."""
    other_school = world.a.schools[1]
    with tenant_context(world.a.trust.pk):
        held = Pupil.objects.create(
            school=other_school,
            legal_first_name="Held",
            legal_last_name="Elsewhere",
            date_of_birth=world.a.pupils[0].date_of_birth,
            gender="F",
            year_group="5",
            upn=make_upn("881", "2001", 16, 2),
        )
    dest = (world.a.school.la_code, world.a.school.establishment_number)
    content = ctf_xml(dest=dest, pupils=pupil_xml(make_upn("881", "2001", 16, 1), sen=SEN) + pupil_xml(held.upn))
    before = pupils_and_imports(world.a)
    response = upload(client_for(world.a.users["senco"]), content)
    assert "whose register you may not change" in response.content.decode()
    assert pupils_and_imports(world.a) == before


def test_the_senco_downloads_a_pupils_ctf_and_the_download_is_logged(world):
    pupil = world.a.pupils[1]  # no SEN: a CTF with an empty SEN history
    client = client_for(world.a.users["senco"])
    assert client.get(reverse("records:ctf_export", args=[pupil.uuid])).status_code == 200
    response = client.post(reverse("records:ctf_export", args=[pupil.uuid]), {"destination": world.b.school.laestab})
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{world.a.school.laestab}_CTF_')
    root = etree.fromstring(response.content)
    assert root.findtext("CTFpupilData/Pupil/UPN") == pupil.upn
    with tenant_context(world.a.trust.pk):
        assert AccessEvent.objects.filter(action="export_ctf", object_id=str(pupil.uuid)).count() == 1


def test_a_pupil_on_the_register_without_a_dated_history_is_not_exported_with_an_invented_date(world):
    response = client_for(world.a.users["senco"]).post(reverse("records:ctf_export", args=[world.a.pupils[0].uuid]))
    assert response.status_code == 200 and "no dated register history" in response.content.decode()


@pytest.mark.parametrize("role", ["assistant", "teacher", "head", "dt"])
def test_those_who_do_not_keep_the_register_may_not_export(world, role):
    pupil = world.a.pupils[0] if role != "dt" else world.a.looked_after
    client = client_for(world.a.users[role])
    assert client.post(reverse("records:ctf_export", args=[pupil.uuid])).status_code == 403
    with tenant_context(world.a.trust.pk):
        assert not AccessEvent.objects.filter(action="export_ctf").exists()


def test_export_asks_for_the_password_again_first(world):
    client = client_for(world.a.users["senco"], verified=False)
    response = client.get(reverse("records:ctf_export", args=[world.a.pupils[1].uuid]))
    assert response.status_code == 302


def test_the_senco_resolves_conflicts_and_the_head_may_not(world):
    with tenant_context(world.a.trust.pk):
        record = CtfImport.objects.create(
            school=world.a.school, pupil=world.a.pupils[0], file_name="x.xml", outcome="updated", conflicts=["a"]
        )
    url = reverse("records:ctf_import", args=[record.uuid])
    assert client_for(world.a.users["head"]).post(url).status_code == 404
    with tenant_context(world.a.trust.pk):
        record.refresh_from_db()
        assert record.conflicts_resolved_at is None
    senco = client_for(world.a.users["senco"])
    assert "a" in senco.get(reverse("records:ctf_imports")).content.decode()
    assert senco.post(url).status_code == 302
    with tenant_context(world.a.trust.pk):
        record.refresh_from_db()
        assert record.conflicts_resolved_by == world.a.users["senco"]


def test_the_imports_page_costs_the_same_queries_for_more_imports(world):
    client = client_for(world.a.users["senco"])
    client.get(reverse("records:ctf_imports"))

    def make(n: int) -> None:
        with tenant_context(world.a.trust.pk):
            for _ in range(n):
                CtfImport.objects.create(
                    school=world.a.school, pupil=world.a.pupils[0], file_name="x", outcome="updated", conflicts=["c"]
                )

    make(1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("records:ctf_imports"))
    make(20)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("records:ctf_imports"))
    assert len(many) == len(few)


def test_the_pupil_record_links_to_the_export_for_the_senco_only(world):
    url = reverse("pupils:record", args=[world.a.pupils[0].uuid])
    export = reverse("records:ctf_export", args=[world.a.pupils[0].uuid])
    assert export in client_for(world.a.users["senco"]).get(url).content.decode()
    assert export not in client_for(world.a.users["teacher"]).get(url).content.decode()
