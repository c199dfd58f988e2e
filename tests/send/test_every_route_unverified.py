"""Every URL pattern, filled with real objects: nobody gets data without signing in fully.

- Anonymous: the sign-in page (a redirect to it), or 401/403 from the API, never data.
- A teacher (a role that needs a second factor) signed in with the password only: the second-factor page, never
  data (a teacher with an authenticator is sent to enter its code; one without, to set one up).
- Positive control: the same addresses answer a fully signed-in user (a role of the trust, a platform superuser
  for the Django admin, an API client for the API), so a filler of the wrong kind, which would make every answer
  a 404, fails here instead of passing for the wrong reason.

The routes come from the URL conf (tests/routes.py); a new one joins by itself, and one whose arguments cannot be
filled, or an unnamed pattern without an example address, fails the suite.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.test_api_matrix import OBJECTS, with_sen_records
from tests.conftest import client_for
from tests.factories import World
from tests.routes import Route, all_routes, can_fill, prepare, unnamed_patterns, url_of

pytestmark = pytest.mark.django_db

ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]
ROUTES = all_routes()
PAGES = [r for r in ROUTES if r.namespace not in {"admin", "api"}]
ADMIN = [r for r in ROUTES if r.namespace == "admin"]
API = [r for r in ROUTES if r.namespace == "api"]

# Pages anyone may open, and what an anonymous visitor gets there (never a pupil's data).
PUBLIC = {
    "login": "the sign-in page",
    "password_reset": "asks for an email address",
    "password_reset_done": "says a link was sent",
    "password_reset_complete": "says the password was changed",
    "password_reset_confirm": "a signed token for a user (a wrong one here: the page says the link is invalid)",
    "healthz": "whether the parts run, no data",
    "admin:login": "the Django admin's sign-in page",
    "api_schema": "the OpenAPI description of the API: no data (tests/api/test_api_schema.py)",
    "api_docs": "the API's documentation page: no data",
    "logout": "signing out",
    "admin:logout": "signing out (the Django admin's page)",
    "admin:view_on_site": "Django's redirect to an object's own page: no model in the admin has one, so 404",
}
# The one address that gives data without a session: the token in it is the credential.
SECRET_ADDRESSES = {"reviews:calendar_feed": "a calendar app's secret address (tests/reviews/deadlines)"}
# Pages a password-only user may open before the second factor, besides the public ones.
BEFORE_SECOND_FACTOR = {
    "mfa_setup": "setting up an authenticator",
    "mfa_verify": "entering its code",
}
# Arguments that are not objects of the world.
GIVEN = {"password_reset_confirm": {"uidb64": "MQ", "token": "wrong-token"}}
# Unnamed patterns and the address the sweep opens for each; the Django admin's `<app>/<model>/<id>/` redirects
# are filled from the admin's objects (a new unnamed pattern with neither fails the suite).
UNNAMED = {
    "^api/": "/api/v2/pupils/",
    "django-admin/(?P<url>.*)$": "/django-admin/no-such-page/",
}
ADMIN_OBJECT_REDIRECT = "<path:object_id>/"


@pytest.fixture(scope="module")
def shared(module_world: World) -> dict[str, Any]:
    """The module's world (tests/conftest.py), with the API's records and an object of every admin model."""
    with_sen_records(module_world.a)
    return {"world": module_world, "admin": admin_objects(module_world)}


def admin_objects(world: World) -> dict[str, Any]:
    """An object of every model in the Django admin, by `<app_label>_<model_name>`, and a verified superuser."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib import admin
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import UserFactory

    superuser = UserFactory(email="root@platform.example", is_superuser=True, is_staff=True)
    teacher = world.a.users["teacher"]
    made = [
        Group.objects.create(name="Platform staff"),
        TOTPDevice.objects.create(user=teacher, name="Phone", confirmed=True),
        StaticDevice.objects.create(user=teacher, name="backup", confirmed=True),
        AccessAttempt.objects.create(
            username="x@example.org", ip_address="192.0.2.1", user_agent="t", failures_since_start=1
        ),
        AccessLog.objects.create(username="x@example.org", ip_address="192.0.2.1", user_agent="t"),
        AccessFailureLog.objects.create(username="x@example.org", ip_address="192.0.2.1", user_agent="t"),
        world.a.trust,
        teacher,
    ]
    objects: dict[str, Any] = {f"{o._meta.app_label}_{o._meta.model_name}": o for o in made}
    missing = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry} - set(objects)
    assert not missing, f"Make an object of these admin models for the sweep: {sorted(missing)}"
    objects["superuser"] = superuser
    return objects


