"""Retention: old mail loses its body and keeps who, what, when and the key; nothing is ever sent again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from anquan.console import usecases as console
from anquan.cycle import usecases as cycle
from anquan.errors import AnquanError
from anquan.models.directory import Organisation
from anquan.models.obligations import Obligation
from anquan.models.outbox import Notice, OutboxMessage
from typer.testing import CliRunner

from anquan.cli import app as cli
from tests.support import outbox

FIRST = date(2026, 2, 20)


def _next_day_with_mail(app, after: date) -> date:
    for n in range(1, 20):
        day = after + timedelta(days=n)
        if cycle.tick(app, as_of=day).messages:
            return day
    raise AssertionError(f"no mail in the 20 days after {after}")


def test_prune_keeps_the_record_and_never_sends_again(planned):
    first = cycle.tick(planned, as_of=FIRST)
    assert first.messages > 0
    assert cycle.deliver_mail(planned).sent == first.messages
    later = _next_day_with_mail(planned, FIRST)  # queued, not delivered: pending
    with planned.session() as s:
        failed_id = s.execute(select(OutboxMessage.id).where(OutboxMessage.tick_date == FIRST)).scalars().first()
        s.execute(update(OutboxMessage).where(OutboxMessage.id == failed_id).values(status="failed"))
        told = s.execute(select(Notice.id).where(Notice.tick_date == FIRST, Notice.also_told.is_not(None))).all()
    old = outbox(planned, tick_date=FIRST)
    sizes = sum(len(m.raw) for m in old)

    dry = cycle.prune(planned, today=later, before=later, dry_run=True)
    assert (dry.messages, dry.body_bytes, dry.notices) == (len(old), sizes, len(told)) and dry.dry_run
    assert [m.raw for m in outbox(planned, tick_date=FIRST)] == [m.raw for m in old]  # nothing changed

    report = cycle.prune(planned, today=later + timedelta(days=30), days=30)  # the same cut-off: `later`
    assert report.before == later and (report.messages, report.body_bytes, report.notices) == (len(old), sizes, len(told))
    kept = outbox(planned, tick_date=FIRST)
    assert all(m.raw == b"" and m.pruned_at is not None for m in kept)
    # Who, what, when and the key stay, and the status: sent mail still says sent, the failed one failed.
    assert [(m.key, m.to_addr, m.subject, m.stage, m.sent_at, m.status) for m in kept] == [
        (m.key, m.to_addr, m.subject, m.stage, m.sent_at, m.status) for m in old]
    assert {m.status for m in kept} == {"sent", "failed"}
    assert all(m.raw and m.pruned_at is None for m in outbox(planned, tick_date=later))  # pending, untouched
    with planned.session() as s:
        assert s.execute(select(Notice).where(Notice.tick_date == FIRST, Notice.also_told.is_not(None))).first() is None
        notice, township_id, kind = s.execute(
            select(Notice, Organisation.township_id, Obligation.kind).join(Obligation, Obligation.id == Notice.obligation_id)
            .join(Organisation, Organisation.id == Obligation.subject_org_id)
            .where(Notice.tick_date == FIRST, Notice.outcome == "notified", Organisation.township_id.is_not(None))).first()
    assert cycle.prune(planned, today=later, before=later).messages == 0  # idempotent

    # A rerun of the day queues nothing; delivery sends only what was pending; a retry cannot revive a body.
    assert cycle.tick(planned, as_of=FIRST).messages == 0
    assert cycle.retry_mail(planned, ids=[failed_id]) == 0
    assert cycle.deliver_mail(planned).sent == len(outbox(planned, tick_date=later))
    # The console's history still says to whom the reminder went and that it was sent.
    view = console.year_cell(planned, year=2026, township_id=township_id, kind=kind)
    events = [e.text for d in view.duties if d.obligation_id == notice.obligation_id for e in d.events]
    assert any((notice.recipient_name or notice.recipient_email) in t and "已发出" in t for t in events), events


def test_prune_refuses_a_cut_off_after_today(planned):
    with pytest.raises(AnquanError) as exc:
        cycle.prune(planned, today=FIRST, before=FIRST + timedelta(days=1))
    assert exc.value.field == "before"
    with pytest.raises(AnquanError) as exc:
        cycle.prune(planned, today=FIRST, days=-1)
    assert exc.value.field == "days"


def _run(args: list[str], env: dict) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env, prog_name="anquan")
    return result.exit_code, result.stdout, result.stderr


def test_db_prune_command(planned):
    cycle.tick(planned, as_of=FIRST)
    cycle.deliver_mail(planned)
    env = {"ANQUAN_DATA_DIR": str(planned.settings.data_dir)}
    if planned.settings.database_url:
        env["ANQUAN_DATABASE_URL"] = planned.settings.database_url
    n = len(outbox(planned))
    code, stdout, _ = _run(["db", "prune", "--before", "2026-02-21", "--dry-run"], env)
    assert code == 0 and f"Mail of ticks before 2026-02-21: {n} message(s) would lose their bodies" in stdout
    code, stdout, _ = _run(["db", "prune", "--before", "2026-02-21", "--vacuum"], env)
    assert code == 0 and f"{n} message(s) lost their bodies" in stdout and "Space given back" in stdout, stdout
    assert all(m.raw == b"" for m in outbox(planned))
    code, _, stderr = _run(["db", "prune", "--days", "-1"], env)
    assert code == 1 and "days (--days)" in stderr, stderr
