"""Switching MIS: during a declared switch the new MIS's records adopt the school's records (pupils by UPN, staff
by email, classes by name, year group and school year), history and all; without one nothing is adopted; a dry
run saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pupils import services as pupil_services
from pupils.models import NeedType, Pupil, RegisterChange
from schools.mis_switch import end_mis_switch
from schools.models import Membership, MisIdChange, MisSwitchMatch, SchoolClass
from send.tenancy import tenant_context
from tests.api.conftest import api_for, pupil_record
from tests.api.mis_switch_helpers import declare, existing_pupil, results
from tests.factories import TrustWorld

pytestmark = pytest.mark.django_db


# --- The switch of a school of 150 pupils ------------------------------------------------------------


def build_school_on_the_old_mis(world: Any, old: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """150 pupils, a class and a teacher sent by the old MIS, each pupil with SEN history, a plan, and (every
    fifth) an EHC needs assessment request with its statutory deadlines."""
    from reviews.apdr import services as review_services
    from reviews.ehc import services as ehc_services

    a = world.a
    staff = {
        "mis_id": "SIMS-S1",
        "school": str(a.school.uuid),
        "email": "j.smith@alpha.example",
        "full_name": "Jo Smith",
        "role": "teacher",
    }
    assert results(old.post("/api/v1/staff/bulk/", [staff], format="json"))[0]["status"] == "created"
    klass = {
        "mis_id": "SIMS-C1",
        "school": str(a.school.uuid),
        "school_year": "2026-27",
        "name": "4B",
        "year_group": "4",
        "teachers": ["SIMS-S1"],
    }
    assert results(old.post("/api/v1/classes/bulk/", [klass], format="json"))[0]["status"] == "created"
    records = [pupil_record(a, f"SIMS-{i}", 500 + i, class_mis_id="SIMS-C1") for i in range(150)]
    response = old.post("/api/v1/pupils/bulk/", records, format="json")
    assert response.json()["summary"]["created"] == 150
    senco = a.users["senco"]
    with tenant_context(a.trust.pk):
        need = NeedType.objects.get(code="SPLD")
        for i, pupil in enumerate(Pupil.objects.filter(mis_id__startswith="SIMS-").order_by("pk")):
            pupil_services.change_register_entry(
                pupil,
                status="K",
                primary_need=need,
                secondary_need=None,
                on_monitoring_list=False,
                starts_on=dt.date(2026, 9, 1),
                reason="Reading age two years behind",
                recorded_by=senco,
            )
            review_services.start_plan(pupil, by=senco, starts_on=dt.date(2026, 9, 7), review_on=dt.date(2026, 12, 11))
            if i % 5 == 0:
                ehc_services.save_request(
                    pupil,
                    None,
                    by=senco,
                    requested_by="school",
                    local_authority="Norfolk",
                    received_on=dt.date(2026, 9, 14),
                )
    return {**staff, "mis_id": "ARBOR-S1"}, {**klass, "mis_id": "ARBOR-C1", "teachers": ["ARBOR-S1"]}, records


def history_snapshot(trust_world: TrustWorld) -> dict[str, Any]:
    from reviews.apdr.models import Plan
    from reviews.deadlines.models import Deadline
    from reviews.ehc.models import EhcAssessmentRequest

    with tenant_context(trust_world.trust.pk):
        return {
            "register": sorted(RegisterChange.objects.values_list("pk", "pupil_id", "status")),
            "plans": sorted(Plan.objects.values_list("pk", "pupil_id", "state")),
            "requests": sorted(EhcAssessmentRequest.objects.values_list("pk", "pupil_id")),
            "deadlines": sorted(Deadline.objects.values_list("pk", "pupil_id", "due_on", "state")),
            "pupils": sorted(Pupil.objects.values_list("pk", "uuid", "upn", "sen_status", "school_class_id")),
        }


def test_a_school_of_150_pupils_switches_mis_and_every_record_stays_on_its_pupil(world: Any) -> None:
    a = world.a
    old, _ = api_for(a)
    new_staff, new_class, records = build_school_on_the_old_mis(world, old)
    before = history_snapshot(a)
    # the 30 requests' statutory dates (6 and 20 weeks; "no plan" only once an LA decides not to issue), and more
    assert len([row for row in before["deadlines"] if row[1]]) >= 60
    with tenant_context(a.trust.pk):
        ids_before = dict(Pupil.objects.filter(mis_id__startswith="SIMS-").values_list("mis_id", "uuid"))
    new, new_client = api_for(a)
    switch = declare(a, new_client)

    staff = results(new.post("/api/v1/staff/bulk/", [new_staff], format="json"))[0]
    assert (staff["status"], staff["previous_mis_id"]) == ("adopted", "SIMS-S1")
    klass = results(new.post("/api/v1/classes/bulk/", [new_class], format="json"))[0]
    assert (klass["status"], klass["previous_mis_id"]) == ("adopted", "SIMS-C1")
    arriving = [{**r, "mis_id": r["mis_id"].replace("SIMS", "ARBOR"), "class_mis_id": "ARBOR-C1"} for r in records]
    arriving.reverse()  # another MIS, another order
    with CaptureQueriesContext(connection) as captured:
        response = new.post("/api/v1/pupils/bulk/", arriving, format="json")
    assert response.json()["summary"] == {"created": 0, "updated": 0, "unchanged": 0, "adopted": 150, "rejected": 0}
    assert len(captured) <= 30, [q["sql"][:80] for q in captured.captured_queries]
    for outcome in response.json()["results"]:
        old_id = outcome["mis_id"].replace("ARBOR", "SIMS")
        assert outcome["previous_mis_id"] == old_id
        assert outcome["id"] == str(ids_before[old_id])  # the same pupil, not a new one

    assert history_snapshot(a) == before  # every SEN record, plan, request and deadline on the same pupil
    with tenant_context(a.trust.pk):
        others = Pupil.objects.filter(pk__in=[row[0] for row in before["pupils"]]).exclude(mis_id__startswith="ARBOR-")
        assert set(others.values_list("mis_id", flat=True)) == {""}  # the world's own pupils, untouched
        changes = list(MisIdChange.objects.filter(switch=switch, resource="pupil"))
        assert len(changes) == 150
        assert {(c.old_mis_id, c.new_mis_id) for c in changes} == {(f"SIMS-{i}", f"ARBOR-{i}") for i in range(150)}
        assert {(c.api_client_id, c.api_client_name, c.kind) for c in changes} == {
            (new_client.pk, new_client.name, "adopted")
        }
        pupil = Pupil.objects.get(mis_id="ARBOR-7")
        event = pupil.events.order_by("-pgh_id").first()
        assert event.mis_id == "ARBOR-7" and event.pgh_context["api_client_name"] == new_client.name
        assert Membership.objects.get(mis_id="ARBOR-S1").user.email == "j.smith@alpha.example"
        assert SchoolClass.objects.get(mis_id="ARBOR-C1").pupils.count() == 150

    # Sent again: the same pupils, unchanged; and the old MIS, still running, cannot take them back.
    again = new.post("/api/v1/pupils/bulk/", arriving, format="json").json()["summary"]
    assert again["unchanged"] == 150
    stale = results(old.post("/api/v1/pupils/bulk/", [{**records[0], "class_mis_id": None}], format="json"))[0]
    assert stale["errors"] == {"upn": ["Another pupil of this trust already has this UPN."]}


# --- Without a declared switch the refusal stands ------------------------------------------------------------


def test_without_a_switch_nothing_is_adopted(world: Any, mis: Any) -> None:
    outcome = results(mis.post("/api/v1/pupils/bulk/", [existing_pupil(world.a)], format="json"))[0]
    assert outcome["errors"] == {"upn": ["Another pupil of this trust already has this UPN."]}
    with tenant_context(world.a.trust.pk):
        assert Pupil.objects.get(pk=world.a.pupils[0].pk).mis_id == ""
        assert not MisIdChange.objects.exists()


def test_another_clients_switch_a_scheduled_one_or_a_closed_one_adopts_nothing(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    _, other = api_for(a)
    switch = declare(a, other)  # the switch is for another client
    refused = results(http.post("/api/v1/pupils/bulk/", [existing_pupil(a)], format="json"))[0]
    assert refused["status"] == "rejected"
    with tenant_context(a.trust.pk):
        end_mis_switch(switch, by=a.users["admin"])
    declare(a, client, opens_on=timezone.localdate() + dt.timedelta(days=1))  # not open yet
    assert results(http.post("/api/v1/pupils/bulk/", [existing_pupil(a)], format="json"))[0]["status"] == "rejected"
    with tenant_context(a.trust.pk):
        assert Pupil.objects.get(pk=a.pupils[0].pk).mis_id == ""
        assert not MisIdChange.objects.exists()


def test_a_switch_adopts_only_in_its_own_school(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    declare(a, client, school=a.schools[1])  # the world's pupils are at school 0
    outcome = results(http.post("/api/v1/pupils/bulk/", [existing_pupil(a)], format="json"))[0]
    assert outcome["status"] == "rejected"
    moved = {**existing_pupil(a), "school": str(a.schools[1].uuid)}  # claiming school 0's pupil for school 1
    assert results(http.post("/api/v1/pupils/bulk/", [moved], format="json"))[0]["status"] == "rejected"
    with tenant_context(a.trust.pk):
        assert Pupil.objects.get(pk=a.pupils[0].pk).school_id == a.schools[0].pk


def test_a_relink_lets_any_client_of_the_school_adopt(world: Any) -> None:
    a = world.a
    http, _ = api_for(a)
    limited, _ = api_for(a, schools=[a.schools[1]])  # may not write to school 0
    declare(a, None)
    assert results(limited.post("/api/v1/pupils/bulk/", [existing_pupil(a)], format="json"))[0]["errors"] == {
        "school": ["No school with this id that this client may write to."]
    }
    outcome = results(http.post("/api/v1/pupils/bulk/", [existing_pupil(a)], format="json"))[0]
    assert (outcome["status"], outcome["previous_mis_id"]) == ("adopted", "")


# --- Clashes and the rules of adoption -------------------------------------------------------------------------


def test_two_new_records_claiming_one_upn_are_both_rejected_with_field_errors(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    declare(a, client)
    first, second = existing_pupil(a), {**existing_pupil(a), "mis_id": "ARBOR-OTHER", "legal_first_name": "Other"}
    outcome = results(http.post("/api/v1/pupils/bulk/", [first, second], format="json"))
    assert [r["status"] for r in outcome] == ["rejected", "rejected"]
    for row in outcome:
        assert list(row["errors"]) == ["upn"]
        assert (
            "2 records of this request (mis_ids ARBOR-0, ARBOR-OTHER) claim the existing pupil"
            in row["errors"]["upn"][0]
        )
    with tenant_context(a.trust.pk):
        pupil = Pupil.objects.get(pk=a.pupils[0].pk)
        assert (pupil.mis_id, pupil.legal_first_name) == ("", "Pupil0")
        assert not MisIdChange.objects.exists() and not MisSwitchMatch.objects.exists()


def test_a_pupil_is_adopted_once_per_switch(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    declare(a, client)
    assert results(http.post("/api/v1/pupils/bulk/", [existing_pupil(a)], format="json"))[0]["status"] == "adopted"
    again = {**existing_pupil(a), "mis_id": "ARBOR-SECOND"}
    outcome = results(http.post("/api/v1/pupils/bulk/", [again], format="json"))[0]
    assert outcome["errors"]["upn"] == [
        "The pupil with this UPN was already matched in this MIS switch, with mis_id ARBOR-0; it is not adopted twice."
    ]


def test_a_pupil_sent_under_its_old_id_in_the_same_request_is_not_also_adopted(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    with tenant_context(a.trust.pk):
        Pupil.objects.filter(pk=a.pupils[0].pk).update(mis_id="SIMS-0")
    declare(a, client)
    current = {**existing_pupil(a), "mis_id": "SIMS-0"}
    outcome = results(http.post("/api/v1/pupils/bulk/", [current, existing_pupil(a)], format="json"))
    assert outcome[0]["status"] == "updated"  # by its current id, as always (its class was not sent)
    assert "also in this request under its current mis_id SIMS-0" in outcome[1]["errors"]["upn"][0]
    with tenant_context(a.trust.pk):
        assert Pupil.objects.get(pk=a.pupils[0].pk).mis_id == "SIMS-0"
        assert not MisIdChange.objects.exists()


def test_a_rejected_record_adopts_nothing(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    declare(a, client)
    bad = {**existing_pupil(a), "class_mis_id": "NO-SUCH-CLASS"}
    outcome = results(http.post("/api/v1/pupils/bulk/", [bad, existing_pupil(a, 1)], format="json"))
    assert outcome[0]["errors"] == {
        "class_mis_id": ["No class with this mis_id in the schools this client may write to."]
    }
    assert outcome[1]["status"] == "adopted"
    with tenant_context(a.trust.pk):
        assert Pupil.objects.get(pk=a.pupils[0].pk).mis_id == ""
        assert list(MisIdChange.objects.values_list("new_mis_id", flat=True)) == ["ARBOR-1"]


def test_ids_the_two_mis_share_are_swapped_and_a_stale_one_is_released(world: Any) -> None:
    """The new MIS numbers its pupils like the old one did: its ids win, each pupil matched by UPN."""
    a = world.a
    http, client = api_for(a)
    with tenant_context(a.trust.pk):
        for index, mis_id in ((0, "1"), (1, "2"), (2, "3")):
            Pupil.objects.filter(pk=a.pupils[index].pk).update(mis_id=mis_id)
    declare(a, client)
    swapped = [{**existing_pupil(a, 0), "mis_id": "2"}, {**existing_pupil(a, 1), "mis_id": "1"}]
    newcomer = pupil_record(a, "3", 901)  # another child under the id pupil 2 had in the old MIS
    outcome = results(http.post("/api/v1/pupils/bulk/", [*swapped, newcomer], format="json"))
    assert [r["status"] for r in outcome] == ["adopted", "adopted", "created"]
    with tenant_context(a.trust.pk):
        ids = dict(Pupil.objects.filter(pk__in=[p.pk for p in a.pupils[:3]]).values_list("pk", "mis_id"))
        assert ids == {a.pupils[0].pk: "2", a.pupils[1].pk: "1", a.pupils[2].pk: ""}
        assert Pupil.objects.get(mis_id="3").upn == newcomer["upn"]
        released = MisIdChange.objects.get(kind="released")
        assert (released.object_uuid, released.old_mis_id, released.new_mis_id) == (a.pupils[2].uuid, "3", "")
    # The pupil whose id was released is still adopted by its UPN.
    later = results(http.post("/api/v1/pupils/bulk/", [{**existing_pupil(a, 2), "mis_id": "9"}], format="json"))[0]
    assert (later["status"], later["previous_mis_id"], later["id"]) == ("adopted", "", str(a.pupils[2].uuid))


def test_staff_are_adopted_by_email_and_classes_by_name_year_group_and_school_year(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    with tenant_context(a.trust.pk):
        Membership.objects.filter(pk=a.memberships["teacher"].pk).update(mis_id="SIMS-T")
        SchoolClass.objects.filter(pk=a.school_class.pk).update(mis_id="SIMS-ROWAN")
        SchoolClass.objects.filter(pk=a.other_class.pk).update(mis_id="SIMS-OAK")
        senco_email = a.users["senco"].email
    declare(a, client)
    teacher = {
        "mis_id": "ARBOR-T",
        "school": str(a.school.uuid),
        "email": a.users["teacher"].email.upper(),
        "full_name": "T",
        "role": "teacher",
    }
    senco = {**teacher, "mis_id": "ARBOR-SENCO", "email": senco_email}  # a SENCO's role is never the MIS's
    staff = results(http.post("/api/v1/staff/bulk/", [teacher, senco], format="json"))
    assert (staff[0]["status"], staff[0]["id"]) == ("adopted", str(a.memberships["teacher"].uuid))
    assert staff[1]["status"] == "created"  # a new teacher role beside the SENCO role
    rowan = {
        "mis_id": "ARBOR-ROWAN",
        "school": str(a.school.uuid),
        "school_year": "2026-27",
        "name": "Rowan",
        "year_group": "4",
        "teachers": ["ARBOR-T"],
    }
    oak_in_another_year_group = {**rowan, "mis_id": "ARBOR-OAK", "name": "Oak", "year_group": "6"}
    classes = results(http.post("/api/v1/classes/bulk/", [rowan, oak_in_another_year_group], format="json"))
    assert (classes[0]["status"], classes[0]["id"]) == ("adopted", str(a.school_class.uuid))
    assert classes[1]["errors"] == {"name": ["This school already has a class of this name in this school year."]}
    with tenant_context(a.trust.pk):
        assert Membership.objects.get(pk=a.memberships["senco"].pk).mis_id == ""
        assert SchoolClass.objects.get(pk=a.other_class.pk).mis_id == "SIMS-OAK"
        assert set(MisIdChange.objects.values_list("resource", "old_mis_id", "new_mis_id")) == {
            ("staff", "SIMS-T", "ARBOR-T"),
            ("class", "SIMS-ROWAN", "ARBOR-ROWAN"),
        }


# --- The cross-tenant matrix ---------------------------------------------------------------------------------


def test_a_switch_in_one_trust_never_adopts_another_trusts_records(world: Any) -> None:
    a, b = world.a, world.b
    http, client = api_for(a)
    declare(a, client)
    http_b, client_b = api_for(b)
    declare(b, client_b)
    with tenant_context(b.trust.pk):
        Membership.objects.filter(pk=b.memberships["teacher"].pk).update(mis_id="B-T")
        b_pupil = Pupil.objects.get(pk=b.pupils[0].pk)
    # Trust A's client sends trust B's pupil (its UPN, in A's school and in B's school), B's teacher and class.
    into_a = {**existing_pupil(b), "school": str(a.school.uuid), "mis_id": "X-1"}
    into_b = {**existing_pupil(b), "mis_id": "X-2"}
    outcome = results(http.post("/api/v1/pupils/bulk/", [into_a, into_b], format="json"))
    assert outcome[0]["status"] == "created" and outcome[0]["id"] != str(b_pupil.uuid)  # a new pupil of A
    assert outcome[1]["errors"] == {"school": ["No school with this id that this client may write to."]}
    teacher = {
        "mis_id": "X-T",
        "school": str(b.school.uuid),
        "email": b.users["teacher"].email,
        "full_name": "T",
        "role": "teacher",
    }
    staff_errors = results(http.post("/api/v1/staff/bulk/", [teacher], format="json"))[0]["errors"]
    assert set(staff_errors) == {"school", "email"}  # B's school, and a person who is not staff of A
    rowan = {
        "mis_id": "X-C",
        "school": str(b.school.uuid),
        "school_year": "2026-27",
        "name": "Rowan",
        "year_group": "4",
    }
    assert list(results(http.post("/api/v1/classes/bulk/", [rowan], format="json"))[0]["errors"]) == ["school"]
    with tenant_context(b.trust.pk):
        assert Pupil.objects.get(pk=b_pupil.pk).mis_id == ""
        assert Membership.objects.get(pk=b.memberships["teacher"].pk).mis_id == "B-T"
        assert SchoolClass.objects.get(pk=b.school_class.pk).mis_id == ""
        assert not MisIdChange.objects.exists() and not MisSwitchMatch.objects.exists()
    with tenant_context(a.trust.pk):
        assert {c.trust_id for c in MisSwitchMatch.objects.all()} == {a.trust.pk}
    # And B's own client, under B's switch, adopts B's pupil: the switches are each their trust's.
    assert results(http_b.post("/api/v1/pupils/bulk/", [existing_pupil(b)], format="json"))[0]["status"] == "adopted"
