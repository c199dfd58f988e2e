"""Browser tests: Playwright driving Debian's Chromium against a live server, axe-core on every page.

They run in their own pytest session (`pytest -m browser`, see the Makefile): the live server needs
committed data, which this session's database (created and dropped by pytest-django) can hold freely.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.db import connection, connections
from django.test.testcases import LiveServerThread

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_url(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "browser tests must not touch a real database"
        # Request threads close their connections, so the test database can be dropped at the end.
        connection.settings_dict["CONN_MAX_AGE"] = 0
        call_command("seed_demo", force=True, verbosity=0)
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=None, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://127.0.0.1:{server.port}"
        finally:
            server.terminate()


@pytest.fixture(scope="session")
def browser(live_url: str) -> Iterator[Any]:
    """Started after the live server: Playwright runs an event loop that Django would refuse to query from."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own database use (the per-test
    # transaction of the django_db mark, which makes pytest-django create the test database) is synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # axe-core is injected as an inline script, which our Content-Security-Policy rightly refuses.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def check_accessibility(page: Any) -> None:
    """Run axe-core on the page; any serious or critical violation fails the test, listed."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in results["violations"] if v.get("impact") in {"serious", "critical"}]
    assert not bad, "\n".join(
        f"{v['impact']}: {v['id']} – {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in bad
    )


def sign_in(page: Any, live_url: str, email: str, check: bool = True) -> None:
    page.goto(f"{live_url}/accounts/login/")
    if check:
        check_accessibility(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/account/two-factor/" in page.url:
        if check:
            check_accessibility(page)
        enter_code(page, "Continue", still_at="/account/two-factor/")


def enter_code(page: Any, button: str, still_at: str) -> None:
    """Type the authenticator's code; if it was already used (an earlier step in the same 30 seconds), wait out
    the one-second throttle after a failure and take the next code, which the server's drift tolerance accepts."""
    page.get_by_label("Code").fill(demo_totp_code())
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    if still_at in page.url:
        page.wait_for_timeout(1500)
        page.get_by_label("Code").fill(demo_totp_code(steps_ahead=1))
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()


def demo_totp_code(steps_ahead: int = 0) -> str:
    """What an authenticator app holding the README's demo secret shows now (or the next code: a code is
    accepted once, and the server allows one step of clock drift)."""
    from binascii import unhexlify

    from django_otp.oath import TOTP

    totp = TOTP(unhexlify(settings.DEMO_TOTP_KEY_HEX))
    totp.drift = steps_ahead
    return f"{totp.token():06d}"


@pytest.fixture(autouse=True)
def close_test_connections(django_db_blocker: Any) -> Iterator[None]:
    """Each test's transaction may run on a connection of its own (Playwright's greenlet context):
    close it after the test, so that the test database can be dropped at the end."""
    yield
    with django_db_blocker.unblock():
        connections.close_all()


@pytest.fixture(autouse=True)
def fast_password_hashing() -> None:
    """The demo users were saved with the real hasher, which the live server must keep accepting."""
