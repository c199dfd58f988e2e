"""Uploads are checked by content, limited in size, stored privately, and served only to those allowed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from send.models import AccessEvent
from send.tenancy import tenant_context
from send.uploads import check_upload, store_upload
from tests.conftest import client_for
from tests.factories import PNG_BYTES

pytestmark = pytest.mark.django_db
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_png_and_a_pdf_are_accepted_by_their_content():
    assert check_upload(upload("scan.png", PNG_BYTES)).mime == "image/png"
    assert check_upload(upload("EP report.PDF", PDF_BYTES)).mime == "application/pdf"


def test_a_lying_extension_is_refused():
    with pytest.raises(ValidationError, match=r"ends in \.pdf but its content is a PNG image"):
        check_upload(upload("report.pdf", PNG_BYTES))


def test_a_script_named_as_a_pdf_is_refused():
    with pytest.raises(ValidationError, match="cannot be uploaded"):
        check_upload(upload("report.pdf", b"#!/bin/sh\nrm -rf /\n"))


def test_an_empty_or_too_large_file_is_refused(settings):
    with pytest.raises(ValidationError, match="empty"):
        check_upload(upload("a.png", b""))
    settings.UPLOAD_MAX_BYTES = 50
    with pytest.raises(ValidationError, match="largest allowed"):
        check_upload(upload("a.pdf", PDF_BYTES))


def test_files_are_stored_outside_static_and_without_a_url(world):
    stored = world.a.file
    path = stored.file.path
    assert not path.startswith(str(settings.STATIC_ROOT)) and "/static/" not in path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert str(world.a.pupils[0].legal_last_name) not in path and "report" not in path
    # nothing serves the storage: only the download view, which asks the policy
    assert client_for(world.a.users["senco"]).get("/" + stored.file.name).status_code == 404


def test_an_allowed_user_downloads_it_as_an_attachment_and_the_access_is_logged(world):
    url = reverse("file_download", kwargs={"file_uuid": world.a.file.uuid})
    response = client_for(world.a.users["senco"]).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert "no-store" in response["Cache-Control"]
    with tenant_context(world.a.trust.pk):
        assert AccessEvent.objects.filter(action="download", object_id=str(world.a.pupils[0].uuid)).exists()


@pytest.mark.parametrize("role", ["governor", "admin", "ta"])
def test_a_user_who_may_not_see_the_pupil_gets_404(world, role):
    pupil_file = world.a.file
    with tenant_context(world.a.trust.pk):
        other = store_upload(upload("other.png", PNG_BYTES), world.a.pupils[2], None)
    for stored in (pupil_file, other) if role == "ta" else (pupil_file,):
        if role == "ta" and stored is pupil_file:
            continue  # the TA supports the class of pupils[0]
        url = reverse("file_download", kwargs={"file_uuid": stored.uuid})
        assert client_for(world.a.users[role]).get(url).status_code == 404


def test_an_upload_for_another_trusts_record_is_refused(world):
    with tenant_context(world.b.trust.pk):
        foreign_pupil = world.b.pupils[0]
    with tenant_context(world.a.trust.pk), pytest.raises(ValidationError, match="another trust"):
        store_upload(upload("x.png", PNG_BYTES), foreign_pupil, None)
