"""An e-mail backend for tests that run a real Celery worker: every message becomes one file, and the worker can be
made to stop, once, just before handing over a chosen message, so that a test can kill it there.

Set in the worker's environment:
- EMAIL_BACKEND=tests.reviews.slow_mail.EmailBackend
- SLOW_MAIL_DIR: where each message is written, as `<n>-<pid>-<random>.eml` (one file each, written atomically);
- SLOW_MAIL_PAUSE_AT: the message before which to stop (1 is the first; 0, the default, never stops);
- SLOW_MAIL_PAUSE_SECONDS: how long to stop (60 by default).

It stops only while the file `pause-once` exists in SLOW_MAIL_DIR, and deletes that file first: the run that
comes after a kill goes through. While stopped, `paused.pid` in SLOW_MAIL_DIR holds the process id of the
process that is sending (under prefork, the pool's child that executes the task).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

PAUSE_ONCE = "pause-once"
PAUSED_PID = "paused.pid"
SUFFIX = ".eml"


def outbox(directory: Path) -> list[Path]:
    """The messages written so far, oldest first."""
    return sorted(directory.glob(f"*{SUFFIX}"), key=lambda path: int(path.name.split("-", 1)[0]))


def read_message(path: Path) -> dict[str, str]:
    """The headers of one written message (Message-ID, To, Pid)."""
    fields = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        directory = Path(os.environ["SLOW_MAIL_DIR"])
        pause_at = int(os.environ.get("SLOW_MAIL_PAUSE_AT", "0"))
        sent = 0
        for message in email_messages:
            number = len(outbox(directory)) + 1
            if number == pause_at:
                self._pause_once(directory)
            text = (
                f"Message-ID: {message.extra_headers.get('Message-ID', '')}\n"
                f"To: {', '.join(message.recipients())}\n"
                f"Pid: {os.getpid()}\n"
                f"Subject: {message.subject}\n"
            )
            _write_atomically(directory / f"{number}-{os.getpid()}-{uuid.uuid4().hex}{SUFFIX}", text)
            sent += 1
        return sent

    @staticmethod
    def _pause_once(directory: Path) -> None:
        try:
            (directory / PAUSE_ONCE).unlink()
        except FileNotFoundError:
            return
        _write_atomically(directory / PAUSED_PID, str(os.getpid()))
        time.sleep(float(os.environ.get("SLOW_MAIL_PAUSE_SECONDS", "60")))
