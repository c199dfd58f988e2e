"""Each sign-in and HTTP control, shown working and shown refusing the attack (OWASP ASVS level 2)."""

from __future__ import annotations

import time
from binascii import unhexlify

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.models import SignIn
from schools.security import SIGNED_IN_AT
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
KEY = "3132333435363738393031323334353637383930"


def code(key: str = KEY, drift: int = 0) -> str:
    totp = TOTP(unhexlify(key))
    totp.drift = drift
    return f"{totp.token():06d}"


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def enrol(user, key: str = KEY) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", key=key, confirmed=True)


class TestPasswords:
    def test_argon2_is_the_first_hasher(self):
        from send import settings as project_settings  # the suite swaps in a fast hasher

        assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"

    def test_a_short_or_common_password_is_refused_on_reset(self, world):
        from django.contrib.auth.password_validation import ValidationError, validate_password

        for weak in ("short-pass1", "password1234"):
            with pytest.raises(ValidationError):
                validate_password(weak, world.a.users["senco"])
        validate_password("a-long-unusual-passphrase-2026", world.a.users["senco"])

    def test_a_reset_link_works_once(self, world):
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        user = world.a.users["admin"]
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        url = reverse(
            "password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)}
        )
        client = Client()
        form_url = client.get(url).url
        new = "a-long-unusual-passphrase-2026"
        assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
        assert "expired or is invalid" in Client().get(url, follow=True).content.decode()

    def test_new_passwords_are_stored_with_argon2(self, world, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
        user = world.a.users["ta"]
        user.set_password("a-long-unusual-passphrase-2026")
        assert identify_hasher(user.password).algorithm == "argon2"


class TestSecondFactor:
    def test_a_pupil_role_cannot_open_pupils_before_the_second_factor(self, world):
        user = world.a.users["teacher"]
        enrol(user)
        client = Client()
        sign_in(client, user.email)
        response = client.get(reverse("pupils:register"))
        assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))

    def test_the_right_code_lets_them_in_and_rotates_the_session(self, world):
        user = world.a.users["teacher"]
        enrol(user)
        client = Client()
        sign_in(client, user.email)
        before = client.session.session_key
        response = client.post(reverse("mfa_verify"), {"token": code(), "next": reverse("pupils:register")})
        assert response.status_code == 302 and response.url == reverse("pupils:register")
        assert client.session.session_key != before
        assert client.get(reverse("pupils:register")).status_code == 200

    def test_a_wrong_code_is_refused_with_a_clear_error(self, world):
        user = world.a.users["teacher"]
        enrol(user)
        client = Client()
        sign_in(client, user.email)
        wrong = f"{(int(code()) + 1) % 1_000_000:06d}"
        response = client.post(reverse("mfa_verify"), {"token": wrong})
        assert response.status_code == 200 and "That code is not right" in response.content.decode()
        assert client.get(reverse("pupils:register")).status_code == 302

    def test_a_backup_code_works_once(self, world):
        user = world.a.users["senco"]
        enrol(user)
        device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
        StaticToken.objects.create(device=device, token="abcd1234")
        first, second = Client(), Client()
        sign_in(first, user.email)
        assert first.post(reverse("mfa_verify"), {"token": "abcd1234"}).status_code == 302
        assert first.get(reverse("pupils:register")).status_code == 200
        sign_in(second, user.email)
        response = second.post(reverse("mfa_verify"), {"token": "abcd1234"})
        assert "already used" in response.content.decode()

    def test_enrolment_on_first_sign_in_confirms_the_app_and_shows_backup_codes(self, world):
        user = world.a.users["dt"]
        client = Client()
        sign_in(client, user.email)
        response = client.get(reverse("home"))
        assert response.url.startswith(reverse("mfa_setup"))
        page = client.get(reverse("mfa_setup"))
        assert b"<svg" in page.content
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        wrong = "000000" if code(device.key) != "000000" else "111111"
        refused = client.post(reverse("mfa_setup"), {"token": wrong})
        assert refused.status_code == 200 and "That code is not right" in refused.content.decode()
        time.sleep(1.1)  # django-otp throttles the next try after a failure
        response = client.post(reverse("mfa_setup"), {"token": code(device.key)})
        assert response.status_code == 200 and "Your backup codes" in response.content.decode()
        assert StaticToken.objects.filter(device__user=user).count() == 10
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(reverse("pupils:register")).status_code == 200

    def test_a_governor_who_sees_no_named_pupil_is_not_forced_to_enrol(self, world):
        client = Client()
        sign_in(client, world.a.users["governor"].email)
        target = client.get(reverse("home")).url
        assert not target.startswith("/account/two-factor")

    def test_a_trust_administrator_is_forced_to_enrol(self, world):
        # administrators give roles and make API clients: a path to pupil data, so two factors too
        client = Client()
        sign_in(client, world.a.users["admin"].email)
        assert client.get(reverse("home")).url.startswith(reverse("mfa_setup"))


