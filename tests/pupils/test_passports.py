"""Passports: teachers write versions for their own classes, the SENCO approves or returns, old ones are flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pupils import passports
from pupils.models import PassportStatus, PassportVersion
from schools.models import Term
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.test_pages import add_pupils

pytestmark = pytest.mark.django_db
GOOD = {
    "about_me": "I love dinosaurs and drawing.",
    "key_strategies": "Give instructions one at a time\nLet me use my fiddle toy",
    "pupil_voice": "I like it when it is quiet.",
}


def edit(world, role, pupil, data=GOOD):
    url = reverse("pupils:passport_edit", kwargs={"pupil_uuid": pupil.uuid})
    return client_for(world.a.users[role]).post(url, data)


@pytest.mark.parametrize(
    ("role", "in_class", "status"),
    [
        ("teacher", True, 302),
        ("teacher", False, 404),  # a pupil of another class: not even visible
        ("senco", False, 302),
        ("lead", True, 302),
        ("ta", True, 403),
        ("head", True, 403),
        ("assistant", True, 403),
        ("governor", True, 404),
    ],
)
def test_who_may_write_a_passport(world, role, in_class, status):
    pupil = world.a.pupils[0] if in_class else world.a.pupils[2]
    assert edit(world, role, pupil).status_code == status


def test_each_save_is_a_new_version_awaiting_approval(world):
    pupil = world.a.pupils[0]
    edit(world, "teacher", pupil)
    edit(world, "teacher", pupil, {**GOOD, "about_me": "I love trains now."})
    with tenant_context(world.a.trust.pk):
        versions = list(PassportVersion.objects.filter(pupil=pupil).order_by("number"))
    assert [(v.number, v.about_me, v.status) for v in versions] == [
        (1, "I love dinosaurs and drawing.", PassportStatus.AWAITING_APPROVAL),
        (2, "I love trains now.", PassportStatus.AWAITING_APPROVAL),
    ]
    assert versions[1].written_by == world.a.users["teacher"]
    assert versions[1].strategies == ["Give instructions one at a time", "Let me use my fiddle toy"]


def test_a_passport_without_strategies_is_a_field_error_and_saves_nothing(world):
    pupil = world.a.pupils[0]
    response = edit(world, "teacher", pupil, {"about_me": "Hello", "key_strategies": "  "})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = edit(world, "teacher", pupil, {"key_strategies": "Seat me near the front"})
    assert "at least one section" in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert not PassportVersion.objects.filter(pupil=pupil).exists()


def test_the_senco_approves_or_returns_with_comments(world):
    pupil = world.a.pupils[0]
    edit(world, "teacher", pupil)
    url = reverse("pupils:passport_review", kwargs={"pupil_uuid": pupil.uuid})
    senco = client_for(world.a.users["senco"])
    refused = senco.post(url, {"decision": "return", "comment": ""})
    assert "Say what needs changing" in refused.content.decode()
    assert senco.post(url, {"decision": "return", "comment": "Add what helps at lunchtime"}).status_code == 302
    page = client_for(world.a.users["teacher"]).get(reverse("pupils:passport_edit", kwargs={"pupil_uuid": pupil.uuid}))
    assert "Add what helps at lunchtime" in page.content.decode()
    edit(world, "teacher", pupil, {**GOOD, "what_helps": "A quiet table at lunch"})
    assert senco.post(url, {"decision": "approve"}).status_code == 302
    with tenant_context(world.a.trust.pk):
        latest = PassportVersion.objects.filter(pupil=pupil).order_by("-number").first()
    assert latest.status == PassportStatus.APPROVED and latest.reviewed_by == world.a.users["senco"]


@pytest.mark.parametrize("role", ["teacher", "assistant", "head"])
def test_only_the_senco_or_lead_reviews(world, role):
    pupil = world.a.pupils[0]
    edit(world, "teacher", pupil)
    url = reverse("pupils:passport_review", kwargs={"pupil_uuid": pupil.uuid})
    assert client_for(world.a.users[role]).post(url, {"decision": "approve"}).status_code == 403


def test_a_passport_from_before_this_term_needs_updating(world):
    a = world.a
    pupil = a.pupils[0]
    edit(world, "teacher", pupil)
    with tenant_context(a.trust.pk):
        version = PassportVersion.objects.get(pupil=pupil)
        school = a.school
        Term.objects.all().delete()
        Term.objects.create(
            school=school,
            school_year=a.year,
            name="Autumn 1",
            starts_on=dt.date(2026, 9, 2),
            ends_on=dt.date(2026, 10, 23),
        )
        Term.objects.create(
            school=school,
            school_year=a.year,
            name="Autumn 2",
            starts_on=dt.date(2026, 11, 2),
            ends_on=dt.date(2026, 12, 18),
        )
        today = dt.date(2026, 11, 24)
        assert passports.update_cutoff(school, today) == dt.date(2026, 11, 2)
        PassportVersion.objects.filter(pk=version.pk).update(
            created_at=timezone.make_aware(dt.datetime(2026, 10, 1, 12))
        )
        version.refresh_from_db()
        assert passports.needs_updating(version, school, today)
        school.passport_max_age_terms = 2
        assert passports.update_cutoff(school, today) == dt.date(2026, 9, 2)
        assert not passports.needs_updating(version, school, today)
        assert passports.needs_updating(None, school, today)


def test_the_class_view_shows_send_pupils_and_their_strategies_in_fixed_queries(world):
    a = world.a
    edit(world, "teacher", a.pupils[0])
    client = client_for(a.users["teacher"])
    url = reverse("pupils:class_passports", kwargs={"class_uuid": a.school_class.uuid})
    page = client.get(url).content.decode()
    assert "Give instructions one at a time" in page and "Pupil0" in page
    assert "Pupil1" not in page  # at N, not monitored
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    add_pupils(a, 30)
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).content.decode()
    assert "Extra29" in page
    assert len(after) == len(before)


def test_a_teacher_cannot_open_another_class_view(world):
    url = reverse("pupils:class_passports", kwargs={"class_uuid": world.a.other_class.uuid})
    assert client_for(world.a.users["teacher"]).get(url).status_code == 404
    assert client_for(world.a.users["senco"]).get(url).status_code == 200
