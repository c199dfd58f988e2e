"""Production settings refuse development defaults; the set-up names a missing service and how to start it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


SETUP = ["-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'send.settings'); django.setup()"]


def test_with_debug_off_the_app_refuses_to_start_without_real_settings():
    result = run(SETUP, {"DEBUG": "0"})
    assert result.returncode != 0
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        assert name in result.stderr


def test_with_debug_off_a_wildcard_host_or_short_key_is_refused():
    result = run(
        SETUP, {"DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "*", "DATABASE_URL": "postgresql://x@y/z"}
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr and "ALLOWED_HOSTS" in result.stderr


def test_with_debug_off_and_real_settings_the_app_starts():
    result = run(
        SETUP,
        {
            "DEBUG": "0",
            "SECRET_KEY": "k" * 50,
            "ALLOWED_HOSTS": "send.example.org",
            "DATABASE_URL": "postgresql://send_app:x@127.0.0.1:5432/send",
        },
    )
    assert result.returncode == 0, result.stderr


def test_the_service_check_names_the_unreachable_service_and_how_to_start_it():
    result = run(["scripts/check_services.py"], {"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Redis is not reachable") and "redis-server" in lines[0]


def test_the_service_check_passes_when_both_run():
    assert run(["scripts/check_services.py"], {}).returncode == 0


def test_the_deployment_checklist_passes_with_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {
            "DEBUG": "0",
            "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghij",
            "ALLOWED_HOSTS": "send.example.org",
            "DATABASE_URL": "postgresql://send_app:send_app@127.0.0.1:5432/send",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_host_prefixed_secure_httponly_and_lax():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'send.settings'); django.setup();"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = run(
        ["-c", code],
        {
            "DEBUG": "0",
            "SECRET_KEY": "k" * 50,
            "ALLOWED_HOSTS": "send.example.org",
            "DATABASE_URL": "postgresql://send_app:x@127.0.0.1:5432/send",
        },
    )
    assert result.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "True", "Lax", "True"]