def admin_url(route: Route, objects: dict[str, Any]) -> str:
    from django.contrib.contenttypes.models import ContentType

    trust = objects["schools_trust"]
    given = {
        "app_label": "schools",
        "content_type_id": ContentType.objects.get_for_model(trust).pk,
        "id": objects["schools_user"].pk,
        "pk": objects["otp_totp_totpdevice"].pk,
    }
    if route.name == "admin:view_on_site":
        given["object_id"] = trust.pk
    elif "object_id" in route.arguments:
        model = next(key for key in objects if route.name.startswith(f"admin:{key}_"))
        given["object_id"] = objects[model].pk
    return reverse(route.name, kwargs={arg: given[arg] for arg in route.arguments})


def address(route: Route, shared: dict[str, Any]) -> str:
    if route.namespace == "admin":
        return admin_url(route, shared["admin"])
    if route.namespace == "api":
        return api_url(route, shared["world"])
    return url_of(route, shared["world"].a, **GIVEN.get(route.name, {}))


def api_url(route: Route, world: World) -> str:
    if not route.arguments:
        return reverse(route.name)
    resource = route.name.removeprefix("api:").removesuffix("-detail")
    return reverse(route.name, kwargs={"id": OBJECTS[resource](world.a).uuid})


def unnamed_address(pattern: str, shared: dict[str, Any]) -> str:
    if pattern in UNNAMED:
        return UNNAMED[pattern]
    assert pattern.startswith("django-admin/") and pattern.endswith(ADMIN_OBJECT_REDIRECT), (
        f"Give the sweep an address for the unnamed URL pattern {pattern!r} (UNNAMED)"
    )
    app, model = pattern.split("/")[1:3]
    return "/" + pattern.replace(ADMIN_OBJECT_REDIRECT, f"{shared['admin'][f'{app}_{model}'].pk}/")


