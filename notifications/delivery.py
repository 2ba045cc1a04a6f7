"""Delivering the outbox: claim pending messages, send them, record each outcome as it happens.

* With ANQUAN_SMTP_HOST set, messages go through aiosmtplib over several
  reused connections at once, one login per connection. Each message's outcome
  is committed as soon as the server has answered (outcomes that arrive
  together share one commit). While it commits, the connection sends the next
  message's envelope, DATA and text, but its end of data (the moment the server
  takes it) only once the previous outcome is in the database: a deliverer
  killed at any moment has at most one message per connection taken but not
  recorded, so a crash re-sends at most `smtp_connections` messages.
* Failures are classified by what they mean. A 4xx answer defers the message
  with a growing delay; a 5xx answer fails it with the server's words. A dropped
  connection retries the message in flight once on a fresh connection and
  touches nothing else. A failure of the installation itself (login refused
  530/534/535, TLS, a refused or unreachable server) halts the run: every
  claimed message is held back with the reason, untried ones keep their retry
  count, and the report says `halted` so the use case can raise one alert.
* Without an SMTP host, each message is written as an .eml file to the mail folder.

Rows are claimed in batches under a lease that the deliverer renews while it
works (on PostgreSQL with row locks that skip what another deliverer holds), so
two deliverers never send the same message and a live one never loses its
claim; a deliverer that dies leaves its claims to expire and be taken up again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from concurrent.futures import ThreadPoolExecutor
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, bindparam, or_, select, text, update

from anquan.models.outbox import MailStatus, OutboxMessage
from anquan.models.settings import Settings
from anquan.models.types import utcnow
from anquan.errors import AnquanError
from anquan.notifications.outbox import HALTED  # a held message's last_error starts with it; `mail list` shows it
from anquan.notifications.smtp import Connection, classify, open_failure

log = logging.getLogger("anquan.delivery")

LEASE = timedelta(minutes=10)
RENEW_EVERY = 60.0  # seconds between lease renewals: the lease outlives ten missed renewals
HOLD = timedelta(minutes=15)  # how long a halted run holds the mail back (`anquan mail retry` ends it early)
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
    # sent, retry (tried: 4xx or dropped), failed (tried: 5xx, or it cannot be sent),
    # held (not tried: the run halted), released (not tried: given back as it was)
    status: str
    error: str | None = None
    attempted: bool | None = None  # None: as the status says; True for the message in flight when a run halts

    @property
    def tried(self) -> bool:
        return self.attempted if self.attempted is not None else self.status in ("sent", "retry", "failed")


class DeliveryHalted(AnquanError):
    """The installation cannot send (login refused, TLS, server unreachable): mail is held, IT must act."""


@dataclass
class DeliveryReport:
    backend: str  # smtp or folder
    sent: int = 0
    deferred: int = 0  # transient failure: still pending, retried later
    failed: int = 0
    where: str = ""
    errors: list[str] = field(default_factory=list)
    halted: str | None = None  # why the run stopped for everyone: the installation, not one message

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


@lru_cache(maxsize=1)
def _record_statements() -> dict:
    """The UPDATEs that write outcomes, built once: building them per commit cost more than running them."""
    t = OutboxMessage.__table__
    guard = (t.c.id == bindparam("b_id")) & (t.c.claimed_by == bindparam("b_worker"))
    release = {"claimed_by": None, "claimed_until": None, "attempts": bindparam("b_attempts"),
               "last_error": bindparam("b_error")}
    return {
        "sent": update(t).where(guard).values(status=MailStatus.sent.value, sent_at=bindparam("b_now"), **release),
        "retry": update(t).where(guard).values(next_attempt_at=bindparam("b_next"), **release),
        "held": update(t).where(guard).values(next_attempt_at=bindparam("b_next"), **release),
        # A failed message's next_attempt_at records when it failed (`anquan mail retry --failed-since`).
        "failed": update(t).where(guard).values(status=MailStatus.failed.value, next_attempt_at=bindparam("b_now"),
                                                **release),
        "released": update(t).where(guard).values(claimed_by=None, claimed_until=None),
    }


def record(engine: Engine, *, worker: str, now: datetime, outcomes: list[Outcome], attempts: dict[int, int]) -> None:
    """Write outcomes in one transaction; only rows this worker still holds are touched.

    A tried message counts one more attempt; a held one keeps its count and waits HOLD; a released one is
    given back exactly as it was claimed.
    """
    by_status: dict[str, list[dict]] = {}
    for o in outcomes:
        n = attempts[o.id] + (1 if o.tried else 0)
        row = {"b_id": o.id, "b_worker": worker, "b_now": now, "b_attempts": n,
               "b_error": (o.error or "")[:2000] or None, "b_next": now}
        if o.status in ("retry", "held"):
            row["b_next"] = now + (backoff(n) if o.status == "retry" else HOLD)
        by_status.setdefault(o.status, []).append(row)
    statements = _record_statements()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Do not wait for the WAL flush: the deliverer's own death loses nothing committed; only a crash
            # of the database server could forget the last moments' outcomes, and those messages go again.
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        for status, rows in by_status.items():
            conn.execute(statements[status], rows)


_RECORD_PG = text("""
UPDATE outbox AS o SET
    status = CASE v.st WHEN 'retry' THEN 'pending' ELSE v.st END,
    sent_at = CASE v.st WHEN 'sent' THEN v.at ELSE o.sent_at END,
    next_attempt_at = CASE v.st WHEN 'sent' THEN o.next_attempt_at ELSE v.nxt END,
    attempts = v.att, last_error = v.err, claimed_by = NULL, claimed_until = NULL
