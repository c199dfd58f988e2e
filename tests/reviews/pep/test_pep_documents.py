"""A PEP as a PDF rendered by the worker (as the requester may see it) and as JSON for a Virtual School's system."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reviews.pep.tasks import render_pep_pdf
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.pep.support import add_pep

pytestmark = pytest.mark.django_db


def _render(world: Any, subject: Any, user: str) -> PdfJob:
    a = world.a
    with tenant_context(a.trust.pk):
        job = PdfJob.objects.create(kind="pep", title="PEP", subject_id=str(subject.uuid), requested_by=a.users[user])
    render_pep_pdf(a.trust.pk, job.pk)
    with tenant_context(a.trust.pk):
        job.refresh_from_db()
    return job


def test_the_pep_pdf_carries_the_sections_and_targets(world: Any) -> None:
    pw = add_pep(world.a)
    job = _render(world, pw.pep, "dt")
    assert job.state == "ready", job.error
    with tenant_context(world.a.trust.pk):
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(job.file.read())).pages)
    assert "Personal education plan" in text and "I like maths and football." in text
    assert "Know the 6, 7 and 8 times tables" in text and "Norfolk Virtual School" in text


def test_the_pdf_is_refused_to_someone_who_cannot_see_the_pep(world: Any) -> None:
    pw = add_pep(world.a)
    job = _render(world, pw.pep, "teacher")
    assert job.state == "failed" and "no longer see" in job.error


def test_the_pdf_is_requested_from_the_page(world: Any) -> None:
    pw = add_pep(world.a)
    response = client_for(world.a.users["dt"]).post(reverse("reviews:pep_pdf", args=[pw.pep.uuid]))
    assert response.status_code == 302 and "/documents/" in response.url


def test_the_export_is_structured_json_for_the_virtual_school(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    response = client_for(a.users["dt"]).get(reverse("reviews:pep_export", args=[pw.pep.uuid]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "send-pep/1"
    assert data["pupil"]["upn"] == a.looked_after.upn
    assert data["sections"]["child_voice"] == "I like maths and football."
    assert data["virtual_school_sections"] == {"My hobbies": "", "Careers": ""}
    assert [t["review_on"] for t in data["targets"]] == ["2027-02-12"]
    refused = client_for(a.users["teacher"]).get(reverse("reviews:pep_export", args=[pw.pep.uuid]))
    assert refused.status_code == 404