def markers(world: World) -> list[str]:
    """What would betray a pupil on a page."""
    return [text for p in world.a.pupils for text in (f"{p.legal_first_name} {p.legal_last_name}", p.upn)]


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def redirect_path(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path if response.status_code == 302 else ""


def no_data(response: Any, world: World, what: str) -> None:
    assert response.status_code != 500, what
    leaks = [m for m in markers(world) if m in body_of(response)]
    assert not leaks, f"{what} shows {leaks}"


def test_every_route_is_in_the_sweep(shared):
    unfilled = [r.name for r in PAGES if not can_fill(r) and r.name not in GIVEN]
    assert not unfilled, f"Teach tests/routes.py FILLERS how to fill: {unfilled}"
    for pattern in unnamed_patterns():
        assert unnamed_address(pattern, shared)
    assert len(PAGES) > 100 and ADMIN and API


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_gets_the_sign_in_page_or_401_never_data(shared, route):
    world, url = shared["world"], address(route, shared)
    client = Client()
    sign_in = reverse("admin:login") if route.namespace == "admin" else reverse("login")
    statuses = {}
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        statuses[method] = response.status_code
        no_data(response, world, f"anonymous {method.upper()} {url}")
        if route.name in SECRET_ADDRESSES:
            continue
        if route.name in PUBLIC:
            assert response.status_code in {200, 302, 404, 405, 503}, f"{method.upper()} {url}: {response.status_code}"
        elif route.namespace == "api":
            assert response.status_code in {401, 403}, f"{method.upper()} {url}: {response.status_code}"
        else:
            assert response.status_code in {302, 405}, f"{method.upper()} {url}: {response.status_code}"
            if response.status_code == 302:
                assert redirect_path(response) == sign_in, f"{method.upper()} {url} -> {response.headers['Location']}"
    if route.name not in PUBLIC and route.name not in SECRET_ADDRESSES and route.namespace != "api":
        assert 302 in statuses.values(), f"{url}: no method reached the sign-in check ({statuses})"


@pytest.mark.parametrize("pattern", unnamed_patterns())
def test_anonymous_gets_nothing_from_the_unnamed_patterns(shared, pattern):
    url = unnamed_address(pattern, shared)
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        no_data(response, shared["world"], f"anonymous {method.upper()} {url}")
        assert response.status_code in {302, 404}, f"{method.upper()} {url}: {response.status_code}"
        if response.status_code == 302:
            assert redirect_path(response) in {reverse("admin:login"), reverse("login")}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_password_only_teacher_gets_the_second_factor_page_never_data(shared, route):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world, url = shared["world"], address(route, shared)
    with_app = world.a.users["teacher"]  # has an authenticator: sent to enter its code
    without_app = world.a.users["ta"]  # has none yet: sent to set one up
    assert TOTPDevice.objects.filter(user=with_app, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(user=without_app).exists()
    for user, page in ((with_app, reverse("mfa_verify")), (without_app, reverse("mfa_setup"))):
        client = client_for(user, verified=False)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            what = f"{user.email} (password only) {method.upper()} {url}"
            no_data(response, world, what)
            if route.name in PUBLIC or route.name in BEFORE_SECOND_FACTOR or route.name in SECRET_ADDRESSES:
                continue
            if route.namespace == "api":
                assert response.status_code in {401, 403}, f"{what}: {response.status_code}"
            else:
                assert response.status_code == 302 and redirect_path(response) == page, (
                    f"{what}: {response.status_code} {response.headers.get('Location')}"
                )


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_the_same_addresses_answer_a_fully_signed_in_user(shared, route):
    """The positive control: a right filler reaches the object, so the refusals above are not 404s in disguise."""
    world, url = shared["world"], address(route, shared)
    prepare(route, world)
    if route.namespace == "api":
        from tests.api.conftest import api_for

        http, _ = api_for(world.a)
        response = http.get(url)
        if response.status_code == 405:  # the bulk routes take only POST
            response = http.post(url, [], format="json")
        assert response.status_code in CONTROL.get(route.name, {200}), f"API GET {url}: {response.status_code}"
        return
    if route.namespace == "admin":
        response = client_for(shared["admin"]["superuser"]).get(url)
        assert response.status_code in CONTROL.get(route.name, {200}), f"superuser GET {url}: {response.status_code}"
        return
    answers: dict[str, int] = {}
    for role in ROLES:
        response = client_for(world.a.users[role]).get(url)
        answers[role] = response.status_code
        if response.status_code in CONTROL.get(route.name, {200}):
            return
    for role in ROLES:  # a page that only takes POST: an empty form is refused, not a 404
        response = client_for(world.a.users[role]).post(url)
        answers[f"{role} POST"] = response.status_code
        if response.status_code in {200, 302, 400}:
            return
    pytest.fail(f"no role of the trust reaches {url}: {answers}")


# What the positive control accepts where it is not 200, and why.
CONTROL: dict[str, set[int]] = {
    "healthz": {200, 503},  # 503 here: no Celery worker has left its heartbeat in the suite's Redis
    "admin:login": {302},  # a signed-in superuser is sent on to the admin's index
    "admin:logout": {405},  # signing out takes a POST
    "admin:view_on_site": {404},  # no model in the admin has a page of its own
    "admin:autocomplete": {403},  # no admin form completes a field (403 without one)
    "admin:axes_accessattempt_add": {403},  # sign-in failures are recorded, never added by hand
    "admin:axes_accessfailurelog_add": {403},
    "admin:axes_accesslog_add": {403},
    "admin:otp_totp_totpdevice_config": {403},  # OTP keys are never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA)
    "admin:otp_totp_totpdevice_qrcode": {403},
}
