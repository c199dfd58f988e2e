"""Sign-in and access hardening, round 2, tested as the attacker: another trust's administrator, a stale
session, a forged header. Each test fails on the code before it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.models import ApiClient, Invitation, Membership, SignIn, User
from schools.security import end_all_sessions
from send.models import SecurityEvent
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.schools.test_security import code, enrol, sign_in

pytestmark = pytest.mark.django_db


def signed_in_with_both_factors_and_step_up(user: Any) -> Client:
    """A real browser's path: password, second factor (a new session key), step-up (another new key)."""
    enrol(user)
    client = Client()
    sign_in(client, user.email)
    assert client.post(reverse("mfa_verify"), {"token": code()}).status_code == 302
    confirmed = client.post(reverse("reauthenticate"), {"password": PASSWORD, "token": code(drift=1)})
    assert confirmed.status_code == 302
    assert client.get(reverse("pupils:register")).status_code == 200
    return client


def is_signed_out(client: Client) -> bool:
    response = client.get(reverse("pupils:register"))
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def events(trust_world: Any, action: str) -> list[SecurityEvent]:
    with tenant_context(trust_world.trust.pk):
        return list(SecurityEvent.objects.filter(action=action).select_related("actor", "subject"))


# --- Ending sessions ends them ----------------------------------------------------------------------------------


