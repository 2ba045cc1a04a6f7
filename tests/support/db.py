"""Small database helpers over an App: read the outbox, run the tick on a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from anquan.app import App
from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.directory import Organisation
from anquan.models.outbox import OutboxMessage


def outbox(app: App, **where) -> list[OutboxMessage]:
    """The outbox rows in id order, filtered by column equality (e.g. ``stage="alert"``)."""
    with session_scope(app.engine) as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        for k, v in where.items():
            q = q.where(getattr(OutboxMessage, k) == v)
        return s.execute(q).scalars().all()


def tick_on(app: App, day: date):
    """Run the daily tick as of ``day`` with the App's rules and sender."""
    with session_scope(app.engine) as s:
        return tick(session=s, rules=app.rules, as_of=day, mail_from=app.settings.mail_from, tz=app.settings.tz)


def org_by_code(session, code: str) -> Organisation:
    """The organisation with this code (raises if there is none)."""
    return session.execute(select(Organisation).where(Organisation.code == code)).scalar_one()
