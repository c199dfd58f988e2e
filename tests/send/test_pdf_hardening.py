"""Hardening round 2: PDFs that cannot fetch or inject, and PDFs re-authorised at download and expiring."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from pupils.models import Pupil
from schools.models import ClassStaff, School
from send.pdf import PdfJob, allowed_pdf_resource, render_pdf
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


# --- PDFs cannot fetch or inject ----------------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on this machine that records every request: a PDF must never reach it."""
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_school_name_full_of_css_renders_as_text_and_fetches_nothing(world, listener):
    base, hits = listener
    name = f'Evil"; }} }} body {{ background: url({base}/leak) }} @page {{ @top-left {{ content: "\nurl('
    with tenant_context(world.a.trust.pk):
        school = world.a.school
        school.name = name
        school.save(update_fields=["name"])
        pupil = Pupil.objects.select_related("school", "school_class").get(pk=world.a.pupils[0].pk)
        pdf = render_pdf(
            "provision/pdf/pupil_costed.html",
            {"pupil": pupil, "lines": [], "total": 0, "title": "Costed provision", "school": school},
        )
    assert hits == []
    text = pdf_text(pdf)
    squeezed = text.replace(" ", "").replace("\n", "")
    assert "background:url(" in squeezed and "/leak)" in squeezed  # the name, as text
    assert squeezed.count('Evil";}}') >= 2  # in the running header too, whole: not cut off, not entity-escaped
    assert "&quot;" not in text


def test_a_school_name_full_of_html_renders_as_text_on_pages(world):
    with tenant_context(world.a.trust.pk):
        School.objects.filter(pk=world.a.school.pk).update(name="<script>alert(1)</script><style>*{x:url(//e)}</style>")
    for user, name in (("admin", "schools:admin_home"), ("senco", "switch")):
        html = client_for(world.a.users[user]).get(reverse(name)).content.decode()
        assert "<script>alert(1)" not in html and "<style>*" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_template_variable_is_inside_a_style_sheet():
    import re

    for template in (ROOT / "templates").rglob("*.html"):
        for style in re.findall(r"<style>(.*?)</style>", template.read_text(), flags=re.S):
            assert "{{" not in style and "{%" not in style, template


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1/x.css", False),
        ("https://example.org/x.png", False),
        ("file:///etc/passwd", False),
        ("ftp://example.org/x", False),
        ("data:image/png;base64,iVBORw0KGgo=", True),
        (f"file://{ROOT}/static/images/logo.png", True),
        (f"file://{ROOT}/static/../send/settings.py", False),
    ],
)
def test_the_pdf_fetcher_allows_only_data_uris_and_our_static_files(url, allowed):
    assert allowed_pdf_resource(url) is allowed


def test_an_image_or_style_sheet_on_the_network_is_never_fetched(listener):
    from weasyprint import HTML

    from send.pdf import pdf_url_fetcher

    base, hits = listener
    html = f'<link rel="stylesheet" href="{base}/a.css"><img src="{base}/b.png"><img src="file:///etc/hostname">'
    HTML(string=html, url_fetcher=pdf_url_fetcher()).write_pdf()
    assert hits == []


# --- PDFs are re-authorised at download and expire ------------------------------------------------------------------


def ready_passport_pdf(world: Any, role: str = "teacher") -> PdfJob:
    from pupils.tasks import render_passports_pdf

    with tenant_context(world.a.trust.pk):
        job = PdfJob.objects.create(
            kind="passport", title="Passport", subject_id=str(world.a.pupils[0].uuid), requested_by=world.a.users[role]
        )
    assert render_passports_pdf.run(world.a.trust.pk, job.pk) == "ready"
    return job


def test_a_pdf_is_not_downloadable_once_the_requester_can_no_longer_see_the_pupil(world):
    job = ready_passport_pdf(world)
    url = reverse("document_download", kwargs={"job_uuid": job.uuid})
    teacher = client_for(world.a.users["teacher"])
    assert teacher.get(url).status_code == 200
    with tenant_context(world.a.trust.pk):
        ClassStaff.objects.filter(user=world.a.users["teacher"]).delete()  # moved to another class
    assert teacher.get(url).status_code == 404


def test_a_pdf_expires_after_the_keeping_days_and_is_deleted(world, settings):
    from send.tasks import delete_expired_pdfs

    settings.PDF_KEEP_DAYS = 7
    job = ready_passport_pdf(world)
    with tenant_context(world.a.trust.pk):
        path = Path(PdfJob.objects.get(pk=job.pk).file.path)
    teacher = client_for(world.a.users["teacher"])
    with tenant_context(world.a.trust.pk):
        PdfJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert teacher.get(reverse("document_download", kwargs={"job_uuid": job.uuid})).status_code == 404
    assert teacher.get(reverse("document", kwargs={"job_uuid": job.uuid})).status_code == 404
    assert delete_expired_pdfs() >= 1
    with tenant_context(world.a.trust.pk):
        assert not PdfJob.objects.filter(pk=job.pk).exists()
        assert PdfJob.objects.filter(pk=world.a.pdf_job.pk).exists()  # a fresh one stays
    assert not path.exists()