class TestEndingSessions:
    def test_sign_out_everywhere_ends_a_teachers_session_that_passed_the_second_factor_and_a_step_up(self, world):
        teacher = world.a.users["teacher"]
        phone = signed_in_with_both_factors_and_step_up(teacher)
        laptop = client_for(teacher)
        laptop.post(reverse("sign_out_everywhere"))
        assert is_signed_out(phone)

    def test_the_sign_in_record_follows_the_session_key_through_verification(self, world):
        teacher = world.a.users["teacher"]
        phone = signed_in_with_both_factors_and_step_up(teacher)
        record = SignIn.objects.get(user=teacher)
        assert record.session_key == phone.session.session_key
        assert Session.objects.filter(session_key=record.session_key).exists()

    def test_a_second_factor_reset_ends_the_teachers_verified_session(self, world, django_capture_on_commit_callbacks):
        teacher = world.a.users["teacher"]
        phone = signed_in_with_both_factors_and_step_up(teacher)
        url = reverse(
            "schools:membership_reset_two_factor", kwargs={"membership_uuid": world.a.memberships["teacher"].uuid}
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert client_for(world.a.users["admin"]).post(url).status_code == 302
        assert is_signed_out(phone)
        [event] = events(world.a, "second_factor_reset")
        assert event.actor == world.a.users["admin"] and event.subject == teacher and event.created_at

    def test_a_role_change_ends_the_teachers_verified_session(self, world, django_capture_on_commit_callbacks):
        teacher = world.a.users["teacher"]
        phone = signed_in_with_both_factors_and_step_up(teacher)
        url = reverse("schools:membership_edit", kwargs={"membership_uuid": world.a.memberships["teacher"].uuid})
        with django_capture_on_commit_callbacks(execute=True):
            client_for(world.a.users["admin"]).post(url, {"role": "ta", "school": world.a.school.pk})
        assert is_signed_out(phone)
        [event] = events(world.a, "role_changed")
        assert event.subject == teacher and event.detail["to"]["role"] == "ta"

    def test_deactivation_ends_every_session_and_what_the_person_left_running(
        self, world, django_capture_on_commit_callbacks
    ):
        from reviews.models import NotificationPreference

        senco = world.a.users["senco"]
        phone = signed_in_with_both_factors_and_step_up(senco)
        feed = reverse("reviews:calendar_feed", args=[world.a.feed_token])
        assert Client().get(feed).status_code == 200
        with tenant_context(world.a.trust.pk):
            world.a.api_client.created_by = senco
            world.a.api_client.save(update_fields=["created_by"])
        with django_capture_on_commit_callbacks(execute=True):
            senco.is_active = False
            senco.save()
        assert is_signed_out(phone)
        with tenant_context(world.a.trust.pk):
            assert ApiClient.objects.get(pk=world.a.api_client.pk).revoked_at is not None
            assert NotificationPreference.objects.get(user=senco).feed_token_hash == ""

    def test_sign_out_everywhere_stops_the_feed_and_the_api_clients_the_person_made(self, world):
        admin = world.a.users["admin"]
        with tenant_context(world.a.trust.pk):
            world.a.api_client.created_by = admin
            world.a.api_client.save(update_fields=["created_by"])
            other_client = ApiClient.objects.exclude(pk=world.a.api_client.pk).first()
        senco = world.a.users["senco"]
        feed = reverse("reviews:calendar_feed", args=[world.a.feed_token])
        client_for(senco).post(reverse("sign_out_everywhere"))
        assert Client().get(feed).status_code == 404
        client_for(admin).post(reverse("sign_out_everywhere"))
        with tenant_context(world.a.trust.pk):
            assert ApiClient.objects.get(pk=world.a.api_client.pk).revoked_at is not None
            if other_client is not None:  # made by nobody (a command): untouched
                assert ApiClient.objects.get(pk=other_client.pk).revoked_at is None

    def test_a_role_change_does_not_stop_the_feed(self, world):
        senco = world.a.users["senco"]
        end_all_sessions(senco)  # not asked for by the person, nor a deactivation
        assert Client().get(reverse("reviews:calendar_feed", args=[world.a.feed_token])).status_code == 200

    def test_a_session_key_that_was_missed_still_fails_after_sign_out_everywhere(self, world):
        governor = world.a.users["governor"]
        stale = Client()
        sign_in(stale, governor.email)
        SignIn.objects.filter(user=governor).update(session_key="not-the-live-key")  # the old bug's state
        client_for(governor).post(reverse("sign_out_everywhere"))
        response = stale.get(reverse("reports:summary"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- No administrator of one trust can touch another trust's person ---------------------------------------------


REFUSED = {
    "membership_reset_two_factor": "second_factor_reset_refused",
    "membership_sign_out": "signed_out_by_admin_refused",
    "membership_password_link": "password_link_sent_refused",
}


def share_person(world: Any) -> User:
    """Trust B's SENCO also teaches at trust A (the person B's admin would like to reach)."""
    person = world.b.users["senco"]
    with tenant_context(world.a.trust.pk):
        Membership.objects.create(user=person, role="teacher", school=world.a.school)
    return person


class TestOtherTrustsPeople:
    def test_inviting_an_email_of_another_trust_sends_an_invitation_and_changes_nothing(
        self, world, django_capture_on_commit_callbacks
    ):
        victim = world.b.users["senco"]
        admin = client_for(world.a.users["admin"])
        mail.outbox.clear()
        with tenant_context(world.a.trust.pk):
            before = Membership.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(
                reverse("schools:staff_invite"),
                {"full_name": "X", "email": victim.email, "role": "senco", "school": world.a.school.pk},
            )
        assert response.status_code == 302
        [message] = mail.outbox  # the invitation, with no password link
        assert "/account/invitations/" in message.body and "/accounts/reset/" not in message.body
        with tenant_context(world.a.trust.pk):
            assert Membership.objects.count() == before
            assert not Membership.objects.filter(user=victim).exists()
            invitation = Invitation.objects.get(user=victim)
        victim.refresh_from_db()
        assert victim.full_name != "X" and victim.has_usable_password()
        [event] = events(world.a, "invitation_sent")
        assert event.actor == world.a.users["admin"] and event.subject == victim
        # the person accepts after signing in: only then do they hold the role
        page = client_for(victim).get(reverse("invitations")).content.decode()
        assert world.a.trust.name in page
        client_for(victim).post(reverse("invitations"), {"invitation": str(invitation.uuid), "answer": "accept"})
        with tenant_context(world.a.trust.pk):
            assert Membership.objects.filter(user=victim, role="senco", school=world.a.school).exists()
        assert events(world.a, "invitation_accepted")[0].subject == victim

    def test_a_lapsed_invitation_cannot_be_accepted_and_can_be_offered_again(self, world):
        victim = world.b.users["senco"]
        with tenant_context(world.a.trust.pk):
            invitation = Invitation.objects.create(user=victim, role="senco", school=world.a.school)
            Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
        person = client_for(victim)
        assert world.a.trust.name not in person.get(reverse("invitations")).content.decode()
        person.post(reverse("invitations"), {"invitation": str(invitation.uuid), "answer": "accept"})
        with tenant_context(world.a.trust.pk):
            assert not Membership.objects.filter(user=victim).exists()
        data = {"full_name": "X", "email": victim.email, "role": "senco", "school": world.a.school.pk}
        assert client_for(world.a.users["admin"]).post(reverse("schools:staff_invite"), data).status_code == 302
        assert world.a.trust.name in person.get(reverse("invitations")).content.decode()
        again = client_for(world.a.users["admin"]).post(reverse("schools:staff_invite"), data)
        assert "already been invited" in again.content.decode()

    def test_someone_else_cannot_answer_an_invitation(self, world):
        victim = world.b.users["senco"]
        with tenant_context(world.a.trust.pk):
            invitation = Invitation.objects.create(user=victim, role="senco", school=world.a.school)
        intruder = client_for(world.b.users["head"])
        intruder.post(reverse("invitations"), {"invitation": str(invitation.uuid), "answer": "accept"})
        with tenant_context(world.a.trust.pk):
            assert not Membership.objects.filter(user__in=[victim, world.b.users["head"]]).exists()
            assert Invitation.objects.get(pk=invitation.pk).is_open

    @pytest.mark.parametrize(
        "action", ["membership_reset_two_factor", "membership_sign_out", "membership_password_link"]
    )
    def test_an_admin_cannot_act_on_a_person_who_also_works_for_another_trust(
        self, world, action, django_capture_on_commit_callbacks
    ):
        person = share_person(world)
        enrol(person)
        phone = client_for(person)
        with tenant_context(world.a.trust.pk):
            membership = Membership.objects.get(user=person)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(world.a.users["admin"]).post(
                reverse(f"schools:{action}", kwargs={"membership_uuid": membership.uuid}), follow=True
            )
        assert "also has a role in another trust" in response.content.decode()
        assert TOTPDevice.objects.filter(user=person, name="phone").exists()  # nothing changed
        assert phone.get(reverse("account")).status_code == 200
        assert mail.outbox == []
        assert events(world.a, REFUSED[action])[0].subject == person

    def test_an_admin_signs_out_their_own_trusts_person(self, world, django_capture_on_commit_callbacks):
        teacher = world.a.users["teacher"]
        phone = signed_in_with_both_factors_and_step_up(teacher)
        url = reverse("schools:membership_sign_out", kwargs={"membership_uuid": world.a.memberships["teacher"].uuid})
        with django_capture_on_commit_callbacks(execute=True):
            client_for(world.a.users["admin"]).post(url)
        assert is_signed_out(phone)
        assert events(world.a, "signed_out_by_admin")[0].subject == teacher

    def test_another_trusts_admin_cannot_reach_the_membership_at_all(self, world):
        url = reverse(
            "schools:membership_reset_two_factor", kwargs={"membership_uuid": world.a.memberships["teacher"].uuid}
        )
        assert client_for(world.b.users["admin"]).post(url).status_code == 404


# --- Every path to named pupils needs two factors ----------------------------------------------------------------


class TestTwoFactorsEverywhere:
    def test_a_trust_administrator_must_pass_the_second_factor(self, world):
        admin = world.a.users["admin"]
        enrol(admin)
        client = Client()
        sign_in(client, admin.email)
        response = client.get(reverse("schools:api_client_create"))
        assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))

    def test_a_superuser_must_pass_the_second_factor_before_the_django_admin(self, world):
        root = User.objects.create_superuser("root@example.org", PASSWORD, full_name="Root")
        password_only = Client()
        password_only.force_login(root)
        response = password_only.get("/django-admin/")
        assert response.status_code == 302 and response.url.startswith(reverse("mfa_setup"))
        assert client_for(root).get("/django-admin/").status_code == 200

    def test_the_django_admin_never_shows_otp_keys_or_backup_codes(self, world):
        root = User.objects.create_superuser("root@example.org", PASSWORD, full_name="Root")
        admin = client_for(root)
        device = enrol(world.a.users["teacher"])
        backup = StaticDevice.objects.create(user=world.a.users["teacher"], name="Backup codes", confirmed=True)
        StaticToken.objects.create(device=backup, token="c0ffee42")
        totp_page = admin.get(f"/django-admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
        assert device.key not in totp_page
        static_page = admin.get(f"/django-admin/otp_static/staticdevice/{backup.pk}/change/")
        assert static_page.status_code == 200 and "c0ffee42" not in static_page.content.decode()

    def test_an_administrator_cannot_give_themselves_a_pupil_role(self, world):
        admin_user = world.a.users["admin"]
        admin = client_for(admin_user)
        response = admin.post(
            reverse("schools:staff_invite"),
            {"full_name": "Me", "email": admin_user.email, "role": "senco", "school": world.a.school.pk},
        )
        assert response.status_code == 200 and "another trust administrator" in response.content.decode()
        url = reverse("schools:membership_edit", kwargs={"membership_uuid": world.a.memberships["admin"].uuid})
        response = admin.post(url, {"role": "lead", "school": ""})
        assert "another trust administrator" in response.content.decode()
        with tenant_context(world.a.trust.pk):
            assert list(Membership.objects.filter(user=admin_user).values_list("role", flat=True)) == ["admin"]

    def test_another_administrator_may_give_an_administrator_a_pupil_role(self, world):
        other = User.objects.create_user("admin2@example.org", PASSWORD, full_name="Second Admin")
        with tenant_context(world.a.trust.pk):
            Membership.objects.create(user=other, role="admin")
        response = client_for(other).post(
            reverse("schools:staff_invite"),
            {"full_name": "A", "email": world.a.users["admin"].email, "role": "senco", "school": world.a.school.pk},
        )
        assert response.status_code == 302
        with tenant_context(world.a.trust.pk):
            assert Membership.objects.filter(user=world.a.users["admin"], role="senco").exists()
        assert events(world.a, "role_granted")[0].actor == other

    def test_making_an_api_client_that_reads_pupils_needs_step_up_and_is_audited(self, world):
        admin = client_for(world.a.users["admin"])
        session = admin.session
        session["reauthenticated_at"] = timezone.now().timestamp() - 3600
        session.save()
        data = {"name": "Arbor", "can_read": "on", "all_schools": "on", "rate_limit_per_minute": "600"}
        response = admin.post(reverse("schools:api_client_create"), data)
        assert response.status_code == 302 and response.url.startswith(reverse("reauthenticate"))
        with tenant_context(world.a.trust.pk):
            assert not ApiClient.objects.filter(name="Arbor").exists()
        assert client_for(world.a.users["admin"]).post(reverse("schools:api_client_create"), data).status_code == 200
        [event] = [e for e in events(world.a, "api_client_created") if e.detail["name"] == "Arbor"]
        assert event.actor == world.a.users["admin"] and event.detail["scopes"] == ["read"]

    def test_the_first_use_of_a_new_client_is_audited_once_with_its_address(self, world):
        from tests.api.conftest import api_for

        http, client = api_for(world.a)
        http.get("/api/v1/pupils/", REMOTE_ADDR="198.51.100.23")
        http.get("/api/v1/pupils/", REMOTE_ADDR="198.51.100.23")
        [event] = [e for e in events(world.a, "api_client_first_use") if e.detail["client"] == str(client.uuid)]
        assert event.ip_address == "198.51.100.23" and event.api_client == client.name


# --- Brute force per real client address --------------------------------------------------------------------------

PROXY = "10.0.0.1"  # our reverse proxy: every request arrives from it


def through_proxy(client_address: str, forged: str = "") -> dict[str, str]:
    """What the proxy sends on: the client's own X-Forwarded-For (forged) with the client's address appended."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


class TestBruteForceBehindAProxy:
    def test_the_lock_is_per_client_address_behind_the_proxy(self, world, settings):
        settings.PROXY_COUNT = 1
        email = world.a.users["head"].email
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(Client(), email, "wrong", **through_proxy("203.0.113.7"))
        assert sign_in(Client(), email, PASSWORD, **through_proxy("203.0.113.7")).status_code == 429
        assert sign_in(Client(), email, PASSWORD, **through_proxy("198.51.100.8")).status_code == 302

    def test_forged_addresses_beyond_the_proxy_count_are_ignored(self, world, settings):
        settings.PROXY_COUNT = 1
        email = world.a.users["head"].email
        for n in range(settings.AXES_FAILURE_LIMIT):
            sign_in(Client(), email, "wrong", **through_proxy("203.0.113.7", forged=f"192.0.2.{n}"))
        locked = sign_in(Client(), email, PASSWORD, **through_proxy("203.0.113.7", forged="192.0.2.200"))
        assert locked.status_code == 429

    def test_without_a_proxy_the_header_is_not_believed(self, world, settings):
        settings.PROXY_COUNT = 0
        email = world.a.users["head"].email
        for n in range(settings.AXES_FAILURE_LIMIT):
            sign_in(Client(), email, "wrong", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert sign_in(Client(), email, PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429

    def test_many_addresses_guessing_one_account_lock_it(self, world, settings):
        settings.PROXY_COUNT = 1
        settings.AXES_ACCOUNT_FAILURE_LIMIT = 8
        email = world.a.users["head"].email
        for n in range(settings.AXES_ACCOUNT_FAILURE_LIMIT):  # two guesses from each of four addresses
            sign_in(Client(), email, "wrong", **through_proxy(f"203.0.113.{n // 2 + 1}"))
        assert sign_in(Client(), email, PASSWORD, **through_proxy("198.51.100.99")).status_code == 429
        other = world.a.users["senco"].email
        assert sign_in(Client(), other, PASSWORD, **through_proxy("198.51.100.99")).status_code == 302

    def test_the_sign_in_record_keeps_the_clients_address_not_the_proxys(self, world, settings):
        settings.PROXY_COUNT = 1
        sign_in(Client(), world.a.users["governor"].email, PASSWORD, **through_proxy("203.0.113.50", "192.0.2.1"))
        assert SignIn.objects.get(user=world.a.users["governor"]).ip_address == "203.0.113.50"

    def test_the_apis_wrong_token_counter_is_per_client_address(self, world, settings):
        from django.core.cache import cache
        from rest_framework.test import APIClient

        settings.PROXY_COUNT = 1
        settings.API_TOKEN_FAILURES_PER_ADDRESS = 3
        cache.delete_many([f"api-token-failures:{a}" for a in ("203.0.113.60", "198.51.100.61", PROXY)])
        guesser = APIClient()
        guesser.credentials(HTTP_AUTHORIZATION="Bearer send_wrong")
        for n in range(3):
            guesser.get("/api/v1/pupils/", **through_proxy("203.0.113.60", forged=f"192.0.2.{n}"))
        assert guesser.get("/api/v1/pupils/", **through_proxy("203.0.113.60")).status_code == 429
        from tests.api.conftest import api_for

        honest, _ = api_for(world.a)
        assert honest.get("/api/v1/pupils/", **through_proxy("198.51.100.61")).status_code == 200
