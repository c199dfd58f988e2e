"""Pupil photos: only where the school shows them, images only, inline with alt text, in the passport PDF."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from pupils.tasks import render_passports_pdf
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.factories import PNG_BYTES
from tests.pupils.test_passports import edit

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def upload_photo(world, role, content=PNG_BYTES, name="photo.png"):
    url = reverse("pupils:record_add", kwargs={"pupil_uuid": world.a.pupils[0].uuid, "section": "photo"})
    return client_for(world.a.users[role]).post(url, {"photo": SimpleUploadedFile(name, content, "image/png")})


def enable_photos(world):
    with tenant_context(world.a.trust.pk):
        world.a.school.pupil_photos = True
        world.a.school.save(update_fields=["pupil_photos"])


def test_photos_are_refused_where_the_school_does_not_show_them(world):
    response = upload_photo(world, "senco")
    assert "does not show pupil photos" in response.content.decode()


def test_a_photo_shows_inline_with_alt_text_to_those_who_may_open_the_record(world):
    enable_photos(world)
    assert upload_photo(world, "senco").status_code == 302
    record = client_for(world.a.users["teacher"]).get(
        reverse("pupils:record", kwargs={"pupil_uuid": world.a.pupils[0].uuid})
    )
    assert 'alt="Photo of Pupil0 Alpha"' in record.content.decode()
    url = reverse("pupils:photo", kwargs={"pupil_uuid": world.a.pupils[0].uuid})
    image = client_for(world.a.users["teacher"]).get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client_for(world.a.users["governor"]).get(url).status_code == 404


def test_only_images_are_photos(world):
    enable_photos(world)
    response = upload_photo(world, "senco", content=PDF_BYTES, name="photo.pdf")
    assert response.status_code == 200 and "image" in response.content.decode().lower()


def test_the_passport_pdf_carries_the_photo(world):
    enable_photos(world)
    upload_photo(world, "senco")
    edit(world, "teacher", world.a.pupils[0])
    client = client_for(world.a.users["teacher"])
    client.post(reverse("pupils:passport_pdf", kwargs={"pupil_uuid": world.a.pupils[0].uuid}))
    with tenant_context(world.a.trust.pk):
        job = PdfJob.objects.latest("created_at")
    render_passports_pdf.run(world.a.trust.pk, job.pk)
    response = client.get(reverse("document_download", kwargs={"job_uuid": job.uuid}))
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert list(pdf.pages[0].images), "the photo is embedded"
