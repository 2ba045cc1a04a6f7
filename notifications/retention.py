"""Retention: old mail bodies dropped, the small record kept.

The outbox keeps every message whole (the RFC 5322 bytes, about 6 KB each; 90 % of a county's database after a
year). After the retention period a sent or failed message keeps who (to_addr, to_name), what (subject,
template, stage), when (tick_date, sent_at), its key and its Message-ID, and loses its body (`raw` emptied,
`pruned_at` set). The key is what makes a rerun or a restored dump queue nothing again (`enqueue` and the tick
insert on conflict do nothing), and the status is what the console's history says ("已发送"), so neither needs
the body. A notice keeps its row (obligation, stage, recipient, day: the tick's own record of what was sent)
and loses only the names of the others told, which only the mail's wording used.

Pending mail is never touched, however old: it has not been sent yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func, select, text, update
from sqlmodel import Session

from anquan.models.outbox import MailStatus, Notice, OutboxMessage

TABLES = ("outbox", "notice")


@dataclass
class PruneReport:
    before: date  # mail and notices of ticks before this day
    messages: int = 0  # bodies dropped (or that would be, on a dry run)
    body_bytes: int = 0  # their size
    notices: int = 0  # notices that lost their list of others told
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {**self.__dict__, "before": self.before.isoformat()}


def _old_messages(before: date):
    t = OutboxMessage.__table__
    return (t.c.tick_date < before, t.c.status.in_([MailStatus.sent.value, MailStatus.failed.value]),
            t.c.pruned_at.is_(None), func.length(t.c.raw) > 0)


def _old_notices(before: date):
    return (Notice.tick_date < before, Notice.also_told.is_not(None))


def prune(*, session: Session, before: date, now: datetime, dry_run: bool = False) -> PruneReport:
    """Drop the bodies of sent and failed messages of ticks before `before`, and the notices' lists of others
    told; on a dry run only count them. Idempotent: a second run finds nothing."""
    t = OutboxMessage.__table__
    count, size = session.execute(select(func.count(), func.coalesce(func.sum(func.length(t.c.raw)), 0))
                                  .where(*_old_messages(before))).one()
    notices = session.execute(select(func.count()).select_from(Notice).where(*_old_notices(before))).scalar_one()
    report = PruneReport(before=before, messages=count, body_bytes=int(size), notices=notices, dry_run=dry_run)
    if not dry_run:
        session.execute(update(t).where(*_old_messages(before)).values(raw=b"", pruned_at=now))
        session.execute(update(Notice).where(*_old_notices(before)).values(also_told=None))
    return report


def reclaim(engine: Engine) -> None:
    """Give the space back: VACUUM the whole SQLite file (it shrinks), or the outbox and notice tables on
    PostgreSQL (their space is reused; VACUUM FULL would also shrink the files, under an exclusive lock).
    Outside any transaction, after the prune has committed."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            for table in TABLES:
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))
        else:
            conn.execute(text("VACUUM"))
