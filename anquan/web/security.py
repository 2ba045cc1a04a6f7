"""What keeps the officials' pages safe: the session cookie, CSRF tokens, rate limits, headers, quiet logs.

* The personal link is exchanged once for a session cookie (signed, HttpOnly, SameSite=Lax, Secure behind
  https) that names the contact, their link epoch and a random CSRF token; every request re-checks the
  epoch, so revoking the links also ends the sessions they opened.
* Every form carries the session's CSRF token; a POST without the same token is refused.
* Link use is limited per client address (refused links tightly, all openings loosely), reports per
  contact (in-process sliding windows).
* Every response carries a strict CSP (no inline script, nothing from elsewhere), no framing, no
  referrer, no MIME sniffing.
* The access log never shows a token: `/l/<token>` is written as `/l/[redacted]`.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "anquan_session"
SESSION_SALT = "anquan.page-session.v1"
SESSION_HOURS = 12

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class PageSession:
    contact_id: int
    epoch: int
    csrf: str


class Sessions:
    """Signs and reads the session cookie with the installation's keys (the last one signs)."""

    def __init__(self, keys: list[str], *, secure: bool):
        self._serializer = URLSafeTimedSerializer(keys, salt=SESSION_SALT)
        self.secure = secure

    def new(self, *, contact_id: int, epoch: int) -> tuple[PageSession, str]:
        session = PageSession(contact_id, epoch, secrets.token_urlsafe(32))
        return session, self._serializer.dumps([session.contact_id, session.epoch, session.csrf])

    def read(self, cookie: str | None) -> PageSession | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        if not (isinstance(data, list) and len(data) == 3 and type(data[0]) is int and type(data[1]) is int
                and isinstance(data[2], str)):
            return None
        return PageSession(*data)

    def cookie_args(self) -> dict:
        return {"key": SESSION_COOKIE, "max_age": SESSION_HOURS * 3600, "httponly": True, "samesite": "lax",
                "secure": self.secure, "path": "/"}


def csrf_ok(session: PageSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf.encode(), str(submitted).encode())


class RateLimit:
    """At most `limit` events per key in any `seconds`-long window (in this process)."""

    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._events: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _window(self, key: str, now: float) -> deque:
        if len(self._events) > 10_000:  # forget idle keys now and then
            self._events = {k: q for k, q in self._events.items() if q and now - q[-1] < self.seconds}
        q = self._events.setdefault(key, deque())
        while q and now - q[0] >= self.seconds:
            q.popleft()
        return q

    def full(self, key: str) -> bool:
        """Whether the key has used up its window (nothing is counted)."""
        with self._lock:
            return len(self._window(key, time.monotonic())) >= self.limit

    def allow(self, key: str) -> bool:
        """Count one event for the key; False (and not counted) when its window is full."""
        now = time.monotonic()
        with self._lock:
            q = self._window(key, now)
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True


@dataclass(frozen=True)
class Limits:
    """Rate limits per client address: refused links (guessing) and all link openings (a county building's
    staff share one address, hence the generous total); per contact: reports with their uploads, and a township
    overseer's returns and reports on behalf."""

    links: int = 20
    links_seconds: float = 600
    link_openings: int = 300
    reports: int = 10
    reports_seconds: float = 600
    # A township's safety office returns reports and records them on behalf of many enterprises at a sitting.
    oversight: int = 120
    oversight_seconds: float = 600


_TOKEN_PATH = re.compile(r"/l/[^/?\s\"]+")


def redact(text: str) -> str:
    """A request path or log line with any personal-link token replaced."""
    return _TOKEN_PATH.sub("/l/[redacted]", text)


class RedactTokens(logging.Filter):
    """Keeps tokens out of uvicorn's access log (its path argument) and any other log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_log_redaction() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
