"""Reading the outbox: what was queued, sent or failed, and for which obligations."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Iterator

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from anquan.errors import InvalidValue
from anquan.models.outbox import MailStatus, Notice, OutboxMessage
from anquan.models.types import utcnow
from anquan.notifications.addresses import AddressError
from anquan.notifications.render import Rendered, answer_for, build_message, fill_answer, message_id_for

HALTED = "delivery halted: "  # how a held message's last_error starts (anquan.notifications.delivery writes it)


@dataclass(frozen=True)
class MailSettings:
    """What every queued mail needs from the installation: the sender and the county's time zone."""

    mail_from: str
    tz: object


def event_key(*parts) -> str:
    """An idempotency key from the parts that identify an event (never the clock)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:40]


def enqueue(
    *, session: Session, key: str, to_name: str, to_addr: str, rendered: Rendered, stage: str, on: date,
    mail_from: str, tz, attachments: list[tuple[str, str, bytes]] | None = None, at: datetime | None = None,
) -> bool:
    """Put one message in the outbox in the caller's transaction; False if its key was queued before.

    The footer's "how to answer" (the recipient's personal link) is filled in here. A message that cannot be
    built (an address no server can take) is quarantined instead of stopping the caller: written as failed
    with the reason, and False returned (it is not queued for sending).
    The message is dated `at` when the event has a moment (an accident or an alert recorded now), else 08:00 of
    `on` (the scheduled mails of a day). The key never includes the time: a resend is the same message.
    """
    rendered = fill_answer(rendered, answer_for(session, to_addr))
    message_id = message_id_for(key, mail_from)
    failure = None
    try:
        raw = build_message(rendered=rendered, to_name=to_name, to_addr=to_addr, mail_from=mail_from,
                            message_id=message_id, key=key, when=at or datetime.combine(on, time(8, 0), tzinfo=tz),
                            attachments=attachments)
    except (AddressError, UnicodeError) as exc:
        raw, failure = b"", f"quarantined, cannot be built: {exc}"
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(OutboxMessage).values(
        key=key, message_id=message_id, to_addr=to_addr.lower(), to_name=to_name, subject=rendered.subject,
        template=rendered.template, stage=stage[:200], tick_date=on, raw=raw,
        status=(MailStatus.failed if failure else MailStatus.pending).value, last_error=failure,
        attempts=0, next_attempt_at=now, created_at=now,
    ).on_conflict_do_nothing(index_elements=["key"])
    result = session.connection().execute(stmt.execution_options(preserve_rowcount=True))
    return (result.rowcount or 0) > 0 and not failure


def requeue(*, session: Session, now: datetime, ids: list[int] | None = None,
            failed_since: datetime | None = None) -> int:
    """Make messages due again now; how many. Sent mail is never touched.

    With `ids`: those messages, failed or waiting. With `failed_since`: the messages that failed at or after
    it (a failed message's next_attempt_at holds when it failed). With neither: every failed message and every
    one waiting for a retry (held by a halted run, or backing off). Quarantined messages (no body) stay failed.
    """
    t = OutboxMessage.__table__
    q = update(t).where(t.c.status != MailStatus.sent.value, t.c.raw != b"")
    if ids:
        q = q.where(t.c.id.in_(ids))
    if failed_since is not None:
        q = q.where(t.c.status == MailStatus.failed.value, t.c.next_attempt_at >= failed_since)
    q = q.values(status=MailStatus.pending.value, next_attempt_at=now, claimed_by=None, claimed_until=None)
    result = session.connection().execute(q.execution_options(preserve_rowcount=True))
    return result.rowcount or 0


def delivery_alert(*, session: Session) -> str | None:
    """The reason the last delivery run halted, while mail it held back is still waiting; None when none is."""
    t = OutboxMessage.__table__
    row = session.execute(
        select(t.c.last_error).where(t.c.status == MailStatus.pending.value, t.c.last_error.like(HALTED + "%"))
        .order_by(t.c.next_attempt_at.desc()).limit(1)).first()
    return row[0] if row else None


def list_messages(*, session: Session, status: str | None = None, limit: int | None = None, batch: int = 1000) -> Iterator[dict]:
    """Outbox messages, oldest first, each with the obligations it carries."""
    if status is not None and status not in MailStatus.__members__:
        raise InvalidValue(f"{status!r} is not one of {', '.join(s.value for s in MailStatus)}", field="status")
    t = OutboxMessage.__table__
    q = select(t.c.id, t.c.key, t.c.to_addr, t.c.to_name, t.c.subject, t.c.template, t.c.stage, t.c.tick_date,
               t.c.status, t.c.attempts, t.c.last_error, t.c.next_attempt_at, t.c.sent_at).order_by(t.c.id)
    if status:
        q = q.where(t.c.status == status)
    if limit:
        q = q.limit(limit)
    rows = session.execute(q.execution_options(yield_per=batch))
    for part in rows.partitions(batch):
        keys = [r.key for r in part]
        ids: dict[str, list[int]] = {k: [] for k in keys}
        for key, oid in session.execute(
            select(Notice.outbox_key, Notice.obligation_id).where(Notice.outbox_key.in_(keys)).order_by(Notice.obligation_id)
        ).all():
            ids[key].append(oid)
        for r in part:
            yield {
                "id": r.id,
                "key": r.key,
                "to": r.to_addr,
                "to_name": r.to_name,
                "subject": r.subject,
                "template": r.template,
                "status": r.status,
                "obligation_ids": ids[r.key],
                "stage": r.stage,
                "tick_date": r.tick_date.isoformat(),
                "attempts": r.attempts,
                "last_error": r.last_error,
                "next_attempt_at": r.next_attempt_at.isoformat() if r.status == MailStatus.pending.value else None,
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            }


def mail_since(*, session: Session, since: datetime, sent: bool = False, templates: tuple[str, ...] = ()) -> list[dict]:
    """Who was mailed what: the messages queued (or, with `sent`, sent) at or after `since`, by id, each as its
    template, recipient and status (what a run's report lists)."""
    t = OutboxMessage.__table__
    when = t.c.sent_at if sent else t.c.created_at
    q = select(t.c.template, t.c.to_name, t.c.to_addr, t.c.status).where(when >= since).order_by(t.c.id)
    if templates:
        q = q.where(t.c.template.in_(templates))
    return [dict(r._mapping) for r in session.execute(q)]


SENT_BEFORE_RESTORE = "sent before the database was restored from a backup (anquan mail restored)"


def mark_sent_before_restore(*, session: Session, now: datetime) -> int:
    """Every message still to send (pending or held back, with a body) marked sent, with the reason; how many.

    After restoring an older backup, what the restored outbox still has to send went out after the backup was
    taken, and what the ticks since would queue again went out too: nothing of it may go out twice.
    """
    t = OutboxMessage.__table__
    q = (update(t).where(t.c.status == MailStatus.pending.value, t.c.raw != b"")
         .values(status=MailStatus.sent.value, last_error=SENT_BEFORE_RESTORE, sent_at=now, claimed_by=None,
                 claimed_until=None))
    return session.connection().execute(q.execution_options(preserve_rowcount=True)).rowcount or 0
