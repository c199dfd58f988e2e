"""The load scenario (`make load`): SENCOs signing in through the real pages with both factors, then working
through the register, pupil records, the statutory calendar, the provision map, plans and the summary, and an
MIS paging through the API. Traffic goes to 127.0.0.1 only (LOAD_HOST), as a TLS-terminating proxy would send
it: `X-Forwarded-Proto: https`, and the session's Secure cookies sent over the loopback.

Environment: LOAD_HOST (http://127.0.0.1:8765), LOAD_THINK ("1": 1 to 3 seconds between pages; "0": none),
LOAD_PASSWORD, LOAD_TOTP_KEY_HEX, LOAD_API_TOKEN_FILE.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import re
import struct
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from locust import HttpUser, between, constant, task

HOST = os.environ.get("LOAD_HOST", "http://127.0.0.1:8765")
if urlparse(HOST).hostname != "127.0.0.1":
    raise SystemExit("The load test only sends traffic to 127.0.0.1.")
THINK = between(1, 3) if os.environ.get("LOAD_THINK", "1") == "1" else constant(0)
PASSWORD = os.environ.get("LOAD_PASSWORD", "oakfield-demo-2026")
KEY = bytes.fromhex(os.environ.get("LOAD_TOTP_KEY_HEX", "3132333435363738393031323334353637383930"))
TOKEN_FILE = Path(os.environ.get("LOAD_API_TOKEN_FILE", "var/load/api-token"))
PROXY = {"X-Forwarded-Proto": "https"}
NUMBERS = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PUPIL = re.compile(r'href="(/pupils/[0-9a-f-]{36}/)"')


def totp(key: bytes, at: float) -> str:
    """RFC 6238, 30-second steps, six digits (what the demo's authenticator shows)."""
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class LoopbackPolicy(DefaultCookiePolicy):
    """The proxy's TLS ends before the loopback: send the Secure (__Host-) cookies over it."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return True


class Senco(HttpUser):
    host = HOST
    wait_time = THINK
    weight = 9

    def on_start(self) -> None:
        self.client.cookies.set_policy(LoopbackPolicy())
        self.client.headers.update(PROXY)
        self.email = f"senco{next(NUMBERS) % int(os.environ.get('LOAD_USERS', '100'))}@load.oakfield.example"
        self.pupils: list[str] = []
        self.sign_in()

    def post(self, path: str, data: dict[str, str], name: str) -> Any:
        page = self.client.get(path, name=f"{name} (form)")
        token = CSRF.search(page.text)
        data = {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
        return self.client.post(path, data, name=name, headers={"Referer": f"https://127.0.0.1{path}"})

    def sign_in(self) -> None:
        self.post("/accounts/login/", {"username": self.email, "password": PASSWORD}, "sign in: password")
        for _ in range(3):  # a code is good once per device: wait for the next one if this one was just used
            response = self.post("/account/two-factor/", {"token": totp(KEY, time.time())}, "sign in: second factor")
            if "/account/two-factor/" not in response.url:
                return
            time.sleep(30 - time.time() % 30 + 0.5)

    @task(4)
    def register(self) -> None:
        page = self.client.get("/pupils/", name="register")
        self.pupils = PUPIL.findall(page.text)[:20] or self.pupils

    @task(4)
    def pupil_record(self) -> None:
        if self.pupils:
            self.client.get(self.pupils[int(time.time() * 1000) % len(self.pupils)], name="pupil record")

    @task(2)
    def statutory_calendar(self) -> None:
        self.client.get("/reviews/statutory/", name="statutory calendar")

    @task(2)
    def provision_map(self) -> None:
        self.client.get("/provision/", name="provision map")

    @task(1)
    def plans(self) -> None:
        self.client.get("/reviews/", name="plans")

    @task(1)
    def summary(self) -> None:
        self.client.get("/reports/summary/", name="summary")


class Mis(HttpUser):
    """An MIS reading every pupil through the API, a page of 100 at a time."""

    host = HOST
    wait_time = THINK
    weight = 1

    def on_start(self) -> None:
        self.client.headers.update({**PROXY, "Authorization": f"Bearer {TOKEN_FILE.read_text().strip()}"})
        self.next: str | None = None

    @task
    def page(self) -> None:
        path = urlparse(self.next).path + "?" + urlparse(self.next).query if self.next else "/api/v1/pupils/"
        response = self.client.get(path, name="API: pupils, page of 100")
        self.next = response.json().get("next") if response.ok else None
