"""Console accounts: made from a directory contact, listed, disabled, their passwords reset; every change audited.

Who may hold which role: the county's accounts (county_admin, county_staff) belong to contacts at the county;
a township_office account to a contact at a township, and it sees that township only. The login name is the
contact's mail address (lower case) when the account is made. The password an account is made or reset with is
temporary: the person must choose their own at their first sign-in (anquan.accounts.signin.change_password).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session

from anquan.accounts.passwords import hash_password
from anquan.errors import InvalidValue, NotFound
from anquan.models.accounts import ConsoleAudit, ConsoleRole, ConsoleSession, ConsoleUser
from anquan.models.directory import Contact, Organisation, OrgKind

ROLES = tuple(r.value for r in ConsoleRole)
COUNTY_ROLES = (ConsoleRole.county_admin.value, ConsoleRole.county_staff.value)
ROLE_LABELS = {"county_admin": "县安委办管理员", "county_staff": "县安委办工作人员", "township_office": "乡镇安监办"}
CLI_ACTOR = "command line"


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a console account (user_id) from an address, or the command line."""

    user_id: int | None
    name: str
    client_addr: str | None = None


CLI = Actor(None, CLI_ACTOR)


@dataclass
class UserRow:
    id: int
    login: str
    name: str
    role: str
    organisation: str
    township_id: int | None
    active: bool
    last_login_at: datetime | None

    def as_dict(self) -> dict:
        return {"id": self.id, "login": self.login, "name": self.name, "role": self.role,
                "organisation": self.organisation, "township_id": self.township_id, "active": self.active,
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None}


def audit(session: Session, actor: Actor, action: str, *, target: str | None = None, detail: str | None = None,
          at: datetime) -> None:
    session.add(ConsoleAudit(user_id=actor.user_id, actor=actor.name[:254], action=action,
                             target=target[:254] if target else None, detail=detail,
                             client_addr=(actor.client_addr or None) and actor.client_addr[:64], at=at))


def _township_of(session: Session, contact: Contact, role: str) -> int | None:
    org = session.get(Organisation, contact.org_id)
    if role in COUNTY_ROLES:
        if org is None or org.kind != OrgKind.county.value:
            raise InvalidValue(f"contact {contact.id} is not at the county; {role} accounts are for the county office",
                               field="contact")
        return None
    if org is None or org.kind != OrgKind.township.value:
        raise InvalidValue(f"contact {contact.id} is not at a township; township_office accounts are for a "
                           "township's safety office", field="contact")
    return org.id


def add_user(session: Session, *, contact_id: int, role: str, password: str, actor: Actor, now: datetime) -> ConsoleUser:
    if role not in ROLES:
        raise InvalidValue(f"unknown role {role!r}; one of {', '.join(ROLES)}", field="role")
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}", field="contact")
    if not contact.active:
        raise InvalidValue(f"contact {contact_id} has left the directory", field="contact")
    township_id = _township_of(session, contact, role)
    login = contact.email.strip().lower()
    taken = session.execute(select(ConsoleUser).where(
        (ConsoleUser.contact_id == contact_id) | (ConsoleUser.login == login))).scalars().first()
    if taken is not None:
        raise InvalidValue(f"{login} already has an account", field="contact")
    user = ConsoleUser(contact_id=contact_id, login=login, role=role, township_id=township_id,
                       password_hash=hash_password(password), must_change_password=True, password_changed_at=now,
                       created_at=now, updated_at=now)
    session.add(user)
    session.flush()
    audit(session, actor, "user_add", target=login, detail=f"role={role}", at=now)
    return user


def find_user(session: Session, login: str) -> ConsoleUser:
    user = session.execute(select(ConsoleUser).where(ConsoleUser.login == login.strip().lower())).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no account {login!r}", field="login")
    return user


def end_sessions(session: Session, user_id: int) -> int:
    return session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id)).rowcount or 0


def set_active(session: Session, *, login: str, active: bool, actor: Actor, now: datetime) -> ConsoleUser:
    """Disable (its sessions end at once) or enable an account."""
    user = find_user(session, login)
    user.active, user.updated_at = active, now
    if not active:
        end_sessions(session, user.id)
    audit(session, actor, "user_enable" if active else "user_disable", target=user.login, at=now)
    return user


def reset_password(session: Session, *, login: str, password: str, actor: Actor, now: datetime) -> ConsoleUser:
    """A new password, to be changed at the next sign-in; every session of the account ends."""
    user = find_user(session, login)
    user.password_hash, user.password_changed_at, user.updated_at = hash_password(password), now, now
    user.must_change_password = True
    end_sessions(session, user.id)
    audit(session, actor, "password_reset", target=user.login, at=now)
    return user


def list_users(session: Session) -> list[UserRow]:
    rows = session.execute(
        select(ConsoleUser, Contact.name, Organisation.name)
        .join(Contact, Contact.id == ConsoleUser.contact_id).join(Organisation, Organisation.id == Contact.org_id)
        .order_by(ConsoleUser.role, func.lower(ConsoleUser.login))).all()
    return [UserRow(u.id, u.login, name, u.role, org, u.township_id, u.active, u.last_login_at) for u, name, org in rows]


def recent_audit(session: Session, *, limit: int = 100) -> list[ConsoleAudit]:
    return list(session.execute(select(ConsoleAudit).order_by(ConsoleAudit.id.desc()).limit(limit)).scalars())


@dataclass
class Candidate:
    """A contact who may be given an account: at the county or a township, still in the directory."""

    contact_id: int
    name: str
    role: str
    email: str
    org_code: str
    org_name: str
    org_kind: str
    has_account: bool

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def candidates(session: Session) -> list[Candidate]:
    rows = session.execute(
        select(Contact, Organisation, ConsoleUser.id).join(Organisation, Organisation.id == Contact.org_id)
        .outerjoin(ConsoleUser, ConsoleUser.contact_id == Contact.id)
        .where(Contact.active, Organisation.kind.in_((OrgKind.county.value, OrgKind.township.value)))
        .order_by(Organisation.kind, Organisation.code, Contact.role, Contact.id)).all()
    return [Candidate(c.id, c.name, c.role, c.email, o.code, o.name, o.kind, uid is not None) for c, o, uid in rows]
