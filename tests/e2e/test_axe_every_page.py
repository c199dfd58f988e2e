"""axe on every page: each GET route of the URL conf, filled with a test world's objects (tests/routes.py), opened in
Chromium by the first role that may open it, and checked by axe-core (serious and critical fail; moderate ones are
listed in the output).

Which role may open a page is asked of the app itself (a signed-in test client, as the route sweeps do); a page
that no role opens with a GET (a POST-only action, a download that redirects) is listed as such. A new GET route
joins the sweep by itself, and one whose arguments cannot be filled fails it.
"""

from __future__ import annotations

from binascii import unhexlify
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import client_for
from tests.e2e.conftest import AXE
from tests.factories import PASSWORD, World, build_world
from tests.routes import Route, all_routes, can_fill, url_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ROLES = ["senco", "lead", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]
# Outside this sweep, and why.
NOT_SWEPT = {
    "admin": "the Django admin's own pages (Django's markup, platform superusers only)",
    "api": "JSON, not pages",
}
OUTSIDE_THE_SWEEP = {
    "api_docs": "Swagger UI's own page for API developers (its markup, upstream: no lang, nested controls)",
    "password_reset_confirm": "a signed link (opened by the sign-in tests)",
    "reviews:calendar_feed": "a calendar file",
}
PAGES = [r for r in all_routes() if r.namespace not in NOT_SWEPT and r.name not in OUTSIDE_THE_SWEEP]


@pytest.fixture(scope="module")
def axe_world(live_url: str, django_db_blocker: Any) -> dict[str, Any]:
    """A world committed in the live server's database, each person with the demo authenticator's key, and who
    opens each page. Asked here, committed, before any test's transaction: a test client's sign-in inside one
    would hold the person's row, and the browser's sign-in of the same person would wait on it."""
    with django_db_blocker.unblock():
        world = build_world()
        for user in world.a.users.values():
            TOTPDevice.objects.create(user=user, name="Axe app", key=settings.DEMO_TOTP_KEY_HEX, confirmed=True)
        clients = {role: client_for(world.a.users[role]) for role in ROLES}
        openers = {route.name: who_opens(route, world, clients) for route in PAGES}
    return {"world": world, "openers": openers}


def who_opens(route: Route, world: World, clients: dict[str, Any]) -> tuple[str, str] | None:
    """The first role that gets an HTML page from a GET, and the address; None if nobody does."""
    url = url_of(route, world.a)
    for role in ROLES:
        response = clients[role].get(url)
        if response.status_code == 200 and response.headers.get("Content-Type", "").startswith("text/html"):
            return role, url
    return None


@pytest.fixture(scope="module")
def signed_in(browser: Any, live_url: str, axe_world: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One browser context per role, signed in with both factors through the real pages (made when first needed)."""
    contexts: dict[str, Any] = {}

    def page_for(role: str) -> Any:
        if role not in contexts:
            context = browser.new_context(bypass_csp=True)  # axe-core is injected as an inline script
            page = context.new_page()
            page.goto(f"{live_url}/accounts/login/")
            page.get_by_label("Email").fill(axe_world["world"].a.users[role].email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            page.get_by_label("Code").fill(f"{TOTP(unhexlify(settings.DEMO_TOTP_KEY_HEX)).token():06d}")
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state()
            assert "/account/two-factor/" not in page.url and "/login/" not in page.url, page.url
            contexts[role] = page
        return contexts[role]

    yield {"page_for": page_for}
    for page in contexts.values():
        page.context.close()


def test_every_page_can_be_filled():
    assert not [r.name for r in PAGES if not can_fill(r)], "teach tests/routes.py FILLERS these arguments"
    assert len(PAGES) > 100


@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.name)
def test_axe_finds_nothing_serious_on_the_page(route, axe_world, signed_in, live_url):
    with_role = axe_world["openers"][route.name]
    if with_role is None:
        pytest.skip("no role gets a page from a GET here (an action or a download)")
    role, url = with_role
    page = signed_in["page_for"](role)
    response = page.goto(live_url + url)
    assert response is not None and response.status == 200, f"{role} {url}: {response and response.status}"
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    moderate = [v["id"] for v in results["violations"] if v.get("impact") == "moderate"]
    if moderate:
        print(f"moderate on {url} ({role}): {moderate}")
    bad = [v for v in results["violations"] if v.get("impact") in {"serious", "critical"}]
    assert not bad, f"{role} {url}:\n" + "\n".join(
        f"{v['impact']}: {v['id']} – {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in bad
    )
