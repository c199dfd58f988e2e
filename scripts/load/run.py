"""`make load`: gunicorn configured as in docker-compose.yml, driven by Locust at 10, 50 and 100 users.

Starts `gunicorn send.wsgi:application --workers 3` with production settings (DEBUG off, static files collected
the Dockerfile's way) on 127.0.0.1 only, makes the load-test users (seed_load_users), then runs
scripts/load/locustfile.py headless for each number of users, with think time and without, each for
LOAD_RUN_TIME (default 30s), and prints requests a second and p50/p95/p99 per page, errors, and the CPU the web
workers used per request. Every run is bounded: Locust stops itself, and gunicorn is stopped at the end.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import signal
import subprocess  # nosec B404 - runs manage.py, gunicorn and locust from this environment
import sys
import time
import urllib.request
from pathlib import Path

import psutil

BASE = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PORT = int(os.environ.get("LOAD_PORT", "8765"))
HOST = f"http://127.0.0.1:{PORT}"
USERS = [int(n) for n in os.environ.get("LOAD_USER_COUNTS", "10,50,100").split(",")]
RUN_TIME = os.environ.get("LOAD_RUN_TIME", "30s")
OUT = BASE / "var" / "load"
# Production settings for the web workers, as docker-compose.yml runs them; the secret is made for this run.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(48),
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://send_app:send_app@127.0.0.1:5432/send"),
}


def run(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([PYTHON, *args], cwd=BASE, env={**os.environ, **(env or {})}, check=True)  # nosec B603


def collect_static() -> None:
    """The Dockerfile's collectstatic (production settings), once: pages need WhiteNoise's manifest."""
    if not (BASE / "var" / "static" / "staticfiles.json").exists():
        print("Collecting static files with production settings (once)...", flush=True)
        run("manage.py", "collectstatic", "--noinput", "-v", "0", env=PRODUCTION)


def wait_until_up(server: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        try:
            urllib.request.urlopen(f"{HOST}/accounts/login/", timeout=2)  # nosec B310 - http on the loopback
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within a minute")


def cpu_of(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by gunicorn's master and workers."""
    process = psutil.Process(server.pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def one_run(server: subprocess.Popen[bytes], users: int, think: bool) -> list[str]:
    prefix = OUT / f"u{users}-{'think' if think else 'nothink'}"
    before = cpu_of(server)
    env = {**os.environ, "LOAD_HOST": HOST, "LOAD_THINK": "1" if think else "0", "LOAD_USERS": str(max(USERS))}
    subprocess.run(  # nosec B603 - locust against the loopback, for RUN_TIME
        [
            str(BIN / "locust"),
            "-f",
            str(BASE / "scripts" / "load" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "-u",
            str(users),
            "-r",
            str(users),
            "--run-time",
            RUN_TIME,
            "--csv",
            str(prefix),
            "--stop-timeout",
            "5",
            "--loglevel",
            "WARNING",
        ],
        cwd=BASE,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    used = cpu_of(server) - before
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    lines = ["", f"{users} users, {'1-3 s think time' if think else 'no think time'}, {RUN_TIME}:"]
    lines.append(f"  {'page':32} {'requests':>8} {'errors':>6} {'rps':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        lines.append(
            f"  {row['Name'][:32]:32} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    total = next((row for row in rows if row["Name"] == "Aggregated"), None)
    if total and int(total["Request Count"]):
        per_request = used / int(total["Request Count"]) * 1000
        lines.append(f"  web workers' CPU: {used:.1f} s, {per_request:.1f} ms a request")
    return lines


def main() -> int:
    if shutil.which("locust", path=str(BIN)) is None:
        raise SystemExit("Locust is not installed: make deps")
    OUT.mkdir(parents=True, exist_ok=True)
    collect_static()
    run("manage.py", "seed_load_users", "--users", str(max(USERS)), env={"DEBUG": "1"})
    server = subprocess.Popen(  # nosec B603 - gunicorn as docker-compose.yml's web service, on the loopback
        [str(BIN / "gunicorn"), "send.wsgi:application", "--bind", f"127.0.0.1:{PORT}", "--workers", "3"],
        cwd=BASE,
        env={**os.environ, **PRODUCTION},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    report = [f"gunicorn, 3 workers, DEBUG off, on {HOST}; {os.cpu_count()} CPUs on this machine"]
    try:
        wait_until_up(server)
        for think in (False, True):
            for users in USERS:
                lines = one_run(server, users, think)
                print("\n".join(lines), flush=True)
                report += lines
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    (OUT / "report.txt").write_text("\n".join(report) + "\n")
    print(f"\nReport in {OUT / 'report.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