FROM unnest(CAST(:ids AS bigint[]), CAST(:sts AS text[]), CAST(:atts AS integer[]), CAST(:errs AS text[]),
            CAST(:nxts AS timestamptz[]), CAST(:ats AS timestamptz[])) AS v(id, st, att, err, nxt, at)
WHERE o.id = v.id AND o.id = ANY(CAST(:ids AS bigint[])) AND o.claimed_by = :worker
""")  # `o.id = ANY(...)` lets the planner find the rows by primary key instead of joining the whole table


def record_tried_pg(conn, *, worker: str, now: datetime, outcomes: list[Outcome], attempts: dict[int, int]) -> None:
    """record() for sent, retry and failed outcomes on PostgreSQL in one statement (one round trip on an
    autocommit connection): what a message waits for before its connection sends the next one."""
    nxts = [now + backoff(attempts[o.id] + 1) if o.status == "retry" else now for o in outcomes]
    conn.execute(_RECORD_PG, {
        "ids": [o.id for o in outcomes], "sts": [o.status for o in outcomes],
        "atts": [attempts[o.id] + 1 for o in outcomes], "errs": [(o.error or "")[:2000] or None for o in outcomes],
        "nxts": nxts, "ats": [now] * len(outcomes), "worker": worker,
    })


def renew(engine: Engine, *, worker: str, now: datetime) -> int:
    """Extend this worker's lease on everything it still holds; how many rows that was."""
    t = OutboxMessage.__table__
    stmt = (update(t).where(t.c.claimed_by == worker, t.c.status == MailStatus.pending.value)
            .values(claimed_until=now + LEASE).execution_options(preserve_rowcount=True))
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount or 0


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver(
    *, engine: Engine, settings: Settings, now: Callable[[], datetime] = utcnow, batch_size: int = 500,
    worker: str | None = None, renew_every: float = RENEW_EVERY,
) -> DeliveryReport:
    """Send everything that is due, batch by batch, until nothing due is left."""
    worker = worker or _worker_name()
    if settings.smtp_host:
        report = DeliveryReport(backend="smtp", where=f"{settings.smtp_host}:{settings.effective_smtp_port}")
        asyncio.run(_deliver_smtp(engine, settings, report, worker=worker, now=now, batch_size=batch_size,
                                  renew_every=renew_every))
    else:
        folder = settings.effective_mail_dir
        report = DeliveryReport(backend="folder", where=str(folder))
        _deliver_to_folder(engine, folder, report, worker=worker, now=now, batch_size=batch_size)
    return report


