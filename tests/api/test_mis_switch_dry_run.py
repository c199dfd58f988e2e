"""Switching MIS: a dry run answers what would happen and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from pupils.models import Pupil
from schools.models import Membership, MisIdChange, MisSwitchMatch, SchoolClass, User
from send.tenancy import tenant_context
from tests.api.conftest import api_for, pupil_record
from tests.api.mis_switch_helpers import declare, existing_pupil, results
from tests.factories import TrustWorld

pytestmark = pytest.mark.django_db


# --- Dry runs --------------------------------------------------------------------------------------------------


def database_state(trust_world: TrustWorld) -> dict[str, Any]:
    with tenant_context(trust_world.trust.pk):
        return {
            "pupils": sorted(Pupil.objects.values_list("pk", "mis_id", "upn", "legal_first_name", "updated_at")),
            "pupil_events": sum(p.events.count() for p in Pupil.objects.all()),
            "memberships": sorted(Membership.objects.values_list("pk", "mis_id", "role", "updated_at")),
            "users": User.objects.count(),
            "classes": sorted(SchoolClass.objects.values_list("pk", "mis_id", "name", "updated_at")),
            "changes": MisIdChange.objects.count(),
            "matches": MisSwitchMatch.objects.count(),
        }


def test_the_dry_run_answers_what_would_happen_and_writes_nothing(world: Any) -> None:
    a = world.a
    http, client = api_for(a)
    declare(a, client)
    records = [
        existing_pupil(a, 0),  # would be adopted
        pupil_record(a, "NEW-1", 701),  # created
        {**existing_pupil(a, 1), "upn": "A80120000100X"},  # rejected: a bad UPN
    ]
    staff = [
        {
            "mis_id": "NEW-S",
            "school": str(a.school.uuid),
            "email": "new.person@alpha.example",
            "full_name": "New Person",
            "role": "ta",
        }
    ]
    before = database_state(a)
    dry = http.post("/api/v1/pupils/bulk/?dry_run=1", records, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert dry.json()["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "adopted": 1, "rejected": 1}
    assert dry.json()["results"][0]["id"] == str(a.pupils[0].uuid)
    staff_dry = http.post("/api/v1/staff/bulk/?dry_run=true", staff, format="json")
    assert results(staff_dry)[0]["status"] == "created"
    assert database_state(a) == before  # no row, no audit event, no new sign-in
    # The real request, with the same Idempotency-Key: the dry run was not what it replays.
    real = http.post("/api/v1/pupils/bulk/", records, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    assert real.json()["dry_run"] is False
    assert [r["status"] for r in real.json()["results"]] == [r["status"] for r in dry.json()["results"]]
    assert "Idempotent-Replayed" not in real
    assert database_state(a) != before


def test_a_dry_run_flag_that_is_not_understood_is_a_400(world: Any, mis: Any) -> None:
    response = mis.post("/api/v1/pupils/bulk/?dry_run=maybe", [pupil_record(world.a, "P-1", 101)], format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"dry_run": ["Give 1 (or true) for a dry run, or leave it out."]}
    assert mis.post("/api/v1/pupils/bulk/?dry=1", [], format="json").status_code == 400  # unknown parameters still
    with tenant_context(world.a.trust.pk):
        assert not Pupil.objects.filter(mis_id="P-1").exists()
