"""What the MIS switch tests share: declaring a switch, reading outcomes, a pupil record as the MIS sends it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from schools.mis_switch import declare_mis_switch
from schools.models import ApiClient, MisSwitch
from send.tenancy import tenant_context
from tests.factories import TrustWorld


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def declare(
    trust_world: TrustWorld,
    client: ApiClient | None,
    *,
    school: Any = None,
    opens_on: dt.date | None = None,
    days: int = 30,
) -> MisSwitch:
    today = timezone.localdate()
    with tenant_context(trust_world.trust.pk):
        return declare_mis_switch(
            school=school or trust_world.school,
            api_client=client,
            opens_on=opens_on or today,
            closes_on=(opens_on or today) + dt.timedelta(days=days),
            note="From SIMS to Arbor",
            declared_by=trust_world.users["admin"],
        )


def existing_pupil(trust_world: TrustWorld, index: int = 0) -> dict[str, Any]:
    """A new MIS's record of one of the world's pupils: the same UPN and details, a new mis_id."""
    pupil = trust_world.pupils[index]
    return {
        "mis_id": f"ARBOR-{index}",
        "school": str(pupil.school.uuid),
        "upn": pupil.upn,
        "legal_first_name": pupil.legal_first_name,
        "legal_last_name": pupil.legal_last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "gender": pupil.gender,
        "year_group": pupil.year_group,
    }
