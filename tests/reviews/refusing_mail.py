"""A mail backend for tests: the relay refuses some recipients for good and is down for others, and keeps the
rest in django.core.mail.outbox like the locmem backend."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.locmem import EmailBackend

REFUSED_PREFIX = "refused-"
DOWN_PREFIX = "down-"


class RefusingBackend(EmailBackend):
    def send_messages(self, messages: Sequence[Any]) -> int:
        for message in messages:
            for address in message.recipients():
                if address.startswith(REFUSED_PREFIX):
                    raise smtplib.SMTPRecipientsRefused({address: (550, b"No such user")})
                if address.startswith(DOWN_PREFIX):
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
