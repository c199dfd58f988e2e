"""Pages of an MIS switch: the trust administrator declares (step-up), ends and tries it; after the window closes
the SENCO sees the pupils the new MIS never sent, and nothing is deleted."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pupils.models import Pupil
from pupils.upn import make_upn
from schools.api_client_services import create_api_client, revoke_api_client
from schools.mis_switch import declare_mis_switch, end_mis_switch
from schools.models import MisIdChange, MisSwitch, MisSwitchMatch
from send.models import SecurityEvent
from send.tenancy import tenant_context
from tests.api.conftest import api_for, pupil_record
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def form(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "school": world.a.school.pk,
        "api_client": world.a.api_client.pk,
        "opens_on": TODAY().isoformat(),
        "closes_on": (TODAY() + dt.timedelta(days=30)).isoformat(),
        "note": "From SIMS to Arbor",
    }
    data.update(overrides)
    return data


def switches(trust_world: Any) -> list[MisSwitch]:
    with tenant_context(trust_world.trust.pk):
        return list(MisSwitch.objects.all())


def declared(trust_world: Any, client: Any = None, **extra: Any) -> MisSwitch:
    with tenant_context(trust_world.trust.pk):
        return declare_mis_switch(
            school=trust_world.school,
            api_client=client,
            opens_on=extra.get("opens_on", TODAY()),
            closes_on=extra.get("closes_on", TODAY() + dt.timedelta(days=14)),
            declared_by=trust_world.users["admin"],
        )


def closed(trust_world: Any, switch: MisSwitch) -> None:
    with tenant_context(trust_world.trust.pk):
        end_mis_switch(switch, by=trust_world.users["admin"])


# --- Declaring and ending ---------------------------------------------------------------------------------------


def test_a_trust_admin_declares_a_switch_after_a_step_up(world: Any) -> None:
    admin = client_for(world.a.users["admin"])
    session = admin.session
    session["reauthenticated_at"] = timezone.now().timestamp() - 3600
    session.save()
    stale = admin.post(reverse("schools:mis_switch_create"), form(world))
    assert stale.status_code == 302 and stale.url.startswith(reverse("reauthenticate"))
    assert switches(world.a) == []
    admin = client_for(world.a.users["admin"])
    response = admin.post(reverse("schools:mis_switch_create"), form(world))
    [switch] = switches(world.a)
    assert response.status_code == 302 and response.url == reverse("schools:mis_switch_detail", args=[switch.uuid])
    assert (switch.school_id, switch.api_client_id, switch.state(), switch.note) == (
        world.a.school.pk,
        world.a.api_client.pk,
        "open",
        "From SIMS to Arbor",
    )
    assert switch.declared_by == world.a.users["admin"]
    assert timezone.localtime(switch.closes_at).date() == TODAY() + dt.timedelta(days=31)  # the end of the last day
    page = admin.get(reverse("schools:mis_switch_list")).content.decode()
    assert world.a.school.name in page and world.a.api_client.name in page and "Open" in page
    with tenant_context(world.a.trust.pk):
        event = SecurityEvent.objects.get(action="mis_switch_declared")
    assert event.actor == world.a.users["admin"] and event.detail["client"] == world.a.api_client.name


@pytest.mark.parametrize("role", ["lead", "senco", "head", "teacher", "governor"])
def test_only_trust_admins_declare_end_or_try_a_switch(world: Any, role: str) -> None:
    switch = declared(world.a, world.a.api_client)
    client = client_for(world.a.users[role])
    assert client.get(reverse("schools:mis_switch_list")).status_code == 403
    declaring = form(world, school=world.a.schools[1].pk)
    assert client.post(reverse("schools:mis_switch_create"), declaring).status_code == 403
    assert client.post(reverse("schools:mis_switch_end", args=[switch.uuid])).status_code == 404
    assert client.get(reverse("schools:mis_switch_detail", args=[switch.uuid])).status_code == 404
    assert client.get(reverse("schools:mis_switch_dry_run", args=[switch.uuid])).status_code == 404
    [unchanged] = switches(world.a)
    assert unchanged.state() == "open" and unchanged.school_id == world.a.school.pk


def test_bad_declarations_are_field_errors_and_save_nothing(world: Any) -> None:
    admin = client_for(world.a.users["admin"])
    url = reverse("schools:mis_switch_create")
    yesterday, today = TODAY() - dt.timedelta(days=1), TODAY()
    cases = [
        (form(world, opens_on=yesterday.isoformat()), "The window cannot open in the past"),
        (form(world, closes_on=yesterday.isoformat()), "must close on or after the day it opens"),
        (form(world, closes_on=(today + dt.timedelta(days=120)).isoformat()), "at most 120 days"),
        (form(world, opens_on="2026-13-45", closes_on="soon"), "Enter a valid date"),
    ]
    for data, message in cases:
        assert message in admin.post(url, data).content.decode(), message
    with tenant_context(world.a.trust.pk):
        reader, _ = create_api_client(name="Reader only", can_read=True, can_write=False)
        limited, _ = create_api_client(
            name="Other school", can_write=True, all_schools=False, schools=[world.a.schools[1]]
        )
    assert "Select a valid choice" in admin.post(url, form(world, api_client=reader.pk)).content.decode()
    refused = admin.post(url, form(world, api_client=limited.pk)).content.decode()
    assert "may not write to" in refused
    assert "Select a valid choice" in admin.post(url, form(world, school=world.b.school.pk)).content.decode()
    assert switches(world.a) == []
    declared(world.a, None)
    overlap = admin.post(url, form(world, opens_on=(today + dt.timedelta(days=3)).isoformat())).content.decode()
    assert "already has a switch window" in overlap
    assert len(switches(world.a)) == 1


def test_ending_a_switch_closes_its_window_and_adoption_stops(world: Any) -> None:
    http, client = api_for(world.a)
    switch = declared(world.a, client)
    admin = client_for(world.a.users["admin"])
    response = admin.post(reverse("schools:mis_switch_end", args=[switch.uuid]), follow=True)
    assert "has ended" in response.content.decode()
    [ended] = switches(world.a)
    assert ended.state() == "closed" and ended.ended_by == world.a.users["admin"]
    with tenant_context(world.a.trust.pk):
        assert SecurityEvent.objects.get(action="mis_switch_ended").actor == world.a.users["admin"]
    again = admin.post(reverse("schools:mis_switch_end", args=[switch.uuid]), follow=True)
    assert "already closed" in again.content.decode()
    pupil = world.a.pupils[0]
    record = pupil_record(world.a, "NEW-0", 1, upn=pupil.upn)
    assert http.post("/api/v1/pupils/bulk/", [record], format="json").json()["results"][0]["status"] == "rejected"
    # A scheduled switch, ended before it opens, never opens.
    later = declared(world.a, client, opens_on=TODAY() + dt.timedelta(days=2), closes_on=TODAY() + dt.timedelta(days=9))
    closed(world.a, later)
    with tenant_context(world.a.trust.pk):
        later.refresh_from_db()
    assert later.opens_at == later.closes_at and later.state() == "closed"


def test_the_switch_pages_keep_their_query_count_as_adoptions_grow(world: Any) -> None:
    http, client = api_for(world.a)
    switch = declared(world.a, client)
    admin = client_for(world.a.users["admin"])
    pages = [reverse("schools:mis_switch_list"), reverse("schools:mis_switch_detail", args=[switch.uuid])]
    with tenant_context(world.a.trust.pk):
        Pupil.objects.filter(pk=world.a.pupils[0].pk).update(mis_id="OLD-0")
    first = pupil_record(world.a, "NEW-0", 0, upn=world.a.pupils[0].upn, legal_first_name="Pupil0")
    assert http.post("/api/v1/pupils/bulk/", [first], format="json").json()["summary"]["adopted"] == 1

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(url).status_code == 200
        return len(captured)

    for url in pages:
        count(url)
    before = [count(url) for url in pages]
    with tenant_context(world.a.trust.pk):
        Pupil.objects.bulk_create(
            [
                Pupil(
                    trust_id=world.a.trust.pk,
                    school=world.a.school,
                    legal_first_name="Extra",
                    legal_last_name=str(i),
                    date_of_birth=dt.date(2017, 1, 1),
                    gender="M",
                    year_group="4",
                    mis_id=f"OLD-{i}",
                    upn=make_upn("926", world.a.school.establishment_number, 21, i),
                )
                for i in range(1, 40)
            ]
        )
    arriving = [
        pupil_record(
            world.a,
            f"NEW-{i}",
            0,
            upn=make_upn("926", world.a.school.establishment_number, 21, i),
            legal_first_name="Extra",
            legal_last_name=str(i),
            date_of_birth="2017-01-01",
            gender="M",
        )
        for i in range(1, 40)
    ]
    assert http.post("/api/v1/pupils/bulk/", arriving, format="json").json()["summary"]["adopted"] == 39
    assert [count(url) for url in pages] == before
    detail = admin.get(pages[1]).content.decode()
    assert "OLD-1" in detail and "NEW-1" in detail and client.name in detail
    assert "Extra" not in detail  # an administrator sees MIS ids, never a pupil's name


# --- The administrator's dry run ---------------------------------------------------------------------------------


def upload(records: Any, name: str = "pupils.json") -> SimpleUploadedFile:
    body = records if isinstance(records, bytes) else json.dumps(records).encode()
    return SimpleUploadedFile(name, body, content_type="application/json")


def test_the_dry_run_page_shows_what_a_file_would_do_and_saves_nothing(world: Any) -> None:
    # A scheduled switch: the dry run tries it as if open, before anything can be adopted.
    switch = declared(
        world.a, world.a.api_client, opens_on=TODAY() + dt.timedelta(days=1), closes_on=TODAY() + dt.timedelta(days=8)
    )
    pupil = world.a.pupils[0]
    records = [
        pupil_record(world.a, "NEW-0", 0, upn=pupil.upn, legal_first_name="Pupil0"),
        pupil_record(world.a, "NEW-X", 777),
        pupil_record(world.a, "NEW-BAD", 778, date_of_birth="2999-01-01"),
    ]
    admin = client_for(world.a.users["admin"])
    url = reverse("schools:mis_switch_dry_run", args=[switch.uuid])
    assert admin.get(url).status_code == 200
    response = admin.post(url, {"resource": "pupils", "file": upload(records)})
    page = response.content.decode()
    assert response.context["outcome"]["summary"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "adopted": 1,
        "rejected": 1,
    }
    assert "Nothing was saved" in page and "The date of birth cannot be in the future." in page
    assert "Was MIS id (none)" in page
    with tenant_context(world.a.trust.pk):
        assert Pupil.objects.get(pk=pupil.pk).mis_id == ""
        assert not Pupil.objects.filter(mis_id__startswith="NEW-").exists()
        assert not MisIdChange.objects.exists() and not MisSwitchMatch.objects.exists()
        assert MisSwitch.objects.get(pk=switch.pk).state() == "scheduled"
    bad_json = admin.post(url, {"resource": "pupils", "file": upload(b"[{")}).content.decode()
    assert "This file is not JSON" in bad_json
    not_a_list = admin.post(url, {"resource": "staff", "file": upload({"mis_id": "x"})}).content.decode()
    assert "Send a JSON array of records." in not_a_list
    with tenant_context(world.a.trust.pk):
        revoke_api_client(world.a.api_client)
    revoked = admin.post(url, {"resource": "pupils", "file": upload(records)}).content.decode()
    assert "This API client is revoked" in revoked
    closed(world.a, switch)
    assert "has closed" in admin.post(url, {"resource": "pupils", "file": upload(records)}).content.decode()


def test_a_relinks_dry_run_is_tried_as_a_client_that_may_write_to_the_school(world: Any) -> None:
    switch = declared(world.a, None)
    with tenant_context(world.a.trust.pk):
        limited, _ = create_api_client(
            name="Other school", can_write=True, all_schools=False, schools=[world.a.schools[1]]
        )
    admin = client_for(world.a.users["admin"])
    url = reverse("schools:mis_switch_dry_run", args=[switch.uuid])
    record = pupil_record(world.a, "NEW-0", 0, upn=world.a.pupils[0].upn, legal_first_name="Pupil0")
    refused = admin.post(url, {"resource": "pupils", "api_client": limited.pk, "file": upload([record])})
    assert "Select a valid choice" in refused.content.decode()
    response = admin.post(url, {"resource": "pupils", "api_client": world.a.api_client.pk, "file": upload([record])})
    assert response.context["outcome"]["summary"]["adopted"] == 1


# --- After the window: the pupils the new MIS never sent -------------------------------------------------------


def test_after_the_window_the_senco_sees_the_pupils_never_sent_and_nothing_is_deleted(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    switch = declared(a, client)
    sent = [pupil_record(a, "NEW-0", 0, upn=a.pupils[0].upn, legal_first_name="Pupil0", legal_last_name="Alpha")]
    assert http.post("/api/v1/pupils/bulk/", sent, format="json").json()["summary"]["adopted"] == 1
    senco = client_for(a.users["senco"])
    url = reverse("pupils:not_matched")
    open_page = senco.get(url).content.decode()
    assert "No MIS switch of your schools has closed" in open_page  # listed only once the window closes
    with tenant_context(a.trust.pk):
        Pupil.objects.filter(pk=a.pupils[1].pk).update(leaving_date=TODAY() - dt.timedelta(days=3))  # left
    closed(a, switch)
    page = senco.get(url).content.decode()
    never_sent = [a.pupils[2], a.pupils[3]]
    for pupil in never_sent:
        assert pupil.display_name in page and str(pupil.uuid) in page
    assert a.pupils[0].display_name not in page and a.pupils[1].display_name not in page
    register = senco.get(reverse("pupils:register")).content.decode()
    assert "2 pupils on roll were not sent by the school's new MIS" in register
    with tenant_context(a.trust.pk):
        assert Pupil.objects.filter(pk__in=[p.pk for p in a.pupils]).count() == len(a.pupils)
    record = senco.get(reverse("pupils:record", args=[a.pupils[0].uuid])).content.decode()
    assert "NEW-0" in record and f"(replaced by {client.name})" in record
    # The trust SEND lead sees them too; the other trust's SENCO sees none of it.
    assert never_sent[0].display_name in client_for(a.users["lead"]).get(url).content.decode()
    other = client_for(world.b.users["senco"]).get(url).content.decode()
    assert a.school.name not in other and never_sent[0].display_name not in other


@pytest.mark.parametrize("role", ["teacher", "ta", "dt", "governor", "admin"])
def test_other_roles_do_not_see_the_pupils_never_sent(world: Any, role: str) -> None:
    switch = declared(world.a, world.a.api_client)
    closed(world.a, switch)
    client = client_for(world.a.users[role])
    assert client.get(reverse("pupils:not_matched")).status_code == 403
    if role in {"teacher", "ta", "dt"}:
        assert "not sent by the school" not in client.get(reverse("pupils:register")).content.decode()


def test_the_never_sent_page_keeps_its_query_count_as_pupils_grow(world: Any) -> None:
    switch = declared(world.a, world.a.api_client)
    closed(world.a, switch)
    senco = client_for(world.a.users["senco"])
    urls = [reverse("pupils:not_matched"), reverse("pupils:register")]

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert senco.get(url).status_code == 200
        return len(captured)

    for url in urls:
        count(url)
    before = [count(url) for url in urls]
    with tenant_context(world.a.trust.pk):
        Pupil.objects.bulk_create(
            [
                Pupil(
                    trust_id=world.a.trust.pk,
                    school=world.a.school,
                    school_class=world.a.school_class,
                    legal_first_name="Extra",
                    legal_last_name=str(i),
                    date_of_birth=dt.date(2017, 1, 1),
                    gender="M",
                    year_group="4",
                    upn=make_upn("926", world.a.school.establishment_number, 22, i),
                )
                for i in range(60)
            ]
        )
    assert [count(url) for url in urls] == before
    assert "Extra 59" in senco.get(urls[0]).content.decode()
