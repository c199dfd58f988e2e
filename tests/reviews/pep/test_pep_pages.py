"""PEP pages by role: the designated teacher and the SENCO write, the assistant SENCO and the head read, nobody
else sees a PEP (404); a pupil who left care keeps their PEPs read-only; bad input is a field error with nothing
saved; the designated teacher's home keeps its query count whatever the number of pupils and Virtual Schools."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pupils.models import Pupil
from pupils.upn import make_upn
from reviews.pep import care_services
from reviews.pep.deadlines import sync_all_pep_deadlines
from reviews.pep.models import CareRecord, Pep, PepTarget, VirtualSchool, VirtualSchoolTerm
from schools.models import Membership
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.pep.support import add_pep

pytestmark = pytest.mark.django_db

WRITERS = ["dt", "senco", "lead"]
READERS = ["assistant", "head"]
NOBODY = ["teacher", "ta", "governor", "admin"]


def voice(world: Any, pep: Pep) -> str:
    with tenant_context(world.trust.pk):
        return Pep.objects.get(pk=pep.pk).child_voice


@pytest.mark.parametrize("role", WRITERS + READERS + NOBODY)
def test_who_sees_a_pep(world: Any, role: str) -> None:
    a = world.a
    pw = add_pep(a)
    client = client_for(a.users[role])
    for url in (reverse("reviews:pep", args=[pw.pep.uuid]), reverse("reviews:pep_pupil", args=[a.looked_after.uuid])):
        response = client.get(url)
        if role in NOBODY:
            assert response.status_code == 404, url
        else:
            assert response.status_code == 200, url
            assert "I like maths and football." in response.content.decode() or "Norfolk" in response.content.decode()


@pytest.mark.parametrize("role", WRITERS + READERS + NOBODY)
def test_who_writes_a_pep(world: Any, role: str) -> None:
    a = world.a
    pw = add_pep(a)
    url = reverse("reviews:pep_edit", args=[pw.pep.uuid])
    response = client_for(a.users[role]).post(url, {"child_voice": f"Written by {role}"})
    if role in WRITERS:
        assert response.status_code == 302
        assert voice(a, pw.pep) == f"Written by {role}"
    else:
        assert response.status_code == (403 if role in READERS else 404)
        assert voice(a, pw.pep) == "I like maths and football."


def test_a_designated_teacher_of_another_school_does_not_see_the_pep(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        Membership.objects.filter(pk=a.memberships["dt"].pk).update(school=a.schools[1])
    client = client_for(a.users["dt"])
    assert client.get(reverse("reviews:pep", args=[pw.pep.uuid])).status_code == 404
    assert client.post(reverse("reviews:pep_edit", args=[pw.pep.uuid]), {"child_voice": "x"}).status_code == 404
    assert voice(a, pw.pep) == "I like maths and football."


def test_a_pupil_who_left_care_keeps_their_peps_read_only(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    client = client_for(a.users["dt"])
    response = client.post(
        reverse("reviews:leave_care", args=[a.looked_after.uuid]),
        {"on": "2026-11-30", "route": "sgo", "declared": "on"},
    )
    assert response.status_code == 302
    assert client.get(reverse("reviews:pep", args=[pw.pep.uuid])).status_code == 200
    refused = client.post(reverse("reviews:pep_edit", args=[pw.pep.uuid]), {"child_voice": "after care"})
    assert refused.status_code == 403
    assert voice(a, pw.pep) == "I like maths and football."
    home = client.get(reverse("reviews:pep_home")).content.decode()
    assert "PLAC" in home and "Previously looked after" in home


def test_the_designated_teacher_completes_a_pep_through_its_pages(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    client = client_for(a.users["dt"])
    pep_url = reverse("reviews:pep", args=[pw.pep.uuid])
    form = {"child_voice": "I want to be a vet.", "sdq_score": "14", "attendance_percent": "87.5", "extra_0": "Swim"}
    assert client.post(reverse("reviews:pep_edit", args=[pw.pep.uuid]), form).status_code == 302
    for action in ("ready", "submit"):
        assert client.post(reverse("reviews:pep_transition", args=[pw.pep.uuid, action])).status_code == 302
    page = client.get(pep_url).content.decode()
    assert "read-only" in page and "I want to be a vet." in page and "Swim" in page
    verdict = {"rating": "red", "comment": "Too vague", "outcome": "returned", "reason": "Targets not SMART"}
    assert client.post(reverse("reviews:pep_verdict", args=[pw.pep.uuid]), verdict).status_code == 302
    with tenant_context(a.trust.pk):
        pep = Pep.objects.get(pk=pw.pep.pk)
    assert (pep.state, pep.rating, pep.sdq_score, pep.extra["My hobbies"]) == ("returned", "red", 14, "Swim")


def test_bad_input_on_the_pages_is_a_field_error_and_nothing_is_saved(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    client = client_for(a.users["dt"])
    response = client.post(
        reverse("reviews:pep_target_add", args=[pw.pep.uuid]), {"area": "academic", "wording": "Read daily"}
    )
    assert response.status_code == 200 and "time-bound" in response.content.decode()
    response = client.post(reverse("reviews:pep_edit", args=[pw.pep.uuid]), {"sdq_score": "55"})
    assert response.status_code == 200 and "govuk-error-message" in response.content.decode()
    response = client.post(
        reverse("reviews:virtual_school", args=[pw.suffolk.uuid]),
        {"school_year": a.year.pk, "name": "Autumn", "final_date": "2027-09-03"},
    )
    assert response.status_code == 200 and "must be inside 2026-27" in response.content.decode()
    response = client.post(reverse("reviews:pep_new", args=[a.pupils[1].uuid]), {"due_on": "2026-12-18"})
    assert response.status_code == 404  # not looked after: not a pupil of the designated teacher's
    response = client_for(a.users["senco"]).post(
        reverse("reviews:pep_new", args=[a.pupils[1].uuid]), {"due_on": "2026-12-18"}
    )
    assert response.status_code == 403  # the SENCO sees the pupil, but a PEP is for a looked-after pupil
    with tenant_context(a.trust.pk):
        assert PepTarget.objects.filter(pep=pw.pep).count() == 1
        assert not VirtualSchoolTerm.objects.filter(virtual_school=pw.suffolk).exists()
        assert Pep.objects.get(pk=pw.pep.pk).sdq_score is None
        assert not Pep.objects.filter(pupil=a.pupils[1]).exists()


@pytest.mark.parametrize("role", ["dt", "senco", "lead", "assistant", "head", "teacher", "governor"])
def test_who_keeps_the_virtual_schools(world: Any, role: str) -> None:
    a = world.a
    add_pep(a)
    client = client_for(a.users[role])
    response = client.post(reverse("reviews:virtual_schools"), {"name": f"Kent {role}", "local_authority": "Kent"})
    with tenant_context(a.trust.pk):
        added = VirtualSchool.objects.filter(name=f"Kent {role}").exists()
    if role in ("dt", "senco", "lead"):
        assert response.status_code == 302 and added
    else:
        assert response.status_code == 403 and not added
    seen = client.get(reverse("reviews:virtual_schools")).status_code
    assert seen == (200 if role in ("dt", "senco", "lead", "assistant", "head") else 403)


@pytest.mark.parametrize(("role", "status"), [("dt", 200), ("senco", 200), ("head", 200), ("teacher", 403)])
def test_who_opens_the_looked_after_home(world: Any, role: str, status: int) -> None:
    a = world.a
    add_pep(a)
    response = client_for(a.users[role]).get(reverse("reviews:pep_home"))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Norfolk Virtual School" in page and a.looked_after.legal_first_name in page


def _add_looked_after(world: Any, count: int, schools: int) -> None:
    """`count` more looked-after pupils across `schools` Virtual Schools, each with a care record and a PEP."""
    with tenant_context(world.trust.pk):
        virtual_schools = [
            care_services.save_virtual_school(None, name=f"VS {i}", local_authority=f"LA {i}")
            for i in range(VirtualSchool.objects.count(), schools)
        ] or list(VirtualSchool.objects.all())
        start = Pupil.objects.count()
        pupils = Pupil.objects.bulk_create(
            [
                Pupil(
                    trust_id=world.trust.pk,
                    school=world.school,
                    legal_first_name=f"Cared{i}",
                    legal_last_name="Bulk",
                    date_of_birth=dt.date(2015, 1, 1),
                    gender="F",
                    year_group="6",
                    upn=make_upn("926", world.school.establishment_number, 15, 300 + i),
                    is_looked_after=True,
                )
                for i in range(start, start + count)
            ]
        )
        records = CareRecord.objects.bulk_create(
            [
                CareRecord(
                    trust_id=world.trust.pk,
                    pupil=p,
                    virtual_school=virtual_schools[i % len(virtual_schools)],
                    looked_after_on=dt.date(2025, 9, 1),
                )
                for i, p in enumerate(pupils)
            ]
        )
        Pep.objects.bulk_create(
            [
                Pep(
                    trust_id=world.trust.pk,
                    pupil=r.pupil,
                    virtual_school=r.virtual_school,
                    due_on=dt.date(2026, 12, 11),
                    started_on=dt.date(2025, 9, 8),
                    rating="amber",
                    attendance_percent=85,
                )
                for r in records
            ]
        )
        sync_all_pep_deadlines()


def test_the_designated_teachers_home_keeps_its_query_count_from_5_to_500_pupils(world: Any) -> None:
    a = world.a
    add_pep(a)
    _add_looked_after(a, 4, schools=2)
    client = client_for(a.users["dt"])
    url = reverse("reviews:pep_home")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_looked_after(a, 495, schools=20)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.status_code == 200 and "VS 19" in page.content.decode()
    assert len(many) == len(few), [q["sql"][:80] for q in many.captured_queries]


def test_a_pep_page_keeps_its_query_count_however_many_targets(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    client = client_for(a.users["dt"])
    url = reverse("reviews:pep", args=[pw.pep.uuid])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with tenant_context(a.trust.pk):
        for i in range(10):
            care_services_target(pw.pep, i)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def care_services_target(pep: Pep, i: int) -> None:
    from reviews.pep import services

    services.save_target(pep, None, wording=f"Target {i}", review_on=dt.date(2027, 2, 1), provision=None)


def test_a_designated_teacher_lands_on_their_looked_after_pupils_unless_they_lead_the_school(world: Any) -> None:
    a = world.a
    add_pep(a)
    dt_user = a.users["dt"]
    response = client_for(dt_user).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("reviews:pep_home")
    with tenant_context(a.trust.pk):
        Membership.objects.create(user=dt_user, role="senco", school=a.school)
    response = client_for(dt_user).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("reports:home")  # the SENCO's home


def test_the_home_puts_overdue_first_and_flags_low_attendance(world: Any) -> None:
    from django.utils import timezone

    from reviews.pep import services

    a = world.a
    pw = add_pep(a)  # Norfolk's pupil: the initial PEP was never ready, so overdue
    with tenant_context(a.trust.pk):
        Pupil.objects.filter(pk=a.pupils[1].pk).update(is_looked_after=True)
        fresh = care_services.save_virtual_school(None, name="Aardvark Virtual School", local_authority="Aardvark")
        care_services.save_care_record(
            Pupil.objects.get(pk=a.pupils[1].pk),
            None,
            by=a.users["dt"],
            virtual_school=fresh,
            looked_after_on=timezone.localdate(),
        )
        services.update_pep(pw.pep, by=a.users["dt"], attendance_percent=84)
    page = client_for(a.users["dt"]).get(reverse("reviews:pep_home")).content.decode()
    assert page.index("Norfolk Virtual School") < page.index("Aardvark Virtual School")
    assert "Below 90%" in page and "Overdue" in page


def test_the_pupil_record_links_to_the_peps_and_an_ehc_review_is_flagged_to_coincide(world: Any) -> None:
    from reviews.ehc import services as ehc_services

    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        ehc_services.save_plan(
            a.looked_after, None, by=a.users["senco"], local_authority="Norfolk", issued_on=dt.date(2026, 3, 2)
        )
    client = client_for(a.users["dt"])
    record = client.get(reverse("pupils:record", args=[a.looked_after.uuid])).content.decode()
    assert reverse("reviews:pep_pupil", args=[a.looked_after.uuid]) in record
    page = client.get(reverse("reviews:pep", args=[pw.pep.uuid])).content.decode()
    assert "EHC annual review due by" in page and "coincide" in page
    other = client_for(a.users["senco"]).get(reverse("pupils:record", args=[a.pupils[1].uuid])).content.decode()
    assert "Personal education plans" not in other  # not looked after
