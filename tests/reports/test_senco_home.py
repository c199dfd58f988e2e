"""The SENCO's home: what needs doing, each count the length of the list behind it, the school's figures, a
school filter for a federation SENCO, and a query count that does not grow with schools."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pupils.models import ContactLogEntry, PassportVersion, Pupil
from pupils.upn import make_upn
from reviews.apdr.models import Plan
from schools.models import Membership, School
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.pep.support import add_pep


def make_work(world: Any) -> None:
    """Something in every list: a passport awaiting approval, a plan submitted and overdue for review, a
    follow-up due, a pupil at SEN support without a plan, a PEP due (the world already holds EHC deadlines and
    an invitation whose advice has not come)."""
    today = timezone.localdate()
    add_pep(world)
    with tenant_context(world.trust.pk):
        PassportVersion.objects.create(
            pupil=world.pupils[0], number=1, key_strategies="Visual timetable", written_by=world.users["teacher"]
        )
        Plan.objects.filter(pk=world.plan.pk).update(state="submitted")
        Plan.objects.create(
            pupil=world.pupils[2],
            cycle=1,
            state="active",
            starts_on=today - dt.timedelta(days=60),
            review_on=today - dt.timedelta(days=1),
        )
        Plan.objects.create(
            pupil=world.looked_after,
            cycle=1,
            state="active",
            starts_on=today - dt.timedelta(days=60),
            review_on=today + dt.timedelta(days=3),
        )
        ContactLogEntry.objects.create(
            pupil=world.pupils[0],
            happened_on=today - dt.timedelta(days=10),
            with_whom="Mum",
            method="phone",
            summary="Asked about the reading group",
            follow_up_on=today,
        )
        Pupil.objects.filter(pk=world.pupils[1].pk).update(sen_status="K")


def home(client: Any, **params: str) -> Any:
    response = client.get(reverse("reports:home"), params)
    assert response.status_code == 200
    return response


def test_each_to_do_count_equals_the_list_behind_it(world: Any) -> None:
    a = world.a
    make_work(a)
    client = client_for(a.users["senco"])
    items = home(client).context["items"]
    assert {item.slug for item in items} >= {
        "passports",
        "plans-to-sign-off",
        "reviews-overdue",
        "reviews-due",
        "statutory-overdue",
        "statutory-this-week",
        "advice",
        "follow-ups",
        "without-plan",
        "peps-due",
    }
    for item in items:
        listed = client.get(reverse(f"reports:todo_{item.slug.replace('-', '_')}"))
        assert listed.status_code == 200
        assert len(listed.context["rows"]) == item.count, item.slug
        assert item.url in home(client).content.decode()
    counts = {item.slug: item.count for item in items}
    # the work made above is found, and only it
    assert counts["passports"] == 1 and counts["plans-to-sign-off"] == 1
    assert counts["reviews-overdue"] == 1 and counts["reviews-due"] == 1
    assert counts["follow-ups"] == 1 and counts["advice"] == 1 and counts["peps-due"] == 1
    # pupil 1 (moved to K) and the looked-after pupil's active plan does not count for pupil 0, whose plan is
    # only submitted
    assert counts["without-plan"] == 2


def test_a_later_contact_settles_a_follow_up_and_an_approved_passport_leaves_the_list(world: Any) -> None:
    a = world.a
    make_work(a)
    with tenant_context(a.trust.pk):
        ContactLogEntry.objects.create(
            pupil=a.pupils[0], happened_on=timezone.localdate(), with_whom="Mum", method="phone", summary="Called back"
        )
        PassportVersion.objects.update(status="approved")
    counts = {i.slug: i.count for i in home(client_for(a.users["senco"])).context["items"]}
    assert counts["follow-ups"] == 0 and counts["passports"] == 0


def test_nothing_of_another_trust_is_counted(world: Any) -> None:
    make_work(world.b)
    counts = {i.slug: i.count for i in home(client_for(world.a.users["senco"])).context["items"]}
    assert counts["passports"] == 0 and counts["peps-due"] == 0 and counts["follow-ups"] == 0


def test_the_figures_at_a_glance(world: Any) -> None:
    a = world.a
    make_work(a)
    figures = home(client_for(a.users["senco"])).context["figures"]
    # on roll: pupils 0, 1 (now K), 2 (E) and the looked-after pupil (N)
    assert figures.by_status == {"N": 1, "K": 2, "E": 1}
    assert figures.by_need == [("Speech, language and communication needs", 2)]
    # of the two at SEN support, neither has an active plan; the EHC pupil's active plan is not SEN support
    assert (figures.sen_support, figures.with_active_plan) == (2, 0)


@pytest.mark.parametrize(("role", "status"), [("senco", 200), ("assistant", 200), ("lead", 200)])
def test_who_opens_the_home(world: Any, role: str, status: int) -> None:
    assert client_for(world.a.users[role]).get(reverse("reports:home")).status_code == status


@pytest.mark.parametrize("role", ["teacher", "ta", "head", "governor", "admin", "dt"])
def test_who_does_not_open_the_home_or_its_lists(world: Any, role: str) -> None:
    client = client_for(world.a.users[role])
    assert client.get(reverse("reports:home")).status_code == 403
    assert client.get(reverse("reports:todo_passports")).status_code == 403


def test_an_unknown_list_or_a_school_not_yours_is_404(world: Any) -> None:
    client = client_for(world.a.users["senco"])
    assert client.get("/reports/to-do/nonsense/").status_code == 404
    for school in (world.b.school, world.a.schools[1]):  # another trust's; one of the trust's, not the SENCO's
        assert client.get(reverse("reports:home"), {"school": str(school.uuid)}).status_code == 404
        url = reverse("reports:todo_passports")
        assert client.get(url, {"school": str(school.uuid)}).status_code == 404
    assert client.get(reverse("reports:home"), {"school": "not-a-uuid"}).status_code == 404


def test_senco_assistant_and_lead_land_on_the_home(world: Any) -> None:
    for role in ("senco", "assistant", "lead"):
        response = client_for(world.a.users[role]).get(reverse("home"))
        assert response.status_code == 302 and response.url == reverse("reports:home")


def add_school_with_work(world: Any, i: int) -> School:
    """Another school of the trust where the world's SENCO works, with a pupil at SEN support and a follow-up."""
    with tenant_context(world.trust.pk):
        school = School.objects.create(
            name=f"Extra {i}", urn=f"{900000 + i}", la_code="926", establishment_number=f"{7000 + i}", phase="primary"
        )
        Membership.objects.create(user=world.users["senco"], role="senco", school=school)
        pupil = Pupil.objects.create(
            school=school,
            legal_first_name=f"Extra{i}",
            legal_last_name="Pupil",
            date_of_birth=dt.date(2017, 1, 1),
            gender="M",
            year_group="4",
            upn=make_upn("926", f"{7000 + i}", 19, i),
            sen_status="K",
        )
        ContactLogEntry.objects.create(
            pupil=pupil,
            happened_on=timezone.localdate(),
            with_whom="Dad",
            method="phone",
            summary="Call",
            follow_up_on=timezone.localdate(),
        )
    return school


