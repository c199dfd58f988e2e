"""Every URL of the project, with the other trust's objects, for every role and method: never a leak.

The matrix walks the URL resolver (tests/routes.py), so a new URL joins it automatically; a URL whose arguments
it cannot fill fails `test_the_matrix_can_fill_every_url` until tests/routes.py FILLERS is taught about it. Each
object URL has a positive control (the own trust's object is reached by some role, so the other trust's 404 is
not a wrong filler's 404), and each URL with a parent and a child is tried with one of them from the other trust.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import TrustWorld, World
from tests.routes import Route, all_routes, can_fill, filler, prepare, url_of

pytestmark = pytest.mark.django_db

ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]

# URLs that name no tenant object, and why they are outside the matrix's object checks.
NOT_TENANT_OBJECTS = {
    "password_reset_confirm": "a signed token for a user, not a tenant object (tested in test_auth_pages)",
    "reviews:calendar_feed": "a secret address for calendar apps, without a session (tested in test_ehc)",
}
EXCLUDED_NAMESPACES = {
    "admin": "the Django admin: superusers only (tests/send/test_every_route_unverified.py)",
    "api": "the REST API answers API clients, not people: its own matrix is in tests/api/test_api_matrix.py",
}

ROUTES = [r for r in all_routes() if r.namespace not in EXCLUDED_NAMESPACES]
OBJECT_ROUTES = [r for r in ROUTES if r.arguments and r.name not in NOT_TENANT_OBJECTS]
PLAIN_ROUTES = [r for r in ROUTES if not r.arguments]
# Objects as plain values are not objects: a route with a parent and a child object, e.g. a plan and its target.
NOT_OBJECTS = {"section", "action"}
NESTED_ROUTES = [r for r in OBJECT_ROUTES if len(set(r.arguments) - NOT_OBJECTS) >= 2]


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def markers_of(world: TrustWorld) -> list[str]:
    """Strings that would betray the other trust's data on a page."""
    return [
        world.trust.name,
        world.school.name,
        world.schools[1].name,
        *(p.legal_first_name + " " + p.legal_last_name for p in world.pupils),
        world.users["teacher"].email,
    ]


def test_the_matrix_can_fill_every_url():
    unknown = [route.name for route in OBJECT_ROUTES if not can_fill(route)]
    assert not unknown, f"Teach tests/routes.py FILLERS how to fill: {unknown}"
    assert OBJECT_ROUTES, "the resolver walk found no URL with an object"


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_other_trusts_objects_are_404_for_every_role_and_method(world, route):
    url = url_of(route, world.b)
    leaks = markers_of(world.b)
    for role in ROLES:
        client = client_for(world.a.users[role])
        statuses = set()
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            statuses.add(response.status_code)
            assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
            # 405 says only that the URL takes another method, whatever the object.
            assert response.status_code in {404, 405}, f"{role} {method.upper()} {url}: {response.status_code}"
            body = body_of(response)
            assert not [m for m in leaks if m in body], f"{role} {method.upper()} {url} shows the other trust"
        assert 404 in statuses, f"{role} {url}: no method reached the object lookup"


@pytest.mark.parametrize("route", PLAIN_ROUTES, ids=lambda r: r.name)
def test_plain_urls_never_show_the_other_trust(world, route):
    url = reverse(route.name)
    leaks = markers_of(world.b)
    for role in ROLES:
        client = client_for(world.a.users[role])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in {200, 302, 403, 404, 405, 503}, f"{role} {method} {url}"
            # every page, whatever its answer, carries the strict Content-Security-Policy
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url
            body = body_of(response)
            assert not [m for m in leaks if m in body], f"{role} {method.upper()} {url} shows the other trust"


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_a_consultant_with_roles_in_both_trusts_sees_only_the_active_one(world, route):
    from schools.models import Membership
    from send.tenancy import tenant_context

    consultant = world.a.users["senco"]
    with tenant_context(world.b.trust.pk):
        Membership.objects.create(user=consultant, role="admin", school=None)
    client = client_for(consultant)
    client.post(reverse("switch"), {"trust": world.a.trust.pk})
    url = url_of(route, world.b)
    statuses = {client.get(url).status_code, client.post(url).status_code}
    assert 404 in statuses and statuses <= {404, 405}


@pytest.fixture
def world(module_world: World) -> World:
    """The matrix only reads: one world for the module (tests/conftest.py), each test's writes rolled back."""
    return module_world


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_the_same_url_with_the_own_trusts_object_reaches_it(world, route):
    """The positive control: with the trust's own object some role is answered (a page, a redirect after a POST,
    a form's errors), so the 404s above come from the trust check, not from an object of the wrong kind."""
    url = url_of(route, world.a)
    prepare(route, world)
    answers: dict[str, tuple[int, int]] = {}
    for role in ROLES:
        client = client_for(world.a.users[role])
        answers[role] = (client.get(url).status_code, client.post(url).status_code)
    assert all(status in {200, 302, 400, 403, 404, 405} for pair in answers.values() for status in pair), answers
    reached = [role for role, (get, post) in answers.items() if get == 200 or post in {200, 302, 400}]
    assert reached, f"no role of the trust reaches {url} (GET, POST): {answers}"


def mixed_urls(route: Route, world: World) -> list[tuple[str, str]]:
    """The route with every object of the own trust but one, which is the other trust's (an own plan with the
    other trust's target, the other trust's plan with an own target...), beside the same with a random id there."""
    objects = [arg for arg in route.arguments if arg not in NOT_OBJECTS]
    urls = []
    for foreign in objects:
        given = {arg: filler(route, arg)(world.b if arg == foreign else world.a) for arg in route.arguments}
        urls.append((url_of(route, world.a, **given), url_of(route, world.a, **{**given, foreign: uuid.uuid4()})))
    return urls


@pytest.mark.parametrize("route", NESTED_ROUTES, ids=lambda r: r.name)
def test_an_own_parent_with_the_other_trusts_child_is_as_if_it_did_not_exist(world, route):
    """404, or the role's 403 that comes before the lookup: the answer is the one a random id gets, so it tells
    nothing about the other trust's object; and it never shows it."""
    leaks = markers_of(world.b)
    for url, random_url in mixed_urls(route, world):
        statuses = set()
        for role in ROLES:
            client = client_for(world.a.users[role])
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                what = f"{role} {method.upper()} {url}"
                assert response.status_code in {403, 404, 405}, f"{what}: {response.status_code}"
                assert response.status_code == getattr(client, method)(random_url).status_code, what
                assert not [m for m in leaks if m in body_of(response)], what
                statuses.add(response.status_code)
        assert 404 in statuses, f"{url}: no role reached the lookup ({statuses})"


def test_the_matrix_mixes_parents_and_children():
    """The nested routes are found by the walk: a parent with its child (plan and target, group and member...)."""
    names = {route.name for route in NESTED_ROUTES}
    assert {"reviews:target_edit", "reviews:ehc_outcome", "provision:member_edit", "pupils:document_remove"} <= names
