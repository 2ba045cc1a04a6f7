"""Restoring an older backup never sends again what was sent after it was taken (deploy/README.md, Backups)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from anquan.cycle import usecases as cycle
from anquan.models.db import session_scope
from anquan.models.outbox import MailStatus, OutboxMessage
from anquan.notifications.outbox import SENT_BEFORE_RESTORE


@pytest.fixture(params=["sqlite"])
def backend(request):
    """A restore is a copy of the database file here; what it restores is the same on PostgreSQL (pg_restore)."""
    return request.param


def _keys(app, status: str) -> set[str]:
    with session_scope(app.engine) as s:
        return set(s.execute(select(OutboxMessage.key).where(OutboxMessage.status == status)).scalars())


def _copy_db(app, to) -> None:
    """A backup as `sqlite3 anquan.db ".backup FILE"` makes it (consistent while the database is in use)."""
    src, dst = sqlite3.connect(app.settings.data_dir / "anquan.db"), sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _restore(app, backup) -> None:
    """The service stopped, the file put back (and the stopped database's write-ahead log with it)."""
    app.engine.dispose()
    db = app.settings.data_dir / "anquan.db"
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    shutil.copyfile(backup, db)


def test_a_restored_backup_sends_nothing_twice(planned, tmp_path):
    app = planned
    # The night's backup is taken while a day's mail is still queued (delivered minutes later).
    assert cycle.tick(app, as_of=date(2026, 3, 10)).messages
    _copy_db(app, tmp_path / "backup.db")
    cycle.deliver_mail(app)
    # The next days run on: ticks, mail delivered. Then the database is lost.
    for day in (date(2026, 3, 20), date(2026, 4, 1)):
        assert cycle.tick(app, as_of=day).messages
        cycle.deliver_mail(app)
    _copy_db(app, tmp_path / "lost.db")
    sent_before = _keys(app, MailStatus.sent.value)

    _restore(app, tmp_path / "backup.db")  # the older backup restored
    report = cycle.record_restored(app, last_tick=date(2026, 4, 1))
    assert report.marked_sent >= report.queued_again > 0
    assert not _keys(app, MailStatus.pending.value)  # nothing queued to go out again
    with session_scope(app.engine) as s:
        assert set(s.execute(select(OutboxMessage.last_error).where(
            OutboxMessage.status == MailStatus.sent.value, OutboxMessage.sent_at.is_not(None),
            OutboxMessage.key.not_in(sent_before))).scalars()) <= {SENT_BEFORE_RESTORE}

    # The next day's tick sends what the lost database would have sent, nothing of the days before.
    next_day = date(2026, 4, 10)
    restored = cycle.tick(app, as_of=next_day).messages
    restored_keys = _keys(app, MailStatus.pending.value)
    _restore(app, tmp_path / "lost.db")  # what the lost database would have done that day
    assert cycle.tick(app, as_of=next_day).messages == restored > 0
    assert _keys(app, MailStatus.pending.value) == restored_keys
