"""The console's accounts (county office and township safety offices), their sessions, failed logins, audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, false
from sqlmodel import Field, SQLModel

from anquan.models.types import UTCDateTime, utcnow


class ConsoleRole(StrEnum):
    county_admin = "county_admin"  # the county office: sees everything, manages the accounts
    county_staff = "county_staff"  # the county office: sees everything
    township_office = "township_office"  # a township's safety office: sees its own township only


class ConsoleUser(SQLModel, table=True):
    """One person's console account, made from a directory contact; signs in with `login` (the contact's address
    when the account was made) and a password kept only as an Argon2 hash."""

    __tablename__ = "console_user"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    login: str = Field(max_length=254, unique=True)  # lower case
    role: str = Field(max_length=24)
    # The township a township_office account sees (none for the county's accounts).
    township_id: int | None = Field(default=None, foreign_key="organisation.id")
    password_hash: str = Field(max_length=255)
    active: bool = True
    # The password was given by someone else (the account made, or its password reset): until the person
    # chooses their own at the console, no other console page opens.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    password_changed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries a random token, the table only its SHA-256 (a stolen table opens
    nothing). Ended by logout, by disabling the account or resetting its password, or by time."""

    __tablename__ = "console_session"

    token_sha256: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="console_user.id", index=True)
    csrf: str = Field(max_length=64)
    client_addr: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ConsoleLoginFailure(SQLModel, table=True):
    """One failed sign-in (wrong password, unknown or disabled account): the lock-out counts these per login name
    and per address over a window; a successful sign-in clears its login's."""

    __tablename__ = "console_login_failure"
    __table_args__ = (Index("ix_console_login_failure_login_at", "login", "at"),
                      Index("ix_console_login_failure_addr_at", "client_addr", "at"))

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=254)
    client_addr: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ConsoleAudit(SQLModel, table=True):
    """Every change made through the console (and to the accounts from the command line): who, when, from where,
    what. Never updated."""

    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="console_user.id", index=True)  # none: the command line
    actor: str = Field(max_length=254)  # the account's login, or "command line"
    action: str = Field(max_length=40)  # login, login_failed, logout, user_add, user_disable, password_reset, ...
    target: str | None = Field(default=None, max_length=254)  # what it changed, e.g. the account's login
    detail: str | None = None
    client_addr: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
