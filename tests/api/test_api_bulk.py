"""Bulk, idempotent upserts keyed by mis_id: outcomes per record, bad input, idempotency, query budget."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pupils.models import Contact, Pupil
from schools.models import ClassStaff, Membership, SchoolClass
from send.tenancy import tenant_context
from tests.api.conftest import api_for, pupil_record

pytestmark = pytest.mark.django_db


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_same_request_twice_changes_nothing_the_second_time(world: Any, mis: Any) -> None:
    records = [pupil_record(world.a, "P-1", 101), pupil_record(world.a, "P-2", 102)]
    first = mis.post("/api/v1/pupils/bulk/", records, format="json")
    assert [r["status"] for r in results(first)] == ["created", "created"]
    assert first.json()["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "adopted": 0, "rejected": 0}
    with tenant_context(world.a.trust.pk):
        before = {p.mis_id: (p.updated_at, p.events.count()) for p in Pupil.objects.filter(mis_id__in=["P-1", "P-2"])}
    second = mis.post("/api/v1/pupils/bulk/", records, format="json")
    assert [r["status"] for r in results(second)] == ["unchanged", "unchanged"]
    assert [r["id"] for r in results(second)] == [r["id"] for r in results(first)]
    with tenant_context(world.a.trust.pk):
        after = {p.mis_id: (p.updated_at, p.events.count()) for p in Pupil.objects.filter(mis_id__in=["P-1", "P-2"])}
    assert after == before


def test_a_changed_record_is_updated_and_the_rest_unchanged(world: Any, mis: Any) -> None:
    records = [pupil_record(world.a, "P-1", 101), pupil_record(world.a, "P-2", 102)]
    mis.post("/api/v1/pupils/bulk/", records, format="json")
    records[1]["preferred_first_name"] = "Mara"
    records[1]["class_mis_id"] = None
    outcome = results(mis.post("/api/v1/pupils/bulk/", records, format="json"))
    assert [r["status"] for r in outcome] == ["unchanged", "updated"]
    with tenant_context(world.a.trust.pk):
        assert Pupil.objects.get(mis_id="P-2").preferred_first_name == "Mara"


def test_one_bad_record_does_not_stop_the_others_and_nothing_of_it_is_saved(world: Any, mis: Any) -> None:
    good = pupil_record(world.a, "P-OK", 111)
    bad = pupil_record(world.a, "P-BAD", 112, upn="A80120000100X", date_of_birth="2017-13-40")
    outcome = results(mis.post("/api/v1/pupils/bulk/", [bad, good], format="json"))
    assert outcome[0]["status"] == "rejected"
    assert set(outcome[0]["errors"]) == {"date_of_birth"}
    assert outcome[0]["mis_id"] == "P-BAD"
    assert outcome[1]["status"] == "created"
    with tenant_context(world.a.trust.pk):
        assert not Pupil.objects.filter(mis_id="P-BAD").exists()


def test_an_invalid_upn_is_named_with_what_is_wrong(world: Any, mis: Any) -> None:
    record = pupil_record(world.a, "P-UPN", 113)
    record["upn"] = record["upn"][:-1] + ("A" if record["upn"][-1] != "A" else "B")
    outcome = results(mis.post("/api/v1/pupils/bulk/", [record], format="json"))[0]
    assert outcome["status"] == "rejected"
    assert "check letter" in outcome["errors"]["upn"][0]


def test_a_upn_held_by_another_pupil_is_refused(world: Any, mis: Any) -> None:
    record = pupil_record(world.a, "P-DUP", 114, upn=world.a.pupils[0].upn)
    outcome = results(mis.post("/api/v1/pupils/bulk/", [record], format="json"))[0]
    assert outcome["errors"] == {"upn": ["Another pupil of this trust already has this UPN."]}


def test_the_same_mis_id_twice_in_one_request_is_refused_the_second_time(world: Any, mis: Any) -> None:
    records = [pupil_record(world.a, "P-1", 101), pupil_record(world.a, "P-1", 102)]
    outcome = results(mis.post("/api/v1/pupils/bulk/", records, format="json"))
    assert [r["status"] for r in outcome] == ["created", "rejected"]
    assert "earlier in the same request" in outcome[1]["errors"]["mis_id"][0]


def test_unknown_fields_wrong_types_and_missing_fields_are_named(world: Any, mis: Any) -> None:
    record = pupil_record(world.a, "P-X", 115, colour="blue", gender=7)
    del record["legal_last_name"]
    outcome = results(mis.post("/api/v1/pupils/bulk/", [record, "not an object"], format="json"))
    assert set(outcome[0]["errors"]) == {"colour"} or set(outcome[0]["errors"]) >= {"colour"}
    assert outcome[1]["errors"] == {"non_field_errors": ["Each record must be a JSON object."]}
    del record["colour"]
    errors = results(mis.post("/api/v1/pupils/bulk/", [record], format="json"))[0]["errors"]
    assert set(errors) == {"legal_last_name", "gender"}


def test_a_class_or_school_of_another_trust_is_refused(world: Any, mis: Any) -> None:
    with tenant_context(world.b.trust.pk):
        SchoolClass.objects.filter(pk=world.b.school_class.pk).update(mis_id="CLASS-B")
    record = pupil_record(world.a, "P-C", 116, class_mis_id="CLASS-B")
    other_school = pupil_record(world.a, "P-S", 117, school=str(world.b.schools[0].uuid))
    outcome = results(mis.post("/api/v1/pupils/bulk/", [record, other_school], format="json"))
    assert list(outcome[0]["errors"]) == ["class_mis_id"]
    assert list(outcome[1]["errors"]) == ["school"]
    with tenant_context(world.a.trust.pk):
        assert not Pupil.objects.filter(mis_id__in=["P-C", "P-S"]).exists()


def test_a_class_of_another_school_of_the_trust_is_refused_for_the_pupil(world: Any, mis: Any) -> None:
    with tenant_context(world.a.trust.pk):
        SchoolClass.objects.filter(pk=world.a.school_class.pk).update(mis_id="CLASS-A")
    record = pupil_record(world.a, "P-C2", 118, school=str(world.a.schools[1].uuid), class_mis_id="CLASS-A")
    outcome = results(mis.post("/api/v1/pupils/bulk/", [record], format="json"))[0]
    assert outcome["errors"] == {"class_mis_id": ["Choose a class of the pupil's school."]}


def test_malformed_json_is_a_400_problem(world: Any, mis: Any) -> None:
    response = mis.post("/api/v1/pupils/bulk/", data="[{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "urn:send:problem:parse_error"


def test_a_body_that_is_not_an_array_is_a_400_naming_it(world: Any, mis: Any) -> None:
    response = mis.post("/api/v1/pupils/bulk/", {"mis_id": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["Send a JSON array of records."]}


def test_an_oversized_batch_is_413_and_saves_nothing(world: Any, mis: Any) -> None:
    records = [pupil_record(world.a, f"P-{i}", 200 + i) for i in range(1001)]
    response = mis.post("/api/v1/pupils/bulk/", records, format="json")
    assert response.status_code == 413
    assert response.json()["type"] == "urn:send:problem:payload_too_large"
    with tenant_context(world.a.trust.pk):
        assert not Pupil.objects.filter(mis_id="P-1").exists()


def test_an_idempotency_key_replays_the_first_answer(world: Any, mis: Any) -> None:
    key = str(uuid.uuid4())
    records = [pupil_record(world.a, "P-I", 120)]
    first = mis.post("/api/v1/pupils/bulk/", records, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = mis.post("/api/v1/pupils/bulk/", records, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert results(first)[0]["status"] == "created"
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    without_key = mis.post("/api/v1/pupils/bulk/", records, format="json")
    assert results(without_key)[0]["status"] == "unchanged"


def test_an_idempotency_key_reused_with_another_body_is_refused(world: Any, mis: Any) -> None:
    key = str(uuid.uuid4())
    mis.post("/api/v1/pupils/bulk/", [pupil_record(world.a, "P-I", 120)], format="json", HTTP_IDEMPOTENCY_KEY=key)
    response = mis.post(
        "/api/v1/pupils/bulk/", [pupil_record(world.a, "P-J", 121)], format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 422
    with tenant_context(world.a.trust.pk):
        assert not Pupil.objects.filter(mis_id="P-J").exists()


def test_idempotency_keys_are_per_client(world: Any) -> None:
    key = str(uuid.uuid4())
    first, _ = api_for(world.a)
    second, _ = api_for(world.a)
    first.post("/api/v1/pupils/bulk/", [pupil_record(world.a, "P-I", 120)], format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = second.post(
        "/api/v1/pupils/bulk/", [pupil_record(world.a, "P-K", 122)], format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert results(other)[0]["status"] == "created"


def test_a_thousand_pupils_take_a_bounded_number_of_queries(world: Any, mis: Any) -> None:
    with tenant_context(world.a.trust.pk):
        SchoolClass.objects.filter(pk=world.a.school_class.pk).update(mis_id="CLASS-A")
    records = [pupil_record(world.a, f"P-{i}", 1000 + i, class_mis_id="CLASS-A") for i in range(1000)]
    with CaptureQueriesContext(connection) as created:
        outcome = mis.post("/api/v1/pupils/bulk/", records, format="json")
    assert outcome.json()["summary"]["created"] == 1000
    for record in records[:500]:
        record["preferred_first_name"] = "Changed"
    with CaptureQueriesContext(connection) as updated:
        outcome = mis.post("/api/v1/pupils/bulk/", records, format="json")
    assert outcome.json()["summary"] == {"created": 0, "updated": 500, "unchanged": 500, "adopted": 0, "rejected": 0}
    assert len(created) <= 25, [q["sql"][:80] for q in created.captured_queries]
    assert len(updated) <= 25, [q["sql"][:80] for q in updated.captured_queries]


# --- Staff, classes and contacts --------------------------------------------------------------------------


def staff_record(trust_world: Any, mis_id: str, email: str, role: str = "teacher", **extra: Any) -> dict[str, Any]:
    return {
        "mis_id": mis_id,
        "school": str(trust_world.schools[0].uuid),
        "email": email,
        "full_name": "Jo Smith",
        "role": role,
        **extra,
    }


def test_staff_are_created_with_a_sign_in_and_a_role(world: Any, mis: Any) -> None:
    outcome = results(
        mis.post("/api/v1/staff/bulk/", [staff_record(world.a, "S-1", "Jo.Smith@Alpha.example")], format="json")
    )
    assert outcome[0]["status"] == "created"
    with tenant_context(world.a.trust.pk):
        membership = Membership.objects.select_related("user").get(mis_id="S-1")
    assert membership.user.email == "jo.smith@alpha.example"
    assert not membership.user.has_usable_password()
    again = results(
        mis.post("/api/v1/staff/bulk/", [staff_record(world.a, "S-1", "jo.smith@alpha.example")], format="json")
    )
    assert again[0]["status"] == "unchanged"


def test_the_mis_cannot_give_roles_beyond_teacher_and_ta(world: Any, mis: Any) -> None:
    outcome = results(
        mis.post("/api/v1/staff/bulk/", [staff_record(world.a, "S-2", "x@alpha.example", role="senco")], format="json")
    )
    assert list(outcome[0]["errors"]) == ["role"]


def test_an_existing_teacher_role_is_adopted_by_its_mis_id(world: Any, mis: Any) -> None:
    teacher = world.a.users["teacher"]
    outcome = results(mis.post("/api/v1/staff/bulk/", [staff_record(world.a, "S-T", teacher.email)], format="json"))
    assert outcome[0]["status"] == "updated"
    assert outcome[0]["id"] == str(world.a.memberships["teacher"].uuid)


def test_deleting_a_staff_role_leaves_a_tombstone(world: Any, mis: Any) -> None:
    from django.utils import timezone

    since = timezone.now().isoformat()
    membership = world.a.memberships["ta"]
    assert mis.delete(f"/api/v1/staff/{membership.uuid}/").status_code == 204
    rows = mis.get("/api/v1/staff/", {"updated_since": since}).json()["results"]
    assert rows == [{"id": str(membership.uuid), "mis_id": "", "tombstone": "deleted", "at": rows[0]["at"]}]
    senco = world.a.memberships["senco"]
    assert mis.delete(f"/api/v1/staff/{senco.uuid}/").status_code == 404  # not a role the MIS manages


def test_classes_with_their_staff(world: Any, mis: Any) -> None:
    staff = [
        staff_record(world.a, "S-1", "t1@alpha.example"),
        staff_record(world.a, "S-2", "ta1@alpha.example", role="ta"),
    ]
    results(mis.post("/api/v1/staff/bulk/", staff, format="json"))
    record = {
        "mis_id": "C-4B",
        "school": str(world.a.schools[0].uuid),
        "school_year": "2026-27",
        "name": "4B",
        "year_group": "4",
        "teachers": ["S-1"],
        "teaching_assistants": ["S-2"],
    }
    assert results(mis.post("/api/v1/classes/bulk/", [record], format="json"))[0]["status"] == "created"
    assert results(mis.post("/api/v1/classes/bulk/", [record], format="json"))[0]["status"] == "unchanged"
    record["teaching_assistants"] = []
    assert results(mis.post("/api/v1/classes/bulk/", [record], format="json"))[0]["status"] == "updated"
    with tenant_context(world.a.trust.pk):
        school_class = SchoolClass.objects.get(mis_id="C-4B")
        assert list(ClassStaff.objects.filter(school_class=school_class).values_list("user__email", "role")) == [
            ("t1@alpha.example", "teacher")
        ]
    listed = mis.get("/api/v1/classes/", {"mis_id": "C-4B"}).json()["results"][0]
    assert listed["teachers"] == [{"mis_id": "S-1", "email": "t1@alpha.example"}]
    assert listed["school_year"] == "2026-27"


def test_class_errors_are_named(world: Any, mis: Any) -> None:
    record = {
        "mis_id": "C-X",
        "school": str(world.a.schools[0].uuid),
        "school_year": "1999-00",
        "name": "Rowan",
        "year_group": "Y4",
        "teachers": ["NOPE"],
    }
    errors = results(mis.post("/api/v1/classes/bulk/", [record], format="json"))[0]["errors"]
    assert set(errors) == {"year_group"}
    record["year_group"] = "4"
    errors = results(mis.post("/api/v1/classes/bulk/", [record], format="json"))[0]["errors"]
    assert set(errors) == {"school_year", "teachers"}


def test_an_existing_class_of_the_same_name_is_adopted(world: Any, mis: Any) -> None:
    record = {
        "mis_id": "C-ROWAN",
        "school": str(world.a.schools[0].uuid),
        "school_year": "2026-27",
        "name": "Rowan",
        "year_group": "4",
    }
    outcome = results(mis.post("/api/v1/classes/bulk/", [record], format="json"))[0]
    assert outcome == {"index": 0, "mis_id": "C-ROWAN", "status": "updated", "id": str(world.a.school_class.uuid)}


def test_contacts_for_pupils_by_mis_id(world: Any, mis: Any) -> None:
    results(mis.post("/api/v1/pupils/bulk/", [pupil_record(world.a, "P-1", 101)], format="json"))
    contact = {
        "mis_id": "CT-1",
        "pupil_mis_id": "P-1",
        "name": "Grace Okafor",
        "relationship": "mother",
        "parental_responsibility": True,
        "email": "grace@example.com",
    }
    unknown = {**contact, "mis_id": "CT-2", "pupil_mis_id": "P-404"}
    outcome = results(mis.post("/api/v1/contacts/bulk/", [contact, unknown], format="json"))
    assert [r["status"] for r in outcome] == ["created", "rejected"]
    assert list(outcome[1]["errors"]) == ["pupil_mis_id"]
    with tenant_context(world.a.trust.pk):
        saved = Contact.objects.get(mis_id="CT-1")
    assert saved.kind == "parent" and saved.parental_responsibility
    assert results(mis.post("/api/v1/contacts/bulk/", [contact], format="json"))[0]["status"] == "unchanged"


def test_json_with_a_huge_body_is_413(world: Any, mis: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps([pupil_record(world.a, f"P-{i}", 300 + i) for i in range(20)])
    response = mis.post("/api/v1/pupils/bulk/", data=body, content_type="application/json")
    assert response.status_code == 413
