"""Hardening round 2 outside sign-in (PDFs: test_pdf_hardening.py): a health check that cannot be used to tie
up the server, audit gaps closed, and the smaller holes (redirects, photos, clashes, CSV cells, mail)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test import Client
from django.urls import reverse

from pupils.exports import safe_cell
from pupils.models import Contact, PassportStatus, PassportVersion, Pupil
from schools.models import Membership, School, User
from send import health
from send.models import AccessEvent, SecurityEvent
from send.tenancy import tenant_context
from send.uploads import StoredFile
from tests.conftest import client_for
from tests.factories import PASSWORD, PNG_BYTES

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def accesses(trust_world: Any, action: str) -> list[AccessEvent]:
    with tenant_context(trust_world.trust.pk):
        return list(AccessEvent.objects.filter(action=action))


# --- /healthz cannot be used to tie up the server ----------------------------------------------------------------


@pytest.fixture
def slow_ping(monkeypatch: Any) -> list[float]:
    """The worker ping, made slow (as with no worker) and counted."""
    from send.celery import app

    calls: list[float] = []

    def ping(timeout: float = 1.0) -> list[dict[str, Any]]:
        calls.append(timeout)
        time.sleep(timeout)
        return [{"worker@host": {"ok": "pong"}}]

    monkeypatch.setattr(app.control, "ping", ping)
    health.forget_public_report()
    yield calls
    health.forget_public_report()


def test_anonymous_healthz_never_waits_on_the_workers_and_is_cached(slow_ping, django_assert_num_queries, settings):
    settings.HEALTHZ_CACHE_SECONDS = 5
    started = time.monotonic()
    first = Client().get("/healthz")
    with django_assert_num_queries(0):
        for _ in range(20):
            Client().get("/healthz")
    assert slow_ping == [] and time.monotonic() - started < 1.0
    assert set(first.json()["checks"]) == {"database", "redis", "worker"}


def test_healthz_reports_the_workers_heartbeat(slow_ping):
    from django.core.cache import cache

    from send.tasks import HEARTBEAT_KEY, heartbeat

    cache.delete(HEARTBEAT_KEY)
    assert Client().get("/healthz").json()["checks"]["worker"].startswith("down")
    heartbeat.run()
    health.forget_public_report()
    assert Client().get("/healthz").status_code == 200


def test_the_live_worker_ping_needs_the_token(slow_ping, settings):
    settings.HEALTHZ_TOKEN = "health-secret-0123456789"
    Client().get("/healthz", HTTP_AUTHORIZATION="Bearer wrong")
    assert slow_ping == []
    response = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer health-secret-0123456789")
    assert slow_ping == [1.0] and response.json()["checks"]["worker"] == "ok"


# --- Group staff lose access with their role --------------------------------------------------------------------


def test_a_ta_who_lost_their_role_at_the_school_no_longer_sees_the_group(world):
    from provision.models import InterventionGroup
    from send import policy

    ta = world.a.users["ta"]
    url = reverse("provision:group", kwargs={"group_uuid": world.a.group.uuid})
    assert client_for(ta).get(url).status_code == 200
    with tenant_context(world.a.trust.pk):
        Membership.objects.create(user=ta, role="ta", school=world.a.schools[1])  # still works in the trust
        Membership.objects.filter(user=ta, school=world.a.school).delete()
    assert client_for(ta).get(url).status_code == 404
    with tenant_context(world.a.trust.pk):
        ta_again = User.objects.get(pk=ta.pk)
        assert not policy.visible(ta_again, InterventionGroup, "record_session").filter(pk=world.a.group.pk).exists()


# --- Audit gaps closed --------------------------------------------------------------------------------------------


def test_the_api_logs_each_pupil_whose_contacts_passports_or_sen_changes_it_read(world):
    from pupils import services as pupil_services
    from tests.api.conftest import api_for

    pupil = world.a.pupils[0]
    with tenant_context(world.a.trust.pk):
        Contact.objects.create(pupil=pupil, kind="parent", name="Parent", relationship="mother")
        PassportVersion.objects.create(pupil=pupil, number=1, status=PassportStatus.APPROVED, key_strategies="Calm")
        pupil_services.change_register_entry(
            world.a.pupils[1],
            status="K",
            primary_need=world.a.pupils[0].needs.first().need_type,
            secondary_need=None,
            on_monitoring_list=False,
            starts_on=dt.date(2026, 9, 7),
            reason="Assessed",
            recorded_by=world.a.users["senco"],
        )
    http, client = api_for(world.a)
    for path in ("/api/v1/contacts/", "/api/v1/passports/", "/api/v1/sen-changes/"):
        assert http.get(path).status_code == 200
    with tenant_context(world.a.trust.pk):
        read = set(
            AccessEvent.objects.filter(api_client=client.name, action="api_read", object_type="pupils.pupil")
            .filter(path__in=["/api/v1/contacts/", "/api/v1/passports/", "/api/v1/sen-changes/"])
            .values_list("path", "object_id")
        )
    assert ("/api/v1/contacts/", str(pupil.uuid)) in read
    assert ("/api/v1/passports/", str(pupil.uuid)) in read
    assert ("/api/v1/sen-changes/", str(world.a.pupils[1].uuid)) in read


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("pupils:passport_versions", "view_passport_versions"),
        ("pupils:flags", "view_flags"),
    ],
)
def test_pupil_pages_that_were_unlogged_are_logged(world, name, action):
    pupil = world.a.pupils[0]
    assert client_for(world.a.users["senco"]).get(reverse(name, kwargs={"pupil_uuid": pupil.uuid})).status_code == 200
    assert [e.object_id for e in accesses(world.a, action)] == [str(pupil.uuid)]


def test_the_class_passports_page_logs_each_pupil_it_shows(world):
    url = reverse("pupils:class_passports", kwargs={"class_uuid": world.a.school_class.uuid})
    assert client_for(world.a.users["teacher"]).get(url).status_code == 200
    shown = {e.object_id for e in accesses(world.a, "view_class_passports")}
    assert str(world.a.pupils[0].uuid) in shown  # the SEN support pupil of the class
    assert str(world.a.pupils[1].uuid) not in shown  # no SEN: not on the page


def enable_photos_and_upload(world: Any) -> Any:
    with tenant_context(world.a.trust.pk):
        world.a.school.pupil_photos = True
        world.a.school.save(update_fields=["pupil_photos"])
    url = reverse("pupils:record_add", kwargs={"pupil_uuid": world.a.pupils[0].uuid, "section": "photo"})
    client_for(world.a.users["senco"]).post(url, {"photo": SimpleUploadedFile("me.png", PNG_BYTES, "image/png")})
    with tenant_context(world.a.trust.pk):
        photo = Pupil.objects.select_related("photo").get(pk=world.a.pupils[0].pk).photo
    assert photo is not None
    return photo


def test_the_photo_is_logged_and_not_downloadable_once_the_school_turns_photos_off(world):
    photo = enable_photos_and_upload(world)
    senco = client_for(world.a.users["senco"])
    assert senco.get(reverse("pupils:photo", kwargs={"pupil_uuid": world.a.pupils[0].uuid})).status_code == 200
    assert accesses(world.a, "view_photo")
    assert senco.get(reverse("file_download", kwargs={"file_uuid": photo.uuid})).status_code == 200
    with tenant_context(world.a.trust.pk):
        School.objects.filter(pk=world.a.school.pk).update(pupil_photos=False)
    assert senco.get(reverse("file_download", kwargs={"file_uuid": photo.uuid})).status_code == 404
    assert senco.get(reverse("pupils:photo", kwargs={"pupil_uuid": world.a.pupils[0].uuid})).status_code == 404


def test_the_register_export_records_its_filters_and_how_many_pupils(world):
    senco = client_for(world.a.users["senco"])
    senco.post(reverse("pupils:register"), {"sen_status": "K"})
    response = senco.get(reverse("pupils:register_csv"))
    rows = b"".join(response.streaming_content).decode().strip().splitlines()
    [event] = accesses(world.a, "export_register")
    assert event.detail["filters"]["sen_status"] == "K"
    assert event.detail["pupils"] == len(rows) - 1 >= 1


@pytest.mark.parametrize("statement", ["UPDATE send_storedfile SET size = 0", "DELETE FROM send_storedfile"])
def test_uploaded_files_are_append_only_for_the_app_role(world, statement):
    with tenant_context(world.a.trust.pk):
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
        assert StoredFile.objects.filter(pk=world.a.file.pk, size__gt=0).exists()


def test_removing_a_document_is_a_recorded_soft_delete(world):
    url = reverse(
        "pupils:document_remove", kwargs={"pupil_uuid": world.a.pupils[0].uuid, "file_uuid": world.a.file.uuid}
    )
    download = reverse("file_download", kwargs={"file_uuid": world.a.file.uuid})
    assert client_for(world.a.users["teacher"]).post(url).status_code == 403  # may open, may not remove
    senco = client_for(world.a.users["senco"])
    assert senco.get(download).status_code == 200
    assert senco.post(url, {"reason": "Uploaded to the wrong pupil"}).status_code == 302
    assert senco.get(download).status_code == 404
    with tenant_context(world.a.trust.pk):
        stored = StoredFile.objects.get(pk=world.a.file.pk)  # the row stays
        [removal] = stored.removals.select_related("removed_by")
    assert removal.removed_by == world.a.users["senco"] and removal.reason == "Uploaded to the wrong pupil"
    record = senco.get(reverse("pupils:record", kwargs={"pupil_uuid": world.a.pupils[0].uuid})).content.decode()
    assert stored.original_name not in record


# --- Smaller ones --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "lands"),
    [("//evil.example", "/"), ("https://evil.example", "/"), ("/\\evil.example", "/"), ("/pupils/", "/pupils/")],
)
def test_the_switcher_goes_back_only_to_our_own_pages(world, target, lands):
    response = client_for(world.a.users["senco"]).post(reverse("switch"), {"school": "all", "next": target})
    assert response.status_code == 302 and response.url == lands


@pytest.mark.parametrize("value", [" =1+1", "\t=cmd", "  @SUM(A1)", "\r+1", "\n-1", "=HYPERLINK()", "-2+3", " \t+x"])
def test_the_csv_guard_neutralises_formulae_even_after_whitespace(value):
    assert safe_cell(value).startswith("'")


def test_the_csv_guard_leaves_ordinary_values_alone():
    assert (
        safe_cell("O'Neil") == "O'Neil" and safe_cell(" Smith") == " Smith" and safe_cell("2026-09-01") == "2026-09-01"
    )


def test_a_mis_id_clash_with_a_pupil_the_client_cannot_see_names_no_pupil_or_school(world):
    from tests.api.conftest import api_for, pupil_record

    hidden = world.a.pupils[0]
    with tenant_context(world.a.trust.pk):
        Pupil.objects.filter(pk=hidden.pk).update(mis_id="P-HIDDEN")
    restricted, _ = api_for(world.a, schools=[world.a.schools[1]])
    record = pupil_record(world.a, "P-HIDDEN", 777)
    record["school"] = str(world.a.schools[1].uuid)
    body = restricted.post("/api/v1/pupils/bulk/", [record], format="json").content.decode()
    assert "rejected" in body
    for secret in (str(hidden.uuid), hidden.legal_first_name, world.a.school.name, "school", hidden.upn):
        assert secret not in body


def test_the_mis_cannot_attach_a_role_to_another_trusts_person_or_to_its_own_maker(world):
    from tests.api.conftest import api_for

    mis, client = api_for(world.a)
    with tenant_context(world.a.trust.pk):
        client.created_by = world.a.users["admin"]
        client.save(update_fields=["created_by"])
    records = [
        {
            "mis_id": "S-1",
            "email": world.b.users["senco"].email,
            "full_name": "X",
            "role": "teacher",
            "school": str(world.a.school.uuid),
        },
        {
            "mis_id": "S-2",
            "email": world.a.users["admin"].email,
            "full_name": "Y",
            "role": "teacher",
            "school": str(world.a.school.uuid),
        },
    ]
    results = mis.post("/api/v1/staff/bulk/", records, format="json").json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert "invites them" in results[0]["errors"]["email"][0]
    assert "another trust administrator" in results[1]["errors"]["email"][0]
    with tenant_context(world.a.trust.pk):
        assert not Membership.objects.filter(mis_id__in=["S-1", "S-2"]).exists()


def test_staff_the_mis_created_are_invited_to_set_a_password_and_can_then_sign_in(
    world, django_capture_on_commit_callbacks
):
    from tests.api.conftest import api_for

    mis, _ = api_for(world.a)
    record = {
        "mis_id": "S-NEW",
        "email": "new.ta@example.org",
        "full_name": "New TA",
        "role": "ta",
        "school": str(world.a.school.uuid),
    }
    assert mis.post("/api/v1/staff/bulk/", [record], format="json").json()["results"][0]["status"] == "created"
    with tenant_context(world.a.trust.pk):
        membership = Membership.objects.select_related("user").get(mis_id="S-NEW")
    assert not membership.user.has_usable_password()
    admin = client_for(world.a.users["admin"])
    assert "Invite to set a password" in admin.get(reverse("schools:staff_list")).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("schools:membership_password_link", kwargs={"membership_uuid": membership.uuid}))
    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/accounts/reset/" in word)
    person = Client()
    form_url = person.get(link[link.index("/accounts/") :]).url
    new = "a-long-unusual-passphrase-2026"
    assert person.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert Client().post(reverse("login"), {"username": "new.ta@example.org", "password": new}).status_code == 302
    with tenant_context(world.a.trust.pk):
        [event] = SecurityEvent.objects.filter(action="password_link_sent")
    assert event.actor == world.a.users["admin"] and event.subject == membership.user


def test_compose_shares_one_private_storage_volume_between_web_and_worker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("web", "worker"):
        service = services[name]
        root = service["environment"]["PRIVATE_STORAGE_ROOT"]
        assert f"private:{root}" in service["volumes"], name
    assert "private" in compose["volumes"]


def test_e_mail_uses_tls_by_default_in_production():
    from tests.send.test_settings_and_setup import SETUP, run

    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "send.example.org",
        "DATABASE_URL": "postgresql://send_app:x@127.0.0.1:5432/send",
    }
    code = [SETUP[0], SETUP[1] + "; from django.conf import settings; print('TLS', settings.EMAIL_USE_TLS)"]
    result = run(code, env)
    assert "TLS True" in result.stdout, result.stderr
    assert "TLS False" in run(code, {**env, "EMAIL_USE_TLS": "0"}).stdout


def test_a_password_is_never_changed_by_an_administrator_of_another_trust(world, django_capture_on_commit_callbacks):
    person = world.b.users["senco"]
    with tenant_context(world.a.trust.pk):
        membership = Membership.objects.create(user=person, role="teacher", school=world.a.school)
    before = User.objects.get(pk=person.pk).password
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.a.users["admin"]).post(
            reverse("schools:membership_password_link", kwargs={"membership_uuid": membership.uuid})
        )
    assert mail.outbox == [] and User.objects.get(pk=person.pk).password == before
    assert Client().post(reverse("login"), {"username": person.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_a_foreign_next_after_step_up_or_sign_in_goes_home(world, target):
    from tests.schools.test_security import code, enrol

    teacher = world.a.users["teacher"]
    enrol(teacher)
    client = client_for(teacher)
    confirmed = client.post(reverse("reauthenticate"), {"password": PASSWORD, "token": code(), "next": target})
    assert confirmed.status_code == 302 and confirmed.url == reverse("home")
    signed_in = Client().post(
        f"{reverse('login')}?next={target}", {"username": world.a.users["governor"].email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.url == reverse("home")