class TestStepUp:
    def test_changing_a_role_asks_again_for_password_and_code(self, world):
        admin = world.a.users["admin"]
        enrol(admin)
        client = client_for(admin, verified=False)
        client.post(reverse("mfa_verify"), {"token": code()})
        session = client.session
        session["reauthenticated_at"] = timezone.now().timestamp() - 3600
        session.save()
        url = reverse("schools:membership_edit", kwargs={"membership_uuid": world.a.memberships["ta"].uuid})
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("reauthenticate"))
        refused = client.post(reverse("reauthenticate"), {"password": "wrong", "token": code(), "next": url})
        assert "not right" in refused.content.decode()
        response = client.post(reverse("reauthenticate"), {"password": PASSWORD, "token": code(drift=1), "next": url})
        assert response.status_code == 302 and response.url == url
        assert client.get(url).status_code == 200


class TestBruteForce:
    def test_the_nth_plus_one_wrong_password_is_locked_out_with_a_message_and_a_record(self, world, settings):
        email = world.a.users["head"].email
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(client, email, "wrong").status_code == 200
        locked = sign_in(client, email, "wrong")
        assert locked.status_code == 429 and "Too many attempts" in locked.content.decode()
        assert sign_in(client, email, PASSWORD).status_code == 429  # the right password waits too
        assert AccessFailureLog.objects.filter(username=email).count() >= settings.AXES_FAILURE_LIMIT

    def test_the_lock_is_a_cool_off_not_permanent(self, world, settings):
        email = world.a.users["head"].email
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, email, "wrong")
        AccessAttempt.objects.filter(username=email).update(
            attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(minutes=1)
        )
        assert sign_in(client, email, PASSWORD).status_code == 302

    def test_another_ip_address_is_not_locked_by_someone_elses_failures(self, world, settings):
        email = world.a.users["head"].email
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(Client(), email, "wrong", REMOTE_ADDR="203.0.113.9")
        assert sign_in(Client(), email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


class TestSessions:
    def test_idle_expiry_is_sixty_minutes_and_slides(self, world):
        client = client_for(world.a.users["senco"])
        client.get(reverse("pupils:register"))
        session = Session.objects.get(session_key=client.session.session_key)
        minutes = (session.expire_date - timezone.now()).total_seconds() / 60
        assert 58 < minutes <= 60

    def test_an_expired_session_is_signed_out(self, world):
        client = client_for(world.a.users["senco"])
        Session.objects.filter(session_key=client.session.session_key).update(
            expire_date=timezone.now() - timezone.timedelta(seconds=1)
        )
        response = client.get(reverse("pupils:register"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

    def test_a_session_ends_ten_hours_after_sign_in_however_active(self, world):
        client = client_for(world.a.users["senco"])
        session = client.session
        session[SIGNED_IN_AT] = timezone.now().timestamp() - 10 * 3600 - 60
        session.save()
        response = client.get(reverse("pupils:register"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert client.get(reverse("pupils:register")).url.startswith(reverse("login"))

    def test_sign_in_rotates_the_session_and_is_recorded_with_ip_and_device(self, world):
        client = Client()
        client.get(reverse("login"))
        before = client.cookies.get(settings.SESSION_COOKIE_NAME)
        sign_in(client, world.a.users["governor"].email, HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Chrome/130.0")
        assert before is None or client.session.session_key != before.value
        record = SignIn.objects.get(user=world.a.users["governor"])
        assert record.ip_address == "127.0.0.1" and record.device == "Chrome on Windows"
        page = client.get(reverse("account")).content.decode()
        assert "Chrome on Windows" in page and "127.0.0.1" in page

    def test_sign_out_everywhere_ends_every_session_of_the_user(self, world):
        email = world.a.users["governor"].email
        laptop, phone = Client(), Client()
        sign_in(laptop, email)
        sign_in(phone, email)
        assert phone.get(reverse("reports:summary")).status_code == 200
        laptop.post(reverse("sign_out_everywhere"))
        assert phone.get(reverse("reports:summary")).url.startswith(reverse("login"))
        assert laptop.get(reverse("reports:summary")).url.startswith(reverse("login"))

    def test_a_role_change_signs_the_person_out_everywhere(self, world, django_capture_on_commit_callbacks):
        ta = world.a.users["governor"]
        phone = Client()
        sign_in(phone, ta.email)
        admin = client_for(world.a.users["admin"])
        url = reverse("schools:membership_edit", kwargs={"membership_uuid": world.a.memberships["governor"].uuid})
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(url, {"role": "head", "school": world.a.school.pk})
        assert phone.get(reverse("home")).url.startswith(reverse("login"))


class TestHeaders:
    PAGES = ["login", "password_reset", "home", "pupils:register", "reports:summary", "account", "switch"]

    @pytest.mark.parametrize("name", PAGES)
    def test_every_page_has_a_strict_csp_and_the_security_headers(self, world, name):
        response = client_for(world.a.users["senco"]).get(reverse(name), follow=True)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response.headers["Permissions-Policy"]

    def test_pupil_pages_are_not_stored_by_any_cache(self, world):
        client = client_for(world.a.users["senco"])
        for url in (
            reverse("pupils:register"),
            reverse("pupils:record", kwargs={"pupil_uuid": world.a.pupils[0].uuid}),
        ):
            assert "no-store" in client.get(url).headers["Cache-Control"]

    def test_no_page_renders_an_inline_script_or_style(self, world):
        import re

        client = client_for(world.a.users["senco"])
        for url in (reverse("pupils:register"), reverse("account"), reverse("switch")):
            html = client.get(url).content.decode()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
            assert " style=" not in html and "<style" not in html, url
            assert " onclick=" not in html, url


def test_urls_never_carry_a_pupil_name_upn_or_email(world):
    """Every route's arguments are UUIDs or tokens: none is a name, a UPN or an email."""
    from tests.test_cross_tenant_matrix import ROUTES

    arguments = {arg for route in ROUTES for arg in route.arguments}
    assert arguments <= {
        "school_uuid",
        "term_uuid",
        "membership_uuid",
        "pupil_uuid",
        "file_uuid",
        "class_uuid",
        "job_uuid",
        "client_uuid",
        "intervention_uuid",
        "rate_uuid",
        "group_uuid",
        "member_uuid",
        "plan_uuid",
        "target_uuid",
        "request_uuid",
        "outcome_uuid",
        "item_uuid",
        "review_uuid",
        "invitation_uuid",
        "switch_uuid",
        "pep_uuid",
        "pep_target_uuid",
        "vs_uuid",
        "import_uuid",
        "transfer_uuid",
        "access_request_uuid",
        "destruction_uuid",
        "hold_uuid",
        "deadline_uuid",
        "visit_uuid",
        "action",
        "id",  # the API's object ids: UUIDs
        "section",
        "uidb64",
        "token",
    }
    with tenant_context(world.a.trust.pk):
        assert world.a.pupils[0].upn not in reverse("pupils:record", kwargs={"pupil_uuid": world.a.pupils[0].uuid})


def test_a_trust_admin_resets_a_lost_second_factor_and_others_cannot(world):
    teacher = world.a.users["teacher"]
    enrol(teacher)
    url = reverse(
        "schools:membership_reset_two_factor", kwargs={"membership_uuid": world.a.memberships["teacher"].uuid}
    )
    assert client_for(world.a.users["senco"]).post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=teacher, name="phone").exists()
    assert client_for(world.a.users["admin"]).post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=teacher).exists()
