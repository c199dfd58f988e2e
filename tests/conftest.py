"""The suite creates its database as the owner role, then runs every test query as the app role.

So row-level security, the grants and the audit's append-only rule are exercised by every test, not only
by the few that test them directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import dj_database_url
import pytest
from django.db import connections
from django.test import Client

from tests.factories import World, build_world


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    app_url = os.environ.get("TEST_APP_DATABASE_URL")
    connection = connections["default"]
    owner = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    if app_url:
        app = dj_database_url.parse(app_url)
        with django_db_blocker.unblock():
            connection.close()
            connection.settings_dict["USER"] = app["USER"]
            connection.settings_dict["PASSWORD"] = app["PASSWORD"]
    yield
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(owner)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Hashing cost is not under test here; Argon2/PBKDF2 would make each user take a tenth of a second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def lenient_wrong_token_limit(settings: Any) -> None:
    """Tests share one Redis and one address; the per-address limit has its own test."""
    settings.API_TOKEN_FAILURES_PER_ADDRESS = 1_000_000


@pytest.fixture
def world(db: None) -> World:
    """Two trusts, each with schools, classes, pupils and one user per role."""
    return build_world()


def client_for(user: Any, verified: bool = True) -> Client:
    """A signed-in client; by default past the second factor and recently re-authenticated, as after sign-in."""
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="Test app", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session["reauthenticated_at"] = timezone.now().timestamp()
        session["refreshed_at"] = timezone.now().timestamp()  # as a sign-in leaves it (send.sessions)
        session.save()
    return client


@pytest.fixture
def login() -> Any:
    return client_for


@pytest.fixture(scope="module")
def module_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """One world for a module's tests that only read it, rolled back at the module's end (each test's own writes
    are rolled back by its own transaction, nested inside this one): the route sweeps run hundreds of tests."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# The measures printed at the end of a run (routes, rules and pages the sweeps proved): tests/measures.py.
from tests.measures import pytest_runtest_logreport, pytest_terminal_summary  # noqa: E402, F401
