"""Pages: sign-in, home routing, the switcher, trust admin with its bad input, the register, query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pupils.models import Pupil
from pupils.upn import make_upn
from schools.models import Membership, School, Term
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


class TestSignIn:
    def test_sign_in_by_email_then_a_senco_must_set_up_a_second_factor(self, world):
        client = Client()
        response = client.post(reverse("login"), {"username": "senco@alpha.example", "password": PASSWORD})
        assert response.status_code == 302
        response = client.get(reverse("home"))
        assert response.url.startswith(reverse("mfa_setup"))

    def test_a_wrong_password_shows_an_error_in_the_page(self, world):
        response = Client().post(reverse("login"), {"username": "senco@alpha.example", "password": "nope"})
        assert response.status_code == 200
        assert "correct email" in response.content.decode().lower()

    def test_pages_need_sign_in(self, world):
        response = Client().get(reverse("pupils:register"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

    def test_password_reset_sends_an_email_with_a_link(self, world):
        response = Client().post(reverse("password_reset"), {"email": "senco@alpha.example"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body

    def test_a_bad_reset_link_is_refused_without_an_error(self, world):
        url = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
        response = Client().get(url)
        assert response.status_code == 200
        assert "invalid" in response.content.decode().lower() or "expired" in response.content.decode().lower()


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("lead", "reports:home"),
        ("senco", "reports:home"),
        ("assistant", "reports:home"),
        ("dt", "reviews:pep_home"),
        ("teacher", "pupils:register"),
        ("ta", "pupils:register"),
        ("head", "pupils:register"),
        ("admin", "schools:admin_home"),
        ("governor", "reports:summary"),
    ],
)
def test_home_sends_each_role_where_it_works(world, role, target):
    response = client_for(world.a.users[role]).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse(target)
    assert client_for(world.a.users[role]).get(response.url).status_code == 200


class TestSwitcher:
    def test_a_user_with_two_trusts_chooses_one_and_sees_only_it(self, world):
        consultant = world.a.users["senco"]
        with tenant_context(world.b.trust.pk):
            Membership.objects.create(user=consultant, role="senco", school=world.b.school)
        client = client_for(consultant)
        assert client.get(reverse("pupils:register")).url == reverse("switch")
        page = client.get(reverse("switch")).content.decode()
        assert world.a.trust.name in page and world.b.trust.name in page
        client.post(reverse("switch"), {"trust": world.b.trust.pk})
        register = client.get(reverse("pupils:register")).content.decode()
        assert world.b.pupils[0].legal_last_name in register
        assert world.a.school.name not in register

    def test_choosing_a_trust_that_is_not_yours_is_refused(self, world):
        client = client_for(world.a.users["senco"])
        response = client.post(reverse("switch"), {"trust": world.b.trust.pk}, follow=True)
        assert "Choose one of your trusts" in response.content.decode()
        assert world.b.pupils[0].legal_last_name not in client.get(reverse("pupils:register")).content.decode()

    def test_a_stale_trust_in_the_session_sends_the_user_back_to_choose(self, world):
        client = client_for(world.a.users["lead"])
        client.get(reverse("home"))
        with tenant_context(world.a.trust.pk):
            Membership.objects.filter(user=world.a.users["lead"]).delete()
        response = client.get(reverse("pupils:register"))
        assert response.status_code == 403


class TestTrustAdmin:
    def test_pages_open_for_the_admin(self, world):
        client = client_for(world.a.users["admin"])
        for url in [
            reverse("schools:admin_home"),
            reverse("schools:staff_list"),
            reverse("schools:staff_invite"),
            reverse("schools:school_create"),
            reverse("schools:year_create"),
            reverse("schools:school_terms", kwargs={"school_uuid": world.a.school.uuid}),
            reverse("schools:school_edit", kwargs={"school_uuid": world.a.school.uuid}),
            reverse("schools:term_edit", kwargs={"term_uuid": world.a.term.uuid}),
            reverse("schools:membership_edit", kwargs={"membership_uuid": world.a.memberships["ta"].uuid}),
        ]:
            assert client.get(url).status_code == 200, url

    @pytest.mark.parametrize("role", ["lead", "senco", "head", "teacher", "governor"])
    def test_other_roles_are_refused(self, world, role):
        client = client_for(world.a.users[role])
        assert client.get(reverse("schools:admin_home")).status_code == 403
        assert client.get(reverse("schools:staff_list")).status_code == 403
        url = reverse("schools:school_terms", kwargs={"school_uuid": world.a.school.uuid})
        assert client.get(url).status_code == 404

    def test_inviting_staff_creates_the_role_and_emails_a_link(self, world, django_capture_on_commit_callbacks):
        client = client_for(world.a.users["admin"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("schools:staff_invite"),
                {
                    "full_name": "Nia Hughes",
                    "email": "Nia.Hughes@alpha.example",
                    "role": "teacher",
                    "school": world.a.school.pk,
                },
            )
        assert response.status_code == 302
        with tenant_context(world.a.trust.pk):
            membership = Membership.objects.get(user__email="nia.hughes@alpha.example")
        assert membership.role == "teacher" and membership.school_id == world.a.school.pk
        assert "/accounts/reset/" in mail.outbox[-1].body

    def test_a_school_role_without_a_school_is_a_field_error(self, world):
        client = client_for(world.a.users["admin"])
        response = client.post(
            reverse("schools:staff_invite"), {"full_name": "A B", "email": "ab@alpha.example", "role": "senco"}
        )
        assert response.status_code == 200
        assert "Choose the school where this SENCO works" in response.content.decode()

    def test_a_school_of_another_trust_cannot_be_chosen(self, world):
        client = client_for(world.a.users["admin"])
        response = client.post(
            reverse("schools:staff_invite"),
            {"full_name": "A B", "email": "ab@alpha.example", "role": "senco", "school": world.b.school.pk},
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()

    def test_a_term_ending_before_it_starts_is_a_field_error_and_saves_nothing(self, world):
        client = client_for(world.a.users["admin"])
        url = reverse("schools:school_terms", kwargs={"school_uuid": world.a.school.uuid})
        response = client.post(
            url,
            {
                "form": "term",
                "term-school_year": world.a.year.pk,
                "term-name": "Autumn 2",
                "term-starts_on": "2026-12-18",
                "term-ends_on": "2026-11-02",
            },
        )
        assert response.status_code == 200
        assert "must end on or after" in response.content.decode()
        with tenant_context(world.a.trust.pk):
            assert not Term.objects.filter(name="Autumn 2").exists()

    def test_overlapping_terms_are_refused(self, world):
        client = client_for(world.a.users["admin"])
        url = reverse("schools:school_terms", kwargs={"school_uuid": world.a.school.uuid})
        response = client.post(
            url,
            {
                "form": "term",
                "term-school_year": world.a.year.pk,
                "term-name": "Clash",
                "term-starts_on": "2026-10-01",
                "term-ends_on": "2026-10-30",
            },
        )
        assert "overlap Autumn 1" in response.content.decode()

    def test_adding_a_term_and_a_duplicate_urn(self, world):
        client = client_for(world.a.users["admin"])
        url = reverse("schools:school_terms", kwargs={"school_uuid": world.a.school.uuid})
        response = client.post(
            url,
            {
                "form": "term",
                "term-school_year": world.a.year.pk,
                "term-name": "Autumn 2",
                "term-starts_on": "2026-11-02",
                "term-ends_on": "2026-12-18",
            },
        )
        assert response.status_code == 302
        response = client.post(
            reverse("schools:school_create"),
            {
                "name": "Copy",
                "urn": world.a.school.urn,
                "la_code": "926",
                "establishment_number": "2999",
                "phase": "primary",
            },
        )
        assert "already has this URN" in response.content.decode()

    def test_the_same_urn_in_another_trust_is_allowed(self, world):
        client = client_for(world.a.users["admin"])
        response = client.post(
            reverse("schools:school_create"),
            {
                "name": "Twin",
                "urn": world.b.school.urn,
                "la_code": "926",
                "establishment_number": "2998",
                "phase": "infant",
            },
        )
        assert response.status_code == 302
        with tenant_context(world.a.trust.pk):
            assert School.objects.filter(name="Twin").exists()

    def test_changing_and_removing_a_role(self, world):
        client = client_for(world.a.users["admin"])
        membership = world.a.memberships["ta"]
        url = reverse("schools:membership_edit", kwargs={"membership_uuid": membership.uuid})
        assert client.post(url, {"role": "teacher", "school": world.a.schools[1].pk}).status_code == 302
        delete = reverse("schools:membership_delete", kwargs={"membership_uuid": membership.uuid})
        assert client.post(delete).status_code == 302
        with tenant_context(world.a.trust.pk):
            assert not Membership.objects.filter(pk=membership.pk).exists()


class TestRegister:
    def test_a_teacher_sees_only_their_class(self, world):
        page = client_for(world.a.users["teacher"]).get(reverse("pupils:register")).content.decode()
        assert "Pupil0" in page and "Pupil1" in page
        assert "Pupil2" not in page

    def test_filters_by_status(self, world):
        client = client_for(world.a.users["senco"])
        response = client.post(reverse("pupils:register"), {"sen_status": "E"})
        assert response.status_code == 302 and response.url == reverse("pupils:register")
        page = client.get(reverse("pupils:register")).content
        assert b"Pupil2" in page and b"Pupil0" not in page
        client.post(reverse("pupils:register"), {"clear": "1"})
        assert b"Pupil0" in client.get(reverse("pupils:register")).content

    def test_searching_by_name_keeps_the_name_out_of_the_url(self, world):
        client = client_for(world.a.users["senco"])
        response = client.post(reverse("pupils:register"), {"search": "Pupil1"}, follow=True)
        assert all("Pupil1" not in url for url, _ in response.redirect_chain)
        page = response.content.decode()
        assert "Pupil1" in page and "Pupil0 " not in page

    def test_a_foreign_school_filter_is_ignored_not_an_error(self, world):
        client = client_for(world.a.users["senco"])
        client.post(reverse("pupils:register"), {"school": str(world.b.school.uuid)})
        response = client.get(reverse("pupils:register"))
        assert response.status_code == 200 and world.b.school.name.encode() not in response.content

    def test_a_malformed_pupil_id_is_404(self, world):
        assert client_for(world.a.users["senco"]).get("/pupils/not-a-uuid/").status_code == 404

    def test_the_governor_sees_suppressed_aggregates_and_no_names(self, world):
        client = client_for(world.a.users["governor"])
        page = client.get(reverse("reports:summary")).content.decode()
        assert "&lt;5" in page or "<5" in page
        assert "Pupil0" not in page
        assert client.get(reverse("pupils:register")).status_code == 200
        assert "Pupil0" not in client.get(reverse("pupils:register")).content.decode()


def add_pupils(world, count: int) -> None:
    with tenant_context(world.trust.pk):
        Pupil.objects.bulk_create(
            [
                Pupil(
                    trust_id=world.trust.pk,
                    school=world.school,
                    school_class=world.school_class,
                    legal_first_name=f"Extra{i}",
                    legal_last_name="Budget",
                    date_of_birth=dt.date(2017, 1, 1),
                    gender="M",
                    year_group="4",
                    upn=make_upn("926", world.school.establishment_number, 18 + (500 + i) // 1000, (500 + i) % 1000),
                    sen_status="K",
                )
                for i in range(count)
            ]
        )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        ("senco", "pupils:register"),
        ("teacher", "pupils:register"),
        ("admin", "schools:staff_list"),
        ("admin", "schools:admin_home"),
        ("governor", "reports:summary"),
        ("senco", "switch"),
    ],
)
def test_list_pages_have_a_query_budget_that_does_not_grow_with_rows(world, role, url_name):
    client = client_for(world.a.users[role])
    url = reverse(url_name)
    client.get(url)
    before = count_queries(client, url)
    add_pupils(world.a, 1000)  # the measure: the same count at a handful of pupils and at 1,000
    with tenant_context(world.a.trust.pk):
        for i in range(15):
            Membership.objects.create(user=UserFactory(), role="teacher", school=world.a.school)
    assert count_queries(client, url) == before
    assert before <= 20


def test_the_django_admin_is_for_superusers_only(world):
    staff = world.a.users["admin"]
    staff.is_staff = True
    staff.save()
    assert client_for(staff).get("/django-admin/").status_code == 302
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert client_for(superuser).get("/django-admin/").status_code == 200


def test_choosing_a_school_on_the_switcher_focuses_the_register(world):
    a = world.a
    with tenant_context(a.trust.pk):
        Membership.objects.create(user=a.users["senco"], role="senco", school=a.schools[1])
        other = Pupil.objects.create(
            school=a.schools[1],
            legal_first_name="Second",
            legal_last_name="Schooler",
            date_of_birth=dt.date(2018, 1, 1),
            gender="F",
            year_group="3",
            upn=make_upn("926", a.schools[1].establishment_number, 19, 77),
        )
    client = client_for(a.users["senco"])
    page = client.get(reverse("pupils:register")).content.decode()
    assert "Second Schooler" in page and "Pupil0" in page
    client.post(reverse("switch"), {"school": str(a.schools[1].uuid)})
    page = client.get(reverse("pupils:register")).content.decode()
    assert "Second Schooler" in page and "Pupil0" not in page
    client.post(reverse("switch"), {"school": "all"})
    assert "Pupil0" in client.get(reverse("pupils:register")).content.decode()
    assert other.pk


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("senco", False), ("governor", False)])
def test_the_trust_admin_link_is_shown_by_the_policy(world, role, shown):
    response = client_for(world.a.users[role]).get(reverse("home"), follow=True)
    assert ("Trust admin</a>" in response.content.decode()) is shown


def test_more_list_pages_keep_their_query_count_as_rows_grow(world):
    """Term dates, classes and passport versions: the count with a few rows equals the count with many."""
    from pupils.passports import save_passport
    from schools.models import SchoolClass

    a = world.a
    admin, senco = client_for(a.users["admin"]), client_for(a.users["senco"])
    pages = [
        (admin, reverse("schools:school_terms", kwargs={"school_uuid": a.school.uuid})),
        (senco, reverse("pupils:my_classes")),
        (senco, reverse("pupils:passport_versions", kwargs={"pupil_uuid": a.pupils[0].uuid})),
    ]
    for client, url in pages:
        client.get(url)
    before = [count_queries(client, url) for client, url in pages]
    with tenant_context(a.trust.pk):
        for month in range(1, 8):
            Term.objects.create(
                school=a.school,
                school_year=a.year,
                name=f"Extra {month}",
                starts_on=dt.date(2027, month, 1),
                ends_on=dt.date(2027, month, 20),
            )
            SchoolClass.objects.create(school=a.school, school_year=a.year, name=f"Extra {month}", year_group="3")
            save_passport(a.pupils[0], written_by=a.users["senco"], about_me="x", key_strategies=f"Strategy {month}")
    assert [count_queries(client, url) for client, url in pages] == before
