"""The Docker image serves pages: static files built the Dockerfile's way, and a page rendered with DEBUG off.

With DEBUG off, WhiteNoise's manifest storage needs the manifest that `collectstatic` writes with those settings;
without it every page that links a stylesheet is a 500. Both steps run in child processes, because the settings
are read once, at start-up.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)

RENDER = """
import django
django.setup()
from django.test import Client
client = Client()
page = client.get("/accounts/login/", secure=True, HTTP_HOST="build.invalid")
assert page.status_code == 200, page.status_code
html = page.content.decode()
found = re.search(r'href="(/static/build/app\\.[0-9a-f]{12}\\.css)"', html)
assert found, "no hashed stylesheet in the page"
sheet = client.get(found.group(1), secure=True, HTTP_HOST="build.invalid")
assert sheet.status_code == 200, sheet.status_code
assert b"".join(sheet.streaming_content if sheet.streaming else [sheet.content])
print("served", found.group(1))
"""


def dockerfile_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The Dockerfile's collectstatic step: the environment it sets and the command it runs."""
    text = (BASE / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("RUN") and "collectstatic" in line)
    words = shlex.split(line.removeprefix("RUN"))
    environment = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        environment[name] = value
    return environment, words


def test_the_dockerfile_collects_static_files_with_production_settings(tmp_path: Path) -> None:
    environment, command = dockerfile_collectstatic()
    assert environment.get("DEBUG") == "0" and command[:3] == ["python", "manage.py", "collectstatic"]
    env = {**os.environ, **environment, "STATIC_ROOT": str(tmp_path / "static")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    build = subprocess.run(
        [sys.executable, *command[1:]], cwd=BASE, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert build.returncode == 0, build.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()

    page = subprocess.run(
        [sys.executable, "-c", "import re\n" + RENDER],
        cwd=BASE,
        env={**env, "DJANGO_SETTINGS_MODULE": "send.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert page.returncode == 0, page.stderr[-3000:]
    assert "served /static/build/app." in page.stdout