def _tally(report: DeliveryReport, outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if o.status == "sent":
            report.sent += 1
        elif o.status in ("retry", "held", "released"):
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

class _Recorder:
    """Commits outcomes as they come; callers wait until theirs is in the database.

    A group commit in a thread of its own (the event loop goes on talking SMTP while the database
    answers): it starts once every connection still sending waits on it, or LINGER after the first
    outcome came; outcomes that arrive while it runs go into the next one, started as soon as it ends.
    """

    LINGER = 0.005  # seconds

    def __init__(self, engine: Engine, *, worker: str, now: Callable[[], datetime], report: DeliveryReport,
                 db: ThreadPoolExecutor):
        self.engine, self.worker, self.now, self.report, self.db = engine, worker, now, report, db
        self.attempts: dict[int, int] = {}
        self.waiting: list[tuple[tuple[Outcome, ...], asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None
        self.busy = False
        self.senders = 0  # connections still sending: each waits on at most one commit
        self.conn = None  # PostgreSQL: the recorder's own connection, used only in the database thread

    async def write(self, *outcomes: Outcome) -> None:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.waiting.append((outcomes, done))
        if not self.busy:
            if len(self.waiting) >= self.senders:
                self._start()
            elif self.timer is None:
                self.timer = loop.call_later(self.LINGER, self._start)
        await done

    def _start(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.busy or not self.waiting:
            return
        self.busy = True
        group, self.waiting = self.waiting, []
        outcomes = [o for part, _ in group for o in part]
        at = self.now()
        commit = asyncio.get_running_loop().run_in_executor(self.db, lambda: self._commit(outcomes, at))
        commit.add_done_callback(lambda f: self._committed(f, group, outcomes))

    def _commit(self, outcomes: list[Outcome], at: datetime) -> None:
        """In the database thread: on PostgreSQL the tried outcomes go in one statement on a connection of
        the recorder's own (autocommit, not waiting for the WAL flush: the deliverer's death loses nothing
        committed; a crash of the database server itself could only make the last messages go again)."""
        if self.engine.dialect.name != "postgresql" or not all(o.status in ("sent", "retry", "failed") for o in outcomes):
            record(self.engine, worker=self.worker, now=at, outcomes=outcomes, attempts=self.attempts)
            return
        if self.conn is None:
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.conn.exec_driver_sql("SET synchronous_commit TO OFF")
        record_tried_pg(self.conn, worker=self.worker, now=at, outcomes=outcomes, attempts=self.attempts)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.exec_driver_sql("RESET synchronous_commit")
            finally:
                self.conn.close()
                self.conn = None

    def _committed(self, commit: asyncio.Future, group: list, outcomes: list[Outcome]) -> None:
        self.busy = False
        exc = commit.exception()
        if exc is None:
            _tally(self.report, outcomes)
        for _, done in group:
            if exc is None:
                done.set_result(None)
            else:  # the database is gone: every waiting sender stops with it
                done.set_exception(exc)
        if self.waiting:
            self._start()


@dataclass
class _Run:
    """What the connections of one run share: the queue of claimed messages and whether the run halted."""

    sender: str
    settings: Settings
    recorder: _Recorder
    queue: deque = field(default_factory=deque)
    halted: str | None = None
    first_open: asyncio.Event = field(default_factory=asyncio.Event)


async def _send_one(run: _Run, conn: Connection, m: Claimed, previous: asyncio.Future) -> tuple[Outcome, bool]:
    """Send one message, once more on a fresh connection if this one drops; True when the connection gives up.

    Its envelope, DATA and body go out while the `previous` message's outcome is being committed; its end of
    data only once that commit is done, so a connection never has more than one message accepted and not
    recorded. A failure to connect or log in halts the whole run: the message in flight counts an attempt and
    is held like the rest.
    """
    for attempt in (1, 2):
        if not conn.is_open:
            try:
                await conn.open()
            except Exception as exc:  # connect, TLS or login: the installation, not this message
                run.halted = run.halted or open_failure(exc, run.settings)
                return Outcome(m.id, "held", HALTED + run.halted, attempted=True), True
            finally:
                run.first_open.set()
        try:
            await conn.begin(run.sender, m.to_addr, m.raw)
            await previous  # the database has the last message's outcome: this one may be accepted now
            await conn.end()
            return Outcome(m.id, "sent"), False
        except Exception as exc:  # classified: nothing escapes unrecorded
            await previous  # a failed commit stops the connection here, as it stops the whole run
            status, text = classify(exc)
        if status == "halt":
            run.halted = run.halted or text
            await conn.drop()
            return Outcome(m.id, "held", HALTED + text, attempted=True), True
        if status != "drop":
            return Outcome(m.id, status, text), False
        await conn.drop()  # the connection is gone: this message once more on a fresh one
    return Outcome(m.id, "retry", f"the connection dropped twice while sending: {text}"), True


async def _work(run: _Run, conn: Connection, *, first: bool) -> None:
    """One connection's loop: the next message goes out while the last one's outcome is committed."""
    if not first:
        await run.first_open.wait()  # one login first: a wrong password costs one attempt, not one per connection
    run.recorder.senders += 1
    committing: asyncio.Future = asyncio.get_running_loop().create_future()
    committing.set_result(None)
    try:
        while run.queue and not run.halted:
            m = run.queue.popleft()
            outcome, gave_up = await _send_one(run, conn, m, committing)
            committing = asyncio.ensure_future(run.recorder.write(outcome))
            if gave_up:
                break  # halted, or this connection keeps dropping: the others go on with the queue
        await committing
    finally:
        run.recorder.senders -= 1


async def _renew_leases(engine, *, worker: str, now, every: float) -> None:
    """Keep this worker's lease fresh while it works: a slow server never lets another deliverer in."""
    while True:
        await asyncio.sleep(every)
        renew(engine, worker=worker, now=now())


async def _deliver_smtp(engine, settings: Settings, report: DeliveryReport, *, worker, now, batch_size,
                        renew_every: float = RENEW_EVERY) -> None:
    db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="anquan-outbox")
    recorder = _Recorder(engine, worker=worker, now=now, report=report, db=db)
    connections = [Connection(settings) for _ in range(settings.smtp_connections)]
    renewer = asyncio.ensure_future(_renew_leases(engine, worker=worker, now=now, every=renew_every))
    run = _Run(sender=parseaddr(settings.mail_from)[1], settings=settings, recorder=recorder)
    after = 0
    try:
        while not run.halted:
            at = now()
            batch = claim(engine, worker=worker, now=at, limit=batch_size, after_id=after)
            if not batch:
                return
            after = batch[-1].id  # a row left behind (deferred, or another's lease ran out) waits for the next run
            recorder.attempts = {m.id: m.attempts for m in batch}
            run.queue.extend(batch)
            await asyncio.gather(*(_work(run, c, first=i == 0) for i, c in enumerate(connections)))
            if run.queue:  # halted, or every connection gave up: give back what nobody tried
                left = [run.queue.popleft() for _ in range(len(run.queue))]
                status, text = ("held", HALTED + run.halted) if run.halted else ("released", None)
                await recorder.write(*(Outcome(m.id, status, text) for m in left))
                return
    finally:
        renewer.cancel()
        report.halted = run.halted
        await asyncio.gather(*(c.drop() for c in connections), return_exceptions=True)
        db.submit(recorder.close).result()
        db.shutdown(wait=True)
        if run.halted:
            log.error("SMTP delivery halted: %s (%s sent, %s deferred)", run.halted, report.sent, report.deferred)
