"""The README's first command works on a fresh clone: `make run`, then a demo SENCO signs in and opens the register.

The clone is this repository's HEAD with the working tree's uncommitted changes copied over it (modified and
new files that git does not ignore; deleted files removed), so `make test` before a commit tests what is about to
be committed. Nothing of this checkout is reused: `make run` makes its own `.venv`, `node_modules` and `var/`,
a database of its own (named after this session's test database) and uses a Redis database of its own
(`FRESH_CLONE_REDIS_URL`, default db 1: 0 is development's, 15 the suite's). Every process it started is stopped
at the end, and the test fails if one outlives the stop.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
SUPERUSER_URL = os.environ.get("PG_SUPERUSER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FRESH_CLONE_REDIS_URL", "redis://127.0.0.1:6379/1")
# pip install, npm ci, migrate and the demo seed on a 2-core machine; then the web server and the worker.
READY_WITHIN_SECONDS = int(os.environ.get("FRESH_CLONE_TIMEOUT", "900"))
# Variables of this test session that would point the clone at this checkout's folders or settings.
NOT_PASSED_ON = ("DJANGO_", "PRIVATE_STORAGE_ROOT", "MEDIA_ROOT", "STATIC_ROOT", "TEST_", "VIRTUAL_ENV", "PYTEST_")
NOT_PASSED_ON += ("CELERY_", "CACHE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "HEALTHZ_", "DATABASE_", "REDIS_")

pytestmark = pytest.mark.django_db


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def clone_working_tree(into: Path) -> None:
    """HEAD, then the uncommitted changes of the working tree on top."""
    git("clone", "--quiet", "--no-checkout", str(ROOT), str(into))
    git("checkout", "--quiet", "--detach", git("rev-parse", "HEAD").strip(), cwd=into)
    for name in git("ls-files", "--modified", "--others", "--exclude-standard", "-z").split("\0"):
        source = ROOT / name
        if not name:
            continue
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
        elif not source.exists():
            (into / name).unlink(missing_ok=True)


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def drop_database(name: str) -> None:
    with psycopg.connect(SUPERUSER_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def processes_under(folder: Path) -> list[int]:
    """Processes running in the clone (each `make run` part runs with the clone as its working directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = Path(os.readlink(entry / "cwd"))
            except OSError:
                continue
            if cwd == folder or folder in cwd.parents:
                found.append(int(entry.name))
    return found


@pytest.fixture
def clone() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="send-fresh-clone-") as folder:
        path = Path(folder).resolve() / "send"
        clone_working_tree(path)
        yield path


class Browserless:
    """A cookie-keeping client for the real pages: GET, and POST with the page's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, form: str, fields: dict[str, str]) -> tuple[int, str, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token, "the form has no CSRF token"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode(errors="replace")


def wait_for_health(base: str, server: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"make run stopped (exit {server.returncode}):\n{log.read_text()[-4000:]}"
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    pytest.fail(f"/healthz did not answer 200 within {READY_WITHIN_SECONDS}s:\n{log.read_text()[-4000:]}")


def demo_code(steps_ahead: int = 0) -> str:
    from binascii import unhexlify

    from django_otp.oath import TOTP

    totp = TOTP(unhexlify(settings.DEMO_TOTP_KEY_HEX))
    totp.drift = steps_ahead
    return f"{totp.token():06d}"


def sign_in_and_open_the_register(base: str) -> None:
    web = Browserless(base)
    status, _, page = web.get("/accounts/login/")
    assert status == 200
    status, url, page = web.post(
        "/accounts/login/", page, {"username": "senco@oakfield.example", "password": settings.DEMO_PASSWORD}
    )
    assert status == 200 and "/account/two-factor/" in url, url
    verify = urllib.parse.urlsplit(url)
    verify_path = verify.path + ("?" + verify.query if verify.query else "")
    status, url, page = web.post(verify_path, page, {"token": demo_code()})
    if "/account/two-factor/" in url:  # this 30 seconds' code was used by an earlier run: the next is accepted
        time.sleep(1.5)
        status, url, page = web.post(verify_path, page, {"token": demo_code(steps_ahead=1)})
    assert status == 200 and "/account/two-factor/" not in url, url
    status, url, page = web.get("/pupils/")
    assert status == 200 and urllib.parse.urlsplit(url).path == "/pupils/", url
    assert ">SEND register</h1>" in page
    assert re.search(r"<tbody[^>]*>\s*<tr", page), "the demo register lists no pupil"


def test_make_run_on_a_fresh_clone_serves_the_register_to_a_demo_senco(clone: Path) -> None:
    database = f"{connection.settings_dict['NAME']}_fresh_clone"
    owner_url = f"postgresql://send_owner:send_owner@127.0.0.1:5432/{database}"
    app_url = f"postgresql://send_app:send_app@127.0.0.1:5432/{database}"
    port = spare_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(NOT_PASSED_ON)}
    environment |= {
        "DATABASE_NAME": database,
        "DATABASE_URL": app_url,
        "OWNER_DATABASE_URL": owner_url,
        "REDIS_URL": REDIS_URL,
        "PORT": str(port),
    }
    log = clone.parent / "make-run.log"
    drop_database(database)
    with log.open("w") as output:
        # A session of its own, so that stopping it reaches make, honcho and everything they started.
        server = subprocess.Popen(
            ["make", "run"], cwd=clone, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(base, server, log)
        sign_in_and_open_the_register(base)
    finally:
        stray = stop(server, clone)
        drop_database(database)
    assert not stray, f"still running after make run was stopped: {stray}"


def stop(server: subprocess.Popen[Any], clone: Path) -> list[int]:
    """SIGTERM to make's process group (honcho passes it on to the processes it started, each in a session of its
    own), then SIGKILL to whatever is left in the clone. Returns what needed the SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    deadline = time.monotonic() + 15
    while processes_under(clone) and time.monotonic() < deadline:
        time.sleep(0.5)
    stray = processes_under(clone)
    for pid in stray:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return stray
