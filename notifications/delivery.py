"""Delivering the outbox: claim pending messages, send them, record what happened.

* With ANQUAN_SMTP_HOST set, messages go through aiosmtplib over several
  reused connections at once. A transient failure (connection refused, a 4xx
  answer) leaves the message pending with a growing delay; a permanent one (a
  5xx answer) marks it failed with the server's words.
* Without it, each message is written as an .eml file to the mail folder.

Rows are claimed with a lease before sending (on PostgreSQL with row locks
that skip what another deliverer holds), so two deliverers never send the same
message, and a deliverer that dies mid-run leaves its claims to expire and be
taken up again: nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, bindparam, or_, select, update

from anquan.models.outbox import MailStatus, OutboxMessage
from anquan.models.settings import Settings
from anquan.models.types import utcnow

LEASE = timedelta(minutes=10)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


@dataclass
class Claimed:
    id: int
    key: str
    to_addr: str
    raw: bytes
    attempts: int
    tick_date: object


@dataclass
class Outcome:
    id: int
    status: str  # sent, retry, failed
    error: str | None = None


@dataclass
class DeliveryReport:
    backend: str  # smtp or folder
    sent: int = 0
    deferred: int = 0  # transient failure: still pending, retried later
    failed: int = 0
    where: str = ""
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def due_messages(now: datetime, limit: int, after_id: int = 0):
    """The ids of the next `limit` pending messages due and not under another worker's lease, in id order.

    ix_outbox_status_id serves it: the walk starts at the first pending row however much sent mail lies before it.
    `after_id` lets one delivery run go on from its last batch: on PostgreSQL the rows it has just
    sent leave dead (pending, id) index entries behind them until vacuum, and each claim would walk them again.
    """
    t = OutboxMessage.__table__
    return (
        select(t.c.id)
        .where(t.c.status == MailStatus.pending.value, t.c.next_attempt_at <= now,
               or_(t.c.claimed_until.is_(None), t.c.claimed_until < now), t.c.id > after_id)
        .order_by(t.c.id)
        .limit(limit)
    )


def claim(engine: Engine, *, worker: str, now: datetime, limit: int, after_id: int = 0) -> list[Claimed]:
    """Take up to `limit` due messages with ids above `after_id` for this worker, under a lease."""
    t = OutboxMessage.__table__
    due = due_messages(now, limit, after_id)
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (
        update(t)
        .where(t.c.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + LEASE)
        .returning(t.c.id, t.c.key, t.c.to_addr, t.c.raw, t.c.attempts, t.c.tick_date)
    )
    with engine.begin() as conn:
        rows = conn.execute(stmt).all()
    return sorted((Claimed(*r) for r in rows), key=lambda c: c.id)


def record(engine: Engine, *, worker: str, now: datetime, outcomes: list[Outcome], attempts: dict[int, int]) -> None:
    """Write the outcomes of one batch; only rows this worker still holds are touched."""
    t = OutboxMessage.__table__
    by_status: dict[str, list[dict]] = {"sent": [], "retry": [], "failed": []}
    for o in outcomes:
        n = attempts[o.id] + 1
        row = {"b_id": o.id, "b_attempts": n, "b_error": (o.error or "")[:2000] or None}
        if o.status == "retry":
            row["b_next"] = now + backoff(n)
        by_status[o.status].append(row)
    guard = (t.c.id == bindparam("b_id")) & (t.c.claimed_by == worker)
    release = {"claimed_by": None, "claimed_until": None, "attempts": bindparam("b_attempts"),
               "last_error": bindparam("b_error")}
    with engine.begin() as conn:
        if by_status["sent"]:
            conn.execute(update(t).where(guard).values(status=MailStatus.sent.value, sent_at=now, **release),
                         by_status["sent"])
        if by_status["retry"]:
            conn.execute(update(t).where(guard).values(next_attempt_at=bindparam("b_next"), **release),
                         by_status["retry"])
        if by_status["failed"]:
            conn.execute(update(t).where(guard).values(status=MailStatus.failed.value, **release),
                         by_status["failed"])


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver(
    *, engine: Engine, settings: Settings, now: Callable[[], datetime] = utcnow, batch_size: int = 500,
    worker: str | None = None,
) -> DeliveryReport:
    """Send everything that is due, batch by batch, until nothing due is left."""
    worker = worker or _worker_name()
    if settings.smtp_host:
        report = DeliveryReport(backend="smtp", where=f"{settings.smtp_host}:{settings.effective_smtp_port}")
        asyncio.run(_deliver_smtp(engine, settings, report, worker=worker, now=now, batch_size=batch_size))
    else:
        folder = settings.effective_mail_dir
        report = DeliveryReport(backend="folder", where=str(folder))
        _deliver_to_folder(engine, folder, report, worker=worker, now=now, batch_size=batch_size)
    return report


def _tally(report: DeliveryReport, outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if o.status == "sent":
            report.sent += 1
        elif o.status == "retry":
            report.deferred += 1
        else:
            report.failed += 1
        if o.error and len(report.errors) < 10:
            report.errors.append(f"message {o.id}: {o.error}")


# -- the mail folder ------------------------------------------------------------

def _deliver_to_folder(engine, folder: Path, report: DeliveryReport, *, worker, now, batch_size) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    after = 0
    while True:
        at = now()
        batch = claim(engine, worker=worker, now=at, limit=batch_size, after_id=after)
        if not batch:
            return
        after = batch[-1].id
        outcomes = []
        for m in batch:
            target = folder / f"{m.tick_date}-{m.id:08d}-{m.key[:12]}.eml"
            try:
                if not target.exists():  # a rerun after a crash finds it already written
                    tmp = target.with_suffix(".part")
                    tmp.write_bytes(m.raw)
                    tmp.replace(target)
                outcomes.append(Outcome(m.id, "sent"))
            except OSError as exc:
                outcomes.append(Outcome(m.id, "retry", f"cannot write {target}: {exc.strerror}"))
        record(engine, worker=worker, now=at, outcomes=outcomes, attempts={m.id: m.attempts for m in batch})
        _tally(report, outcomes)
        if any(o.status == "retry" for o in outcomes):
            return


# -- SMTP ---------------------------------------------------------------------------

def _classify(exc: BaseException) -> tuple[str, str]:
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [e.code for e in exc.recipients]
        text = "; ".join(f"{e.code} {e.message}" for e in exc.recipients)
        return ("failed" if all(c >= 500 for c in codes) else "retry"), text
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return ("failed" if exc.code >= 500 else "retry"), f"{exc.code} {exc.message}"
    return "retry", f"{type(exc).__name__}: {exc}".strip()


class _Connection:
    """One reused SMTP connection, reopened when it drops."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.client = None

    async def open(self):
        import aiosmtplib

        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.effective_smtp_port, timeout=s.smtp_timeout,
            use_tls=s.smtp_security == "tls", start_tls=s.smtp_security == "starttls",
        )
        await client.connect()
        if s.smtp_username:
            await client.login(s.smtp_username, s.smtp_password.get_secret_value())
        self.client = client

    async def send(self, sender: str, m: Claimed) -> None:
        if self.client is None or not self.client.is_connected:
            await self.open()
        await self.client.sendmail(sender, [m.to_addr], m.raw)

    async def drop(self):
        if self.client is not None:
            try:
                if self.client.is_connected:
                    await self.client.quit()
            except Exception:
                self.client.close()
            self.client = None