def queries(client: Any, url: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_a_federation_senco_filters_by_school(world: Any) -> None:
    a = world.a
    make_work(a)
    extra = add_school_with_work(a, 1)
    client = client_for(a.users["senco"])
    everywhere = {i.slug: i.count for i in home(client).context["items"]}
    there = {i.slug: i.count for i in home(client, school=str(extra.uuid)).context["items"]}
    assert (everywhere["follow-ups"], there["follow-ups"]) == (2, 1)
    assert (everywhere["without-plan"], there["without-plan"]) == (3, 1)
    assert there["passports"] == 0
    page = home(client).content.decode()
    assert extra.name in page and a.school.name in page
    listed = client.get(reverse("reports:todo_follow_ups"), {"school": str(extra.uuid)})
    assert len(listed.context["rows"]) == 1


def test_the_home_and_a_list_keep_their_query_count_from_1_to_many_schools(world: Any) -> None:
    a = world.a
    make_work(a)
    client = client_for(a.users["senco"])
    home_url = reverse("reports:home")
    list_url = reverse("reports:todo_follow_ups")
    client.get(home_url)
    one = (queries(client, home_url), queries(client, list_url))
    for i in range(12):
        add_school_with_work(a, i + 10)
    many = (queries(client, home_url), queries(client, list_url))
    assert many == one
