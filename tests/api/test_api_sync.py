"""Incremental reads: cursor pages in a stable order, updated_since, tombstones, the SEN change feed,
the register and passports; list query budgets that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pupils import services as pupil_services
from pupils.models import Contact, NeedType, PassportStatus, PassportVersion, Pupil, SenStatus
from send.tenancy import tenant_context
from tests.api.conftest import pupil_record

pytestmark = pytest.mark.django_db


def all_pages(mis: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    response = mis.get(path, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if body["next"] is None:
            return rows
        response = mis.get(body["next"])


def test_pages_follow_a_cursor_in_a_stable_order_without_gaps_or_repeats(world: Any, mis: Any) -> None:
    mis.post("/api/v1/pupils/bulk/", [pupil_record(world.a, f"P-{i}", 400 + i) for i in range(25)], format="json")
    rows = all_pages(mis, "/api/v1/pupils/", page_size=7)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 29  # 25 from the MIS and the world's 4
    keys = [(row["updated_at"], row["id"]) for row in rows]
    assert keys == sorted(keys)


def test_updated_since_gives_only_what_changed(world: Any, mis: Any) -> None:
    mis.post(
        "/api/v1/pupils/bulk/", [pupil_record(world.a, "P-1", 401), pupil_record(world.a, "P-2", 402)], format="json"
    )
    since = timezone.now()
    mis.post(
        "/api/v1/pupils/bulk/",
        [pupil_record(world.a, "P-1", 401), pupil_record(world.a, "P-2", 402, legal_first_name="Changed")],
        format="json",
    )
    rows = all_pages(mis, "/api/v1/pupils/", updated_since=since.isoformat())
    assert [row["mis_id"] for row in rows] == ["P-2"]


def test_a_pupil_who_left_comes_as_a_tombstone_to_a_client_asking_since_a_time(world: Any, mis: Any) -> None:
    since = timezone.now()
    record = pupil_record(world.a, "P-L", 403, admission_date="2021-09-01", leaving_date="2026-07-20")
    mis.post("/api/v1/pupils/bulk/", [record], format="json")
    rows = all_pages(mis, "/api/v1/pupils/", updated_since=since.isoformat())
    assert [(row["mis_id"], row["tombstone"]) for row in rows] == [("P-L", "left")]
    full = all_pages(mis, "/api/v1/pupils/", mis_id="P-L")
    assert full[0]["leaving_date"] == "2026-07-20"  # without updated_since, the whole record
    assert all_pages(mis, "/api/v1/pupils/", mis_id="P-L", on_roll="true") == []


def test_a_deleted_contact_comes_as_a_tombstone(world: Any, mis: Any) -> None:
    mis.post("/api/v1/pupils/bulk/", [pupil_record(world.a, "P-1", 401)], format="json")
    contact = {"mis_id": "CT-1", "pupil_mis_id": "P-1", "name": "Grace", "relationship": "mother"}
    contact_id = mis.post("/api/v1/contacts/bulk/", [contact], format="json").json()["results"][0]["id"]
    since = timezone.now()
    assert mis.delete(f"/api/v1/contacts/{contact_id}/").status_code == 204
    rows = all_pages(mis, "/api/v1/contacts/", updated_since=since.isoformat())
    assert [(row["id"], row["mis_id"], row["tombstone"]) for row in rows] == [(contact_id, "CT-1", "deleted")]
    assert all_pages(mis, "/api/v1/contacts/") == []  # no tombstones without updated_since


def test_a_client_of_other_schools_does_not_see_their_tombstones(world: Any) -> None:
    from tests.api.conftest import api_for

    whole, _ = api_for(world.a)
    since = timezone.now()
    with tenant_context(world.a.trust.pk):
        world.a.other_class.delete()
    narrow, _ = api_for(world.a, schools=[world.a.schools[1]])
    assert all_pages(narrow, "/api/v1/classes/", updated_since=since.isoformat()) == []
    rows = all_pages(whole, "/api/v1/classes/", updated_since=since.isoformat())
    assert [row["id"] for row in rows] == [str(world.a.other_class.uuid)]


def test_updated_since_and_cursor_errors_are_field_errors(world: Any, mis: Any) -> None:
    response = mis.get("/api/v1/pupils/", {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_since"]
    assert list(mis.get("/api/v1/pupils/", {"updated_since": "2026-09-01T07:00:00"}).json()["errors"]) == [
        "updated_since"
    ]
    assert list(mis.get("/api/v1/pupils/", {"cursor": "garbage!"}).json()["errors"]) == ["cursor"]
    assert list(mis.get("/api/v1/pupils/", {"page_size": "0"}).json()["errors"]) == ["page_size"]
    assert mis.get("/api/v1/pupils/", {"school": "not-a-uuid"}).status_code == 400


def test_filters(world: Any, mis: Any) -> None:
    rows = all_pages(mis, "/api/v1/pupils/", sen_status="E")
    assert {row["id"] for row in rows} == {str(world.a.pupils[2].uuid)}
    rows = all_pages(mis, "/api/v1/pupils/", class_id=str(world.a.school_class.uuid))
    assert {row["id"] for row in rows} == {str(p.uuid) for p in world.a.pupils[:2]}


def test_the_register_and_the_sen_change_feed(world: Any, mis: Any) -> None:
    register = all_pages(mis, "/api/v1/register/")
    assert {row["id"] for row in register} == {str(world.a.pupils[0].uuid), str(world.a.pupils[2].uuid)}
    assert {row["primary_need"] for row in register} == {"SLCN"}
    since = timezone.now()
    with tenant_context(world.a.trust.pk):
        pupil = Pupil.objects.get(pk=world.a.pupils[1].pk)
        pupil_services.change_register_entry(
            pupil,
            status=SenStatus.SEN_SUPPORT,
            primary_need=NeedType.objects.get(code="SEMH"),
            secondary_need=None,
            on_monitoring_list=False,
            starts_on=dt.date(2026, 11, 2),
            reason="Assessment by the SENCO",
            recorded_by=world.a.users["senco"],
        )
        off = Pupil.objects.get(pk=world.a.pupils[0].pk)
        pupil_services.change_register_entry(
            off,
            status=SenStatus.NO_SEN,
            primary_need=None,
            secondary_need=None,
            on_monitoring_list=True,
            starts_on=dt.date(2026, 11, 2),
            reason="Targets met; monitoring",
            recorded_by=world.a.users["senco"],
        )
    feed = all_pages(mis, "/api/v1/sen-changes/", updated_since=since.isoformat())
    assert [(row["pupil"], row["status"], row["primary_need"]) for row in feed] == [
        (str(world.a.pupils[1].uuid), "K", "SEMH"),
        (str(world.a.pupils[0].uuid), "N", None),
    ]
    assert "reason" not in feed[0]
    changed = all_pages(mis, "/api/v1/register/", updated_since=since.isoformat())
    by_id = {row["id"]: row for row in changed}
    assert by_id[str(world.a.pupils[0].uuid)]["tombstone"] == "left_register"
    assert by_id[str(world.a.pupils[1].uuid)]["sen_status"] == "K"


def test_only_approved_passports_leave_the_platform(world: Any, mis: Any) -> None:
    with tenant_context(world.a.trust.pk):
        pupil = world.a.pupils[0]
        for number, state in ((1, PassportStatus.APPROVED), (2, PassportStatus.AWAITING_APPROVAL)):
            PassportVersion.objects.create(pupil=pupil, number=number, key_strategies="Visual timetable", status=state)
    rows = all_pages(mis, "/api/v1/passports/")
    assert [(row["pupil"], row["number"], row["key_strategies"]) for row in rows] == [
        (str(pupil.uuid), 1, ["Visual timetable"])
    ]


def test_need_types_are_reference_data(world: Any, mis: Any) -> None:
    codes = {row["code"] for row in mis.get("/api/v1/need-types/").json()}
    assert {"SLCN", "SEMH", "ASD"} <= codes


@pytest.mark.parametrize(
    "path", ["pupils", "register", "staff", "classes", "contacts", "sen-changes", "passports", "schools"]
)
def test_list_query_count_does_not_grow_with_rows(world: Any, mis: Any, path: str) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert mis.get(f"/api/v1/{path}/", {"page_size": 1000}).status_code == 200
        return len(queries)

    with tenant_context(world.a.trust.pk):
        # one row in every list from the start, so both counts include the one INSERT of the per-pupil access log
        Contact.objects.create(pupil=world.a.pupils[0], kind="parent", name="P", relationship="mother")
    count()  # the client's first call also notes when it was last used
    small = count()
    records = [pupil_record(world.a, f"P-{i}", 500 + i, class_mis_id=None) for i in range(40)]
    mis.post("/api/v1/pupils/bulk/", records, format="json")
    mis.post(
        "/api/v1/contacts/bulk/",
        [{"mis_id": f"C-{i}", "pupil_mis_id": f"P-{i}", "name": "P", "relationship": "carer"} for i in range(40)],
        format="json",
    )
    mis.post(
        "/api/v1/staff/bulk/",
        [
            {
                "mis_id": f"S-{i}",
                "school": str(world.a.schools[0].uuid),
                "email": f"s{i}@alpha.example",
                "full_name": "S",
                "role": "teacher",
            }
            for i in range(20)
        ],
        format="json",
    )
    mis.post(
        "/api/v1/classes/bulk/",
        [
            {
                "mis_id": f"K-{i}",
                "school": str(world.a.schools[0].uuid),
                "school_year": "2026-27",
                "name": f"K{i}",
                "year_group": "3",
                "teachers": [f"S-{i}"],
            }
            for i in range(20)
        ],
        format="json",
    )
    assert count() == small
