"""Signing in to the console: the password, the lock-out, the server-side sessions.

* Lock-out: after LOCK_FAILURES failed sign-ins for one login name within LOCK_MINUTES, that name is refused
  (even with the right password) until the window has passed; an address with ADDR_FAILURES failures in the
  window is refused for every name. Failures are rows (console_login_failure), so every server process and a
  restart see the same count; a successful sign-in clears its name's failures.
* Sessions live in the database: the browser holds a random token, the table its SHA-256. Signing in always
  makes a new token (whatever the browser brought is never promoted: no session fixation); logging out deletes
  the row; a session idle for IDLE_MINUTES or older than MAX_HOURS is refused and deleted; disabling the
  account or resetting its password deletes its sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session

from anquan.accounts.accounts import Actor, audit, end_sessions
from anquan.accounts.passwords import hash_password, needs_rehash, verify
from anquan.models.accounts import ConsoleLoginFailure, ConsoleSession, ConsoleUser
from anquan.models.directory import Contact

LOCK_FAILURES = 5
ADDR_FAILURES = 20
LOCK_MINUTES = 15
IDLE_MINUTES = 120
MAX_HOURS = 12
TOUCH_SECONDS = 60  # last_seen_at is written at most this often
LOGIN_MAX = 254


@dataclass(frozen=True)
class SignIn:
    """The outcome: ok (with the new session's token and CSRF), wrong (name or password), locked."""

    outcome: str
    token: str | None = None
    csrf: str | None = None
    user_id: int | None = None
    must_change_password: bool = False  # the password is a temporary one: the person chooses their own first


@dataclass(frozen=True)
class Signed:
    """A live session: its account, its CSRF token."""

    user: ConsoleUser
    name: str  # the contact's name
    csrf: str
    token_sha256: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _locked(session: Session, login: str, client_addr: str, now: datetime) -> bool:
    since = now - timedelta(minutes=LOCK_MINUTES)
    by_name = session.execute(select(func.count()).select_from(ConsoleLoginFailure).where(
        ConsoleLoginFailure.login == login, ConsoleLoginFailure.at > since)).scalar_one()
    if by_name >= LOCK_FAILURES:
        return True
    by_addr = session.execute(select(func.count()).select_from(ConsoleLoginFailure).where(
        ConsoleLoginFailure.client_addr == client_addr, ConsoleLoginFailure.at > since)).scalar_one()
    return by_addr >= ADDR_FAILURES


def _fail(session: Session, login: str, client_addr: str, now: datetime, user: ConsoleUser | None, why: str) -> None:
    session.add(ConsoleLoginFailure(login=login, client_addr=client_addr, at=now))
    session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.at < now - timedelta(days=1)))
    audit(session, Actor(user.id if user else None, login or "-", client_addr), "login_failed", target=login,
          detail=why, at=now)


def sign_in(session: Session, *, login: str, password: str, client_addr: str, now: datetime) -> SignIn:
    """Check the name and password (unless locked out) and, when right, start a new session."""
    login = login.strip().lower()[:LOGIN_MAX]
    client_addr = client_addr[:64]
    user = session.execute(select(ConsoleUser).where(ConsoleUser.login == login)).scalar_one_or_none() if login else None
    if _locked(session, login, client_addr, now):
        _fail(session, login, client_addr, now, user, "locked")
        return SignIn("locked")
    good = verify(user.password_hash if user else None, password)
    contact = session.get(Contact, user.contact_id) if user else None
    if not good or user is None or not user.active or contact is None or not contact.active:
        _fail(session, login, client_addr, now, user, "wrong password" if user and not good else
              "no such account" if user is None else "account disabled")
        return SignIn("wrong")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.login == login))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_sha256=token_hash(token), user_id=user.id, csrf=csrf, client_addr=client_addr,
                               created_at=now, last_seen_at=now))
    user.last_login_at = now
    audit(session, Actor(user.id, user.login, client_addr), "login", target=user.login, at=now)
    return SignIn("ok", token=token, csrf=csrf, user_id=user.id, must_change_password=user.must_change_password)


def signed(session: Session, *, token: str | None, now: datetime) -> Signed | None:
    """The live session a browser's token names, or None (unknown, idle, too old, account disabled)."""
    if not token or len(token) > 100:
        return None
    found = session.get(ConsoleSession, token_hash(token))
    if found is None:
        return None
    user = session.get(ConsoleUser, found.user_id)
    contact = session.get(Contact, user.contact_id) if user else None
    if (user is None or not user.active or contact is None or not contact.active
            or now - found.last_seen_at > timedelta(minutes=IDLE_MINUTES)
            or now - found.created_at > timedelta(hours=MAX_HOURS)):
        session.delete(found)
        return None
    if (now - found.last_seen_at).total_seconds() > TOUCH_SECONDS:
        found.last_seen_at = now
    return Signed(user=user, name=contact.name, csrf=found.csrf, token_sha256=found.token_sha256)


def sign_out(session: Session, *, token: str | None, client_addr: str, now: datetime) -> bool:
    found = session.get(ConsoleSession, token_hash(token)) if token and len(token) <= 100 else None
    if found is None:
        return False
    user = session.get(ConsoleUser, found.user_id)
    session.delete(found)
    audit(session, Actor(found.user_id, user.login if user else "-", client_addr[:64]), "logout",
          target=user.login if user else None, at=now)
    return True


def change_password(session: Session, *, user_id: int, current: str, new: str, keep_token_sha256: str,
                    client_addr: str, now: datetime) -> bool:
    """The account's own change: the current password must match (False otherwise, counted as a failed sign-in
    toward the lock-out); every other session of the account ends, this one stays."""
    user = session.get(ConsoleUser, user_id)
    if user is None or _locked(session, user.login, client_addr[:64], now):
        return False
    if not verify(user.password_hash, current):
        _fail(session, user.login, client_addr[:64], now, user, "wrong current password")
        return False
    user.password_hash, user.password_changed_at, user.updated_at = hash_password(new), now, now
    user.must_change_password = False
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id,
                                                 ConsoleSession.token_sha256 != keep_token_sha256))
    audit(session, Actor(user.id, user.login, client_addr[:64]), "password_change", target=user.login, at=now)
    return True


__all__ = ["SignIn", "Signed", "sign_in", "signed", "sign_out", "end_sessions"]