async def _deliver_smtp(engine, settings: Settings, report: DeliveryReport, *, worker, now, batch_size) -> None:
    sender = parseaddr(settings.mail_from)[1]
    connections = [_Connection(settings) for _ in range(settings.smtp_connections)]
    loop = asyncio.get_running_loop()
    after = 0
    try:
        while True:
            at = now()
            batch = await loop.run_in_executor(
                None, lambda: claim(engine, worker=worker, now=at, limit=batch_size, after_id=after))
            if not batch:
                return
            after = batch[-1].id  # a row left behind (deferred, or another worker's lease ran out) waits for the next run
            queue: asyncio.Queue[Claimed] = asyncio.Queue()
            for m in batch:
                queue.put_nowait(m)
            outcomes: list[Outcome] = []
            broken = False

            async def work(conn: _Connection):
                nonlocal broken
                while not queue.empty():
                    m = queue.get_nowait()
                    try:
                        await conn.send(sender, m)
                        outcomes.append(Outcome(m.id, "sent"))
                    except Exception as exc:  # classified: nothing escapes unrecorded
                        status, text = _classify(exc)
                        outcomes.append(Outcome(m.id, status, text))
                        import aiosmtplib

                        if not isinstance(exc, (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException)):
                            # The connection is gone: leave the rest of the batch for later.
                            await conn.drop()
                            broken = True
                            while not queue.empty():
                                rest = queue.get_nowait()
                                outcomes.append(Outcome(rest.id, "retry", text))

            await asyncio.gather(*(work(c) for c in connections))
            await loop.run_in_executor(
                None, lambda: record(engine, worker=worker, now=at, outcomes=outcomes,
                                     attempts={m.id: m.attempts for m in batch}))
            _tally(report, outcomes)
            if broken:
                return
    finally:
        await asyncio.gather(*(c.drop() for c in connections), return_exceptions=True)
