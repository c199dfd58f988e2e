"""Passport PDFs: prepared by a Celery task, readable (tagged, real text, A4), downloaded only by the requester."""

from __future__ import annotations

import io

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from pupils.tasks import render_passports_pdf
from send.celery import app
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.pupils.test_passports import edit

# Counts the broker queue that the real-worker test of test_celery_and_health consumes: same xdist worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("celery_broker")]


def request_pdf(world, role, url_name, **kwargs):
    client = client_for(world.a.users[role])
    response = client.post(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302 and response.url.startswith("/documents/")
    with tenant_context(world.a.trust.pk):
        job = PdfJob.objects.filter(requested_by=world.a.users[role]).latest("created_at")
    return client, job


def test_requesting_a_passport_pdf_enqueues_a_task_on_commit(world, django_capture_on_commit_callbacks):
    edit(world, "teacher", world.a.pupils[0])
    app.control.purge()
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with django_capture_on_commit_callbacks(execute=True):
        client, job = request_pdf(world, "teacher", "pupils:passport_pdf", pupil_uuid=world.a.pupils[0].uuid)
    assert queue.llen("celery") == 1
    app.control.purge()
    page = client.get(reverse("document", kwargs={"job_uuid": job.uuid})).content.decode()
    assert "being prepared" in page and 'hx-trigger="every 3s"' in page and "check again" in page
    assert 'http-equiv="refresh"' not in page  # a timed refresh moves the page under a screen reader's feet


def test_the_worker_renders_a_tagged_a4_pdf_with_real_text(world):
    edit(world, "teacher", world.a.pupils[0])
    client, job = request_pdf(world, "teacher", "pupils:passport_pdf", pupil_uuid=world.a.pupils[0].uuid)
    assert render_passports_pdf.run(world.a.trust.pk, job.pk) == "ready"
    page = client.get(reverse("document", kwargs={"job_uuid": job.uuid})).content.decode()
    assert "Download the PDF" in page
    response = client.get(reverse("document_download", kwargs={"job_uuid": job.uuid}))
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = pdf.pages[0].extract_text()
    assert "Pupil0" in text and "Give instructions one at a time" in text
    assert world.a.school.name in text and "Confidential" in text
    assert "/StructTreeRoot" in pdf.trailer["/Root"]  # tagged: headings reach screen readers
    width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_a_class_pdf_has_every_send_pupil_of_the_class(world):
    edit(world, "teacher", world.a.pupils[0])
    client, job = request_pdf(world, "teacher", "pupils:class_passports_pdf", class_uuid=world.a.school_class.uuid)
    render_passports_pdf.run(world.a.trust.pk, job.pk)
    response = client.get(reverse("document_download", kwargs={"job_uuid": job.uuid}))
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert "Pupil0" in "".join(page.extract_text() for page in pdf.pages)


def test_only_the_requester_sees_or_downloads_the_document(world):
    edit(world, "teacher", world.a.pupils[0])
    _, job = request_pdf(world, "teacher", "pupils:passport_pdf", pupil_uuid=world.a.pupils[0].uuid)
    render_passports_pdf.run(world.a.trust.pk, job.pk)
    for role in ("senco", "head", "ta"):
        other = client_for(world.a.users[role])
        assert other.get(reverse("document", kwargs={"job_uuid": job.uuid})).status_code == 404
        assert other.get(reverse("document_download", kwargs={"job_uuid": job.uuid})).status_code == 404


def test_a_pupil_the_requester_can_no_longer_see_fails_the_job_clearly(world):
    from schools.models import ClassStaff

    edit(world, "teacher", world.a.pupils[0])
    client, job = request_pdf(world, "teacher", "pupils:passport_pdf", pupil_uuid=world.a.pupils[0].uuid)
    with tenant_context(world.a.trust.pk):
        ClassStaff.objects.filter(user=world.a.users["teacher"]).delete()
    assert render_passports_pdf.run(world.a.trust.pk, job.pk) == "failed"
    assert "no longer see" in client.get(reverse("document", kwargs={"job_uuid": job.uuid})).content.decode()


def test_a_redelivered_task_does_not_render_twice(world):
    edit(world, "teacher", world.a.pupils[0])
    _, job = request_pdf(world, "teacher", "pupils:passport_pdf", pupil_uuid=world.a.pupils[0].uuid)
    render_passports_pdf.run(world.a.trust.pk, job.pk)
    with tenant_context(world.a.trust.pk):
        first = PdfJob.objects.get(pk=job.pk).file.name
    render_passports_pdf.run(world.a.trust.pk, job.pk)
    with tenant_context(world.a.trust.pk):
        assert PdfJob.objects.get(pk=job.pk).file.name == first
