"""Who may call the API: tokens, scopes, tenancy, schools, the rate limit, and the error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from schools import api_client_services
from schools.models import ApiClient
from send.models import AccessEvent
from send.tenancy import tenant_context
from tests.api.conftest import api_for

pytestmark = pytest.mark.django_db


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:send:problem:{code}"
    assert body["title"] and body["detail"]
    return body


def test_no_token_is_401_with_a_bearer_challenge(world: Any) -> None:
    response = APIClient().get("/api/v1/pupils/")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_401(world: Any) -> None:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION="Bearer send_not-a-real-token")
    assert_problem(http.get("/api/v1/pupils/"), 401, "authentication_failed")


def test_a_signed_in_user_without_a_token_is_not_an_api_client(world: Any, login: Any) -> None:
    assert login(world.a.users["senco"]).get("/api/v1/pupils/").status_code == 401


def test_a_revoked_token_stops_working_at_once(world: Any) -> None:
    http, client = api_for(world.a)
    assert http.get("/api/v1/pupils/").status_code == 200
    with tenant_context(world.a.trust.pk):
        api_client_services.revoke_api_client(client)
    assert_problem(http.get("/api/v1/pupils/"), 401, "authentication_failed")


def test_rotating_gives_a_new_token_and_the_old_one_stops(world: Any) -> None:
    http, client = api_for(world.a)
    with tenant_context(world.a.trust.pk):
        token = api_client_services.rotate_api_client_token(client)
    assert http.get("/api/v1/pupils/").status_code == 401
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert fresh.get("/api/v1/pupils/").status_code == 200


def test_only_the_hash_of_the_token_is_stored(world: Any) -> None:
    http, client = api_for(world.a)
    with tenant_context(world.a.trust.pk):
        stored = ApiClient.objects.get(pk=client.pk)
    assert http.token not in {stored.token_hash, stored.token_prefix}
    assert len(stored.token_hash) == 64


def test_the_read_scope_allows_reads_and_refuses_writes(world: Any) -> None:
    http, _ = api_for(world.a, read=True, write=False)
    assert http.get("/api/v1/pupils/").status_code == 200
    assert_problem(http.post("/api/v1/pupils/bulk/", [], format="json"), 403, "permission_denied")


def test_the_write_scope_allows_writes_and_refuses_reads(world: Any) -> None:
    http, _ = api_for(world.a, read=False, write=True)
    assert http.post("/api/v1/pupils/bulk/", [], format="json").status_code == 200
    assert_problem(http.get("/api/v1/pupils/"), 403, "permission_denied")


def test_a_client_never_lists_another_trusts_objects(world: Any) -> None:
    http, _ = api_for(world.a)
    for path in ("schools", "staff", "classes", "pupils", "contacts", "register", "sen-changes", "passports"):
        body = http.get(f"/api/v1/{path}/").json()
        text = str(body)
        for pupil in world.b.pupils:
            assert str(pupil.uuid) not in text
        for school in world.b.schools:
            assert str(school.uuid) not in text


@pytest.mark.parametrize("path", ["pupils", "schools", "classes", "staff"])
def test_another_trusts_object_is_404(world: Any, path: str) -> None:
    http, _ = api_for(world.a)
    other = {
        "pupils": world.b.pupils[0],
        "schools": world.b.schools[0],
        "classes": world.b.school_class,
        "staff": world.b.memberships["teacher"],
    }[path]
    assert_problem(http.get(f"/api/v1/{path}/{other.uuid}/"), 404, "not_found")
    own = {
        "pupils": world.a.pupils[0],
        "schools": world.a.schools[0],
        "classes": world.a.school_class,
        "staff": world.a.memberships["teacher"],
    }[path]
    assert http.get(f"/api/v1/{path}/{own.uuid}/").status_code == 200


def test_a_client_given_some_schools_sees_only_theirs(world: Any) -> None:
    http, _ = api_for(world.a, schools=[world.a.schools[1]])
    schools = [row["id"] for row in http.get("/api/v1/schools/").json()["results"]]
    assert schools == [str(world.a.schools[1].uuid)]
    assert http.get("/api/v1/pupils/").json()["results"] == []
    assert http.get(f"/api/v1/pupils/{world.a.pupils[0].uuid}/").status_code == 404
    whole, _ = api_for(world.a)
    assert whole.get(f"/api/v1/pupils/{world.a.pupils[0].uuid}/").status_code == 200


def test_past_the_rate_limit_the_answer_is_429_with_retry_after(world: Any) -> None:
    http, _ = api_for(world.a, rate=3)
    for _ in range(3):
        assert http.get("/api/v1/schools/").status_code == 200
    response = http.get("/api/v1/schools/")
    assert_problem(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    other, _ = api_for(world.a, rate=3)
    assert other.get("/api/v1/schools/").status_code == 200  # the limit is per client


def test_unknown_api_paths_answer_in_the_api_shape(world: Any) -> None:
    http, _ = api_for(world.a)
    assert_problem(http.get("/api/v1/nothing-here/"), 404, "not_found")


def test_reading_pupils_is_logged_as_access_by_the_client(world: Any) -> None:
    http, client = api_for(world.a)
    http.get(f"/api/v1/pupils/{world.a.pupils[0].uuid}/")
    with tenant_context(world.a.trust.pk):
        event = AccessEvent.objects.filter(object_id=str(world.a.pupils[0].uuid), action="api_read").get()
    assert event.api_client == client.name
    assert event.user is None


def test_writes_are_attributed_to_the_client_in_the_audit(world: Any) -> None:
    from pupils.models import Pupil
    from tests.api.conftest import pupil_record

    http, client = api_for(world.a)
    http.post("/api/v1/pupils/bulk/", [pupil_record(world.a, "P-AUDIT", 501)], format="json")
    with tenant_context(world.a.trust.pk):
        pupil = Pupil.objects.get(mis_id="P-AUDIT")
        event = pupil.events.get()
    assert event.pgh_context["api_client"] == str(client.uuid)
    assert event.pgh_context["api_client_name"] == client.name


def test_create_api_client_command_prints_a_working_token(world: Any, capsys: Any) -> None:
    call_command("create_api_client", "--trust", world.a.trust.slug, "--name", "Arbor", "--write")
    token = capsys.readouterr().out.strip()
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.get("/api/v1/schools/").status_code == 200
    assert http.post("/api/v1/pupils/bulk/", [], format="json").status_code == 200


def test_create_api_client_command_without_write_is_read_only(world: Any, capsys: Any) -> None:
    call_command("create_api_client", "--trust", world.a.trust.slug, "--name", "Census reader")
    token = capsys.readouterr().out.strip()
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.post("/api/v1/pupils/bulk/", [], format="json").status_code == 403


def test_create_api_client_command_refuses_an_unknown_trust(world: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No trust"):
        call_command("create_api_client", "--trust", "nope", "--name", "Arbor")


def test_wrong_tokens_from_one_address_are_slowed_down(world: Any, settings: Any) -> None:
    import uuid

    from django.core.cache import cache

    settings.API_TOKEN_FAILURES_PER_ADDRESS = MAX_FAILED_TOKENS = 5
    address = f"198.51.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    cache.delete(f"api-token-failures:{address}")
    guesser = APIClient(REMOTE_ADDR=address)
    guesser.credentials(HTTP_AUTHORIZATION="Bearer send_guess")
    for _ in range(MAX_FAILED_TOKENS):
        assert guesser.get("/api/v1/schools/").status_code == 401
    blocked = guesser.get("/api/v1/schools/")
    assert_problem(blocked, 429, "throttled")
    assert int(blocked["Retry-After"]) > 0
    http, _ = api_for(world.a)
    assert http.get("/api/v1/schools/", REMOTE_ADDR="203.0.113.9").status_code == 200  # another address
    cache.delete(f"api-token-failures:{address}")


def test_every_call_is_logged_under_the_client(world: Any) -> None:
    http, client = api_for(world.a)
    http.get("/api/v1/schools/", {"urn": world.a.schools[0].urn})
    http.post("/api/v1/staff/bulk/", [], format="json")
    with tenant_context(world.a.trust.pk):
        calls = list(AccessEvent.objects.filter(api_client=client.name, object_type="api.call").order_by("created_at"))
    assert [(c.action, c.object_id) for c in calls] == [("api_get", "200"), ("api_post", "200")]
    assert calls[0].path == f"/api/v1/schools/?urn={world.a.schools[0].urn}"


def test_deleting_needs_the_write_scope(world: Any) -> None:
    reader, _ = api_for(world.a, write=False)
    assert_problem(reader.delete(f"/api/v1/classes/{world.a.other_class.uuid}/"), 403, "permission_denied")
    writer, _ = api_for(world.a, read=False)
    assert writer.delete(f"/api/v1/classes/{world.a.other_class.uuid}/").status_code == 204


def test_a_retry_while_the_first_request_runs_is_409(world: Any) -> None:
    import hashlib

    from django.core.cache import cache

    http, client = api_for(world.a)
    key = "retry-while-running"
    lock = f"idempotency:{client.uuid}:{hashlib.sha256(key.encode()).hexdigest()}:lock"
    cache.set(lock, 1, timeout=30)  # as the first request holds it while it runs
    try:
        response = http.post("/api/v1/pupils/bulk/", [], format="json", HTTP_IDEMPOTENCY_KEY=key)
    finally:
        cache.delete(lock)
    assert_problem(response, 409, "conflict")
    assert http.post("/api/v1/pupils/bulk/", [], format="json", HTTP_IDEMPOTENCY_KEY=key).status_code == 200
