"""The idle expiry slides without writing the session row on every request.

Django's SESSION_SAVE_EVERY_REQUEST writes the session (an UPDATE and a commit) on every page view, only to move
its expiry on by a few seconds. Here a signed-in session is saved when something in it changed, as usual, or when
its last save is older than SESSION_REFRESH_SECONDS (a minute): an idle session still ends SESSION_COOKIE_AGE
after the last request, give or take that minute, and a busy user costs one write a minute instead of one a page.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REFRESHED_AT = "refreshed_at"


class SessionRefreshMiddleware:
    """Sits just inside SessionMiddleware, which saves the session when it is marked modified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = time.time()
        last = session.get(REFRESHED_AT)
        stale = not isinstance(last, int | float) or now - last >= settings.SESSION_REFRESH_SECONDS
        if stale or session.modified:
            session[REFRESHED_AT] = now  # marks it modified: SessionMiddleware saves it with a new expiry
        return response
