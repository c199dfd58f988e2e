"""Say in one line which service is not reachable and how to start it."""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlparse

SERVICES = [
    (
        "PostgreSQL",
        os.environ.get("PG_SUPERUSER_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        5432,
        "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        " (or: sudo systemctl start postgresql)",
    ),
    (
        "Redis",
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        6379,
        "start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 (or: sudo systemctl start redis)",
    ),
]


def main() -> int:
    failed = 0
    for name, url, default_port, how in SERVICES:
        parsed = urlparse(url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError:
            print(f"{name} is not reachable at {host}:{port}; {how}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
