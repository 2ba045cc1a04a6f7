"""The accounts' use cases: what `anquan users ...` and the console's pages call."""

from __future__ import annotations

from dataclasses import dataclass

from anquan.accounts import accounts, signin
from anquan.accounts.accounts import CLI, Actor, UserRow
from anquan.accounts.passwords import checked_password, new_password
from anquan.app import App


@dataclass
class UserMade:
    """An account made or its password reset: the password is shown once (generated unless one was given)."""

    login: str
    role: str
    password: str | None
    generated: bool

    def as_dict(self) -> dict:
        return {"login": self.login, "role": self.role, "password": self.password, "generated": self.generated}


def add_user(app: App, *, contact_id: int, role: str, password: str | None = None, actor: Actor = CLI) -> UserMade:
    generated = password is None
    password = new_password() if generated else checked_password(password)
    with app.session() as s:
        user = accounts.add_user(s, contact_id=contact_id, role=role, password=password, actor=actor, now=app.now())
        return UserMade(user.login, user.role, password, generated)


def reset_password(app: App, *, login: str, password: str | None = None, actor: Actor = CLI) -> UserMade:
    generated = password is None
    password = new_password() if generated else checked_password(password)
    with app.session() as s:
        user = accounts.reset_password(s, login=login, password=password, actor=actor, now=app.now())
        return UserMade(user.login, user.role, password, generated)


def set_active(app: App, *, login: str, active: bool, actor: Actor = CLI) -> UserRow:
    with app.session() as s:
        accounts.set_active(s, login=login, active=active, actor=actor, now=app.now())
        return next(r for r in accounts.list_users(s) if r.login == login.strip().lower())


def list_users(app: App) -> list[UserRow]:
    with app.session() as s:
        return accounts.list_users(s)


def audit_log(app: App, *, limit: int = 100) -> list[dict]:
    with app.session() as s:
        return [{"at": a.at, "actor": a.actor, "action": a.action, "target": a.target, "detail": a.detail,
                 "client_addr": a.client_addr} for a in accounts.recent_audit(s, limit=limit)]


def sign_in(app: App, *, login: str, password: str, client_addr: str) -> signin.SignIn:
    with app.session() as s:
        return signin.sign_in(s, login=login, password=password, client_addr=client_addr, now=app.now())


def signed(app: App, *, token: str | None) -> signin.Signed | None:
    with app.session() as s:
        return signin.signed(s, token=token, now=app.now())


def change_password(app: App, *, user_id: int, current: str, new: str, token: str, client_addr: str) -> bool:
    """The signed-in account changes its own password (InvalidValue when the new one is too short or long)."""
    checked_password(new)
    with app.session() as s:
        return signin.change_password(s, user_id=user_id, current=current, new=new,
                                      keep_token_sha256=signin.token_hash(token), client_addr=client_addr,
                                      now=app.now())


def sign_out(app: App, *, token: str | None, client_addr: str) -> bool:
    with app.session() as s:
        return signin.sign_out(s, token=token, client_addr=client_addr, now=app.now())


def candidates(app: App) -> list[accounts.Candidate]:
    """The contacts at the county and the townships who may be given an account."""
    with app.session() as s:
        return accounts.candidates(s)
