"""API tests: an MIS calling with a bearer token, against the real database and Redis."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from schools import api_client_services
from schools.models import ApiClient
from send.tenancy import tenant_context
from tests.factories import TrustWorld


def api_for(
    trust_world: TrustWorld,
    *,
    read: bool = True,
    write: bool = True,
    schools: list[Any] | None = None,
    rate: int = 600,
) -> tuple[APIClient, ApiClient]:
    """An HTTP client carrying a new API client's token for this trust."""
    with tenant_context(trust_world.trust.pk):
        client, token = api_client_services.create_api_client(
            name=f"MIS {uuid.uuid4().hex[:8]}",
            can_read=read,
            can_write=write,
            all_schools=schools is None,
            schools=schools,
            rate_limit_per_minute=rate,
        )
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    http.token = token
    return http, client


@pytest.fixture
def mis(world: Any) -> APIClient:
    """Trust A's MIS, with read and write scopes for all its schools."""
    return api_for(world.a)[0]


def pupil_record(trust_world: TrustWorld, mis_id: str, serial: int, **overrides: Any) -> dict[str, Any]:
    from pupils.upn import make_upn

    school = trust_world.schools[0]
    record = {
        "mis_id": mis_id,
        "school": str(school.uuid),
        "upn": make_upn(school.la_code, school.establishment_number, 2018 + serial // 1000, serial % 1000),
        "legal_first_name": "Amara",
        "legal_last_name": f"Okafor{serial}",
        "date_of_birth": "2017-03-14",
        "gender": "F",
        "year_group": "4",
    }
    record.update(overrides)
    return record
