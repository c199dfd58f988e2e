"""Trust admin pages for API clients: make one (token shown once), change, replace the token, revoke."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from schools.models import ApiClient
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def call_api(token: str, path: str = "/api/v1/schools/") -> int:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return http.get(path).status_code


def test_a_trust_admin_makes_a_client_and_sees_its_token_once(world: Any) -> None:
    admin = client_for(world.a.users["admin"])
    response = admin.post(
        reverse("schools:api_client_create"),
        {
            "name": "Arbor sync",
            "can_read": "on",
            "can_write": "on",
            "rate_limit_per_minute": "600",
            "schools": [world.a.schools[1].pk],
        },
    )
    assert response.status_code == 200
    token = response.context["token"]
    assert token in response.content.decode()
    assert call_api(token) == 200
    with tenant_context(world.a.trust.pk):
        client = ApiClient.objects.get(name="Arbor sync")
    assert client.school_ids == [world.a.schools[1].pk] and not client.all_schools
    assert client.scopes == ["read", "write"]
    listing = admin.get(reverse("schools:api_client_list")).content.decode()
    assert "Arbor sync" in listing and token not in listing
    assert client.token_prefix in listing


@pytest.mark.parametrize("role", ["lead", "senco", "head", "teacher", "governor"])
def test_only_trust_admins_may_manage_api_clients(world: Any, role: str) -> None:
    client = client_for(world.a.users[role])
    assert client.get(reverse("schools:api_client_list")).status_code == 403
    response = client.post(reverse("schools:api_client_create"), {"name": "Sneaky", "can_read": "on"})
    assert response.status_code == 403
    url = reverse("schools:api_client_rotate", kwargs={"client_uuid": world.a.api_client.uuid})
    assert client.post(url).status_code in {403, 404}
    with tenant_context(world.a.trust.pk):
        assert not ApiClient.objects.filter(name="Sneaky").exists()


def test_form_errors_are_shown_and_nothing_is_saved(world: Any) -> None:
    admin = client_for(world.a.users["admin"])
    response = admin.post(
        reverse("schools:api_client_create"), {"name": "No scope", "rate_limit_per_minute": "600", "all_schools": "on"}
    )
    assert "Give the client at least one scope" in response.content.decode()
    response = admin.post(
        reverse("schools:api_client_create"), {"name": "No schools", "can_read": "on", "rate_limit_per_minute": "600"}
    )
    assert "Choose the schools this client may sync" in response.content.decode()
    response = admin.post(
        reverse("schools:api_client_create"),
        {"name": world.a.api_client.name, "can_read": "on", "all_schools": "on", "rate_limit_per_minute": "-5"},
    )
    assert "greater than or equal to 1" in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert ApiClient.objects.count() == 1


def test_replacing_and_revoking_a_token(world: Any) -> None:
    admin = client_for(world.a.users["admin"])
    created = admin.post(
        reverse("schools:api_client_create"),
        {"name": "SIMS", "can_read": "on", "all_schools": "on", "rate_limit_per_minute": "600"},
    )
    old = created.context["token"]
    client = created.context["client"]
    rotated = admin.post(reverse("schools:api_client_rotate", kwargs={"client_uuid": client.uuid}))
    new = rotated.context["token"]
    assert new != old and call_api(old) == 401 and call_api(new) == 200
    admin.post(reverse("schools:api_client_revoke", kwargs={"client_uuid": client.uuid}))
    assert call_api(new) == 401
    assert "Revoked" in admin.get(reverse("schools:api_client_list")).content.decode()


def test_changing_scopes_takes_effect_on_the_next_call(world: Any) -> None:
    admin = client_for(world.a.users["admin"])
    created = admin.post(
        reverse("schools:api_client_create"),
        {"name": "Bromcom", "can_read": "on", "all_schools": "on", "rate_limit_per_minute": "600"},
    )
    token, client = created.context["token"], created.context["client"]
    admin.post(
        reverse("schools:api_client_edit", kwargs={"client_uuid": client.uuid}),
        {"can_write": "on", "all_schools": "on", "rate_limit_per_minute": "600"},
    )
    assert call_api(token) == 403


def test_the_list_keeps_its_query_count_as_clients_grow(world: Any) -> None:
    from schools import api_client_services

    admin = client_for(world.a.users["admin"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(reverse("schools:api_client_list")).status_code == 200
        return len(queries)

    count()
    small = count()
    with tenant_context(world.a.trust.pk):
        for i in range(15):
            api_client_services.create_api_client(
                name=f"Client {i}", all_schools=False, schools=[world.a.schools[i % 2]]
            )
    assert count() == small


def test_the_api_docs_and_schema_are_served(world: Any) -> None:
    anonymous = APIClient()
    schema = anonymous.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/pupils/bulk/" in schema.content
    docs = anonymous.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "unsafe-inline" not in docs["Content-Security-Policy"]
