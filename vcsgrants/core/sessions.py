"""Sessions that end after a spell without use (SESSION_COOKIE_AGE, 2 hours by default).

Django moves a session's end on only when the session is saved. SESSION_SAVE_EVERY_REQUEST would
save it on every request: a database write per page for every user. This middleware saves it at
most once a minute instead, so a session ends between 2 hours less a minute and 2 hours after
its last request, and a busy page costs no extra write.
"""

from __future__ import annotations

import time

TOUCHED_KEY = "_idle_touched"
REFRESH_AFTER_SECONDS = 60


class IdleSessionMiddleware:
    """List it after SessionMiddleware, so that SessionMiddleware saves what it marks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return response  # no session (an anonymous visitor), or one that has just been flushed
        now = int(time.time())
        if now - int(session.get(TOUCHED_KEY, 0)) >= REFRESH_AFTER_SECONDS:
            session[TOUCHED_KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response


def mark_touched_on_sign_in(sender, request, user, **kwargs):
    """Signing in saves the session anyway: note the time, so the next minute's requests save nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[TOUCHED_KEY] = int(time.time())
