"""EHC documents: the evidence pack and the annual review report, rendered by the worker."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reviews.ehc import review_services
from reviews.ehc.tasks import render_ehc_pdf
from reviews.models import (
    AnnualReview,
    DeadlineState,
)
from schools.models import Membership, Role
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- Documents ---------------------------------------------------------------------------------------------------


def _pdf_text(world: Any, kind: str, subject: Any, user: str = "senco") -> str:
    a = world.a
    with tenant_context(a.trust.pk):
        job = PdfJob.objects.create(
            kind=kind, title="Document", subject_id=str(subject.uuid), requested_by=a.users[user]
        )
    render_ehc_pdf(a.trust.pk, job.pk)
    with tenant_context(a.trust.pk):
        job.refresh_from_db()
        assert job.state == "ready", job.error
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(job.file.read())).pages)


def test_the_evidence_pack_collates_what_the_school_holds(world: Any) -> None:
    text = _pdf_text(world, "ehc_evidence_pack", world.a.ehc_request)
    assert "Evidence for an EHC needs assessment" in text
    assert "Follow a two-step instruction" in text  # the APDR target
    assert "Year 4" in text and "£57.00" in text  # provision (group Year 4 Talk Boost) and its cost
    assert "report-alpha.png" in text  # the pupil's documents


def test_the_review_report_for_the_la(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review_services.record_meeting(
            AnnualReview.objects.get(pk=a.annual_review.pk),
            held_on=dt.date(2026, 11, 25),
            progress={a.ehc_outcome.pk: ("met", "Plays with two friends")},
            by=a.users["senco"],
            attendees="Parent, SENCO",
            pupil_views="I like school",
            recommendation="keep",
        )
    text = _pdf_text(world, "annual_review_report", a.annual_review)
    assert "Annual review report" in text and "Plays with two friends" in text and "Keep the plan" in text


def test_a_pack_for_a_record_no_longer_visible_fails_with_a_reason(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        job = PdfJob.objects.create(
            kind="ehc_evidence_pack", title="Pack", subject_id=str(a.ehc_request.uuid), requested_by=a.users["governor"]
        )
    render_ehc_pdf(a.trust.pk, job.pk)
    with tenant_context(a.trust.pk):
        job.refresh_from_db()
    assert job.state == "failed" and "no longer see" in job.error


def test_deadline_states_are_what_the_page_says(world: Any) -> None:
    html = (
        client_for(world.a.users["senco"])
        .get(reverse("reviews:annual_review", kwargs={"review_uuid": world.a.annual_review.uuid}))
        .content.decode()
    )
    assert "Everyone required invited to the review" in html
    assert "Rule: Everyone required (the parent or young person, the head, an LA SEN officer" in html
    assert DeadlineState.OPEN == "open"
    with tenant_context(world.a.trust.pk):
        assert Membership.objects.filter(role=Role.SENCO).exists()
