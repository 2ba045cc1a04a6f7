"""Delivery when things go wrong, against a real SMTP server on loopback (aiosmtpd).

A refused login, a connection that drops mid-batch, a server without SMTPUTF8,
addresses with Chinese in them, `mail retry`, and a lease renewed while a slow
deliverer works.
"""

from datetime import date, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from anquan.cycle import usecases as cycle
from anquan.cycle.tick import tick
from anquan.directory.importer import import_directory
from anquan.models.db import session_scope
from anquan.models.directory import Contact
from anquan.models.outbox import OutboxMessage
from anquan.models.types import utcnow
from anquan.notifications.delivery import DeliveryHalted, claim, deliver, renew
from anquan.notifications.outbox import enqueue, list_messages
from anquan.notifications.render import Rendered
from tests.support import SMALL_CONTACTS, SMALL_ORGS, SmtpSink, free_port, with_smtp, write_csvs

MAIL_FROM = "青岚县安委办 <anquan@qinglan.example>"


@pytest.fixture
def queued(planned):
    """The small county planned and ticked on 20 Feb 2026 (reminders and escalations queued)."""
    with session_scope(planned.engine) as s:
        report = tick(session=s, rules=planned.rules, as_of=date(2026, 2, 20), mail_from=MAIL_FROM,
                      tz=planned.settings.tz)
    assert report.messages > 3
    return planned


def _rows(app):
    with session_scope(app.engine) as s:
        return s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


@pytest.fixture
def auth_sink():
    s = SmtpSink(auth=True).start()
    yield s
    s.stop()


def test_refused_login_holds_everything_with_one_login_and_one_alert(queued, auth_sink):
    auth_sink.behaviour.refuse_logins = True
    a = with_smtp(queued, auth_sink, smtp_connections=4, smtp_username="anquan", smtp_password=SecretStr("wrong-password"))
    total = len(_rows(queued))
    with pytest.raises(DeliveryHalted, match="535") as raised:
        cycle.deliver_mail(a)
    assert "wrong-password" not in str(raised.value) and "anquan mail retry" in str(raised.value)
    assert auth_sink.logins == 1 and not auth_sink.received  # one login for the run, not one per message
    rows = _rows(queued)
    assert all(m.status == "pending" and m.last_error.startswith("delivery halted: ") for m in rows)
    assert sorted(m.attempts for m in rows) == [0] * (total - 1) + [1]  # only the message in flight counts a try
    assert "535" in cycle.mail_alert(a)  # `anquan mail list` shows it above the table
    # Held back: the next scheduled run does not hammer the server with the same password.
    assert deliver(engine=a.engine, settings=a.settings).sent == 0 and auth_sink.logins == 1
    # IT fixes the password and requeues: everything goes, once.
    auth_sink.behaviour.refuse_logins = False
    assert cycle.retry_mail(a) == total
    report = cycle.deliver_mail(a)
    assert report.sent == total and report.halted is None
    assert sorted(auth_sink.keys()) == sorted(m.key for m in rows)
    assert auth_sink.logins <= 4 + 1  # one per connection
    assert cycle.mail_alert(a) is None


def test_unreachable_server_halts_the_run(queued):
    settings = queued.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port(),
                                                  "smtp_security": "none", "smtp_connections": 4})
    report = deliver(engine=queued.engine, settings=settings)
    assert report.halted and "cannot connect to 127.0.0.1" in report.halted and report.sent == report.failed == 0
    assert report.deferred == len(_rows(queued))


def test_dropped_connection_retries_only_the_message_in_flight(queued, sink):
    a = with_smtp(queued, sink, smtp_connections=2)
    rows = _rows(queued)
    sink.behaviour.drop_at = {2}  # the second message's DATA: the connection goes without an answer
    report = deliver(engine=a.engine, settings=a.settings)
    assert report.sent == len(rows) and report.deferred == report.failed == 0 and report.halted is None
    assert sorted(sink.keys()) == sorted(m.key for m in rows)  # the dropped one went again, on a new connection
    assert all(m.status == "sent" and m.attempts == 1 for m in _rows(queued))  # no counter raised for anyone


def test_connection_that_keeps_dropping_leaves_the_rest_untried(queued, sink):
    a = with_smtp(queued, sink, smtp_connections=1)
    total = len(_rows(queued))
    sink.behaviour.drop_at = {2, 3}  # the message in flight drops, and drops again on the fresh connection
    report = deliver(engine=a.engine, settings=a.settings)
    rows = _rows(queued)
    assert report.sent == 1 and report.deferred == total - 1 and report.halted is None
    dropped = [m for m in rows if m.status == "pending" and m.attempts == 1]
    assert len(dropped) == 1 and "dropped twice" in dropped[0].last_error
    untouched = [m for m in rows if m.status == "pending" and m.attempts == 0]
    assert len(untouched) == total - 2 and all(m.last_error is None for m in untouched)
    assert deliver(engine=a.engine, settings=a.settings).sent == total - 2  # due at once on the next run


def _queue_to(app, addresses: list[str]) -> None:
    with session_scope(app.engine) as s:
        for i, addr in enumerate(addresses):
            enqueue(session=s, key=f"idn-{i}", to_name="胡", to_addr=addr, stage="test", on=date(2026, 3, 2),
                    rendered=Rendered("reminder", "【提醒】测试", "正文", "<p>正文</p>"), mail_from=MAIL_FROM,
                    tz=app.settings.tz)


@pytest.mark.parametrize("smtputf8", [False, True])
def test_internationalised_addresses(app, smtputf8):
    sink = SmtpSink(smtputf8=smtputf8).start()
    try:
        _queue_to(app, ["hu@例子.测试", "马宏伟@qinglan.example"])
        report = deliver(engine=app.engine, settings=with_smtp(app, sink).settings)
    finally:
        sink.stop()
    rcpts = [r.rcpt_tos[0] for r in sink.received]
    assert "hu@xn--fsqu00a.xn--0zwm56d" in rcpts  # the domain IDNA-encoded on the wire, whatever the server
    to_header = {r.rcpt_tos[0]: r.message["To"].addresses[0].addr_spec for r in sink.received}
    assert to_header["hu@xn--fsqu00a.xn--0zwm56d"] == "hu@xn--fsqu00a.xn--0zwm56d"
    rows = {m.to_addr: m for m in _rows(app)}
    if smtputf8:
        assert report.sent == 2 and "马宏伟@qinglan.example" in rcpts
    else:
        assert report.sent == 1 and report.failed == 1
        refused = rows["马宏伟@qinglan.example"]
        assert refused.status == "failed" and "SMTPUTF8" in refused.last_error


def test_tick_quarantines_an_address_it_cannot_build_and_goes_on(planned):
    app = planned
    day = date(2026, 2, 20)
    with session_scope(app.engine) as s:  # what the day would queue, then undone
        clean = tick(session=s, rules=app.rules, as_of=day, mail_from=MAIL_FROM, tz=app.settings.tz)
        victim = s.execute(select(OutboxMessage.to_addr).order_by(OutboxMessage.id)).scalars().first()
        s.rollback()
    with session_scope(app.engine) as s:  # an address that slipped past the import (typed into the database)
        s.execute(update(Contact).where(Contact.email == victim).values(email="无效地址"))
    with session_scope(app.engine) as s:
        report = tick(session=s, rules=app.rules, as_of=day, mail_from=MAIL_FROM, tz=app.settings.tz)
    assert report.quarantined == 1 and report.messages == clean.messages - 1
    assert report.as_dict()["quarantined"] == 1
    with session_scope(app.engine) as s:
        failed = list(list_messages(session=s, status="failed"))
    assert [m["to"] for m in failed] == ["无效地址"] and "quarantined" in failed[0]["last_error"]
    assert deliver(engine=app.engine, settings=app.settings).sent == clean.messages - 1


def test_directory_import_takes_internationalised_addresses_and_refuses_broken_ones(app, tmp_path):
    from anquan.errors import InputRejected

    contacts = [list(c) for c in SMALL_CONTACTS]
    contacts[0][3], contacts[1][3] = "马宏伟@qinglan.example", "hu@例子.测试"
    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(tmp_path / "idn", SMALL_ORGS, contacts))
        emails = set(s.execute(select(Contact.email)).scalars())
    assert {"马宏伟@qinglan.example", "hu@例子.测试"} <= emails
    contacts[2][3] = "hu@例子..测试"
    with pytest.raises(InputRejected, match=r"row 4, column email"):
        with session_scope(app.engine) as s:
            import_directory(session=s, path=write_csvs(tmp_path / "bad", SMALL_ORGS, contacts))


def test_mail_retry_requeues_failed_by_id_and_by_day(queued, sink):
    a = with_smtp(queued, sink)
    sink.behaviour.refuse_recipients = {"office@county.example"}
    assert deliver(engine=a.engine, settings=a.settings).failed == 1
    failed = next(m for m in _rows(queued) if m.status == "failed")
    today = utcnow().astimezone(queued.settings.tz).date()
    assert cycle.retry_mail(a, failed_since=today + timedelta(days=1)) == 0
    assert cycle.retry_mail(a, ids=[failed.id]) == 1
    sink.behaviour.refuse_recipients = set()
    assert deliver(engine=a.engine, settings=a.settings).sent == 1
    assert cycle.retry_mail(a) == 0  # nothing failed or waiting is left; sent mail is never requeued


def test_lease_is_renewed_while_the_deliverer_works(queued):
    worker, start = "slow-worker", utcnow()
    claimed = claim(queued.engine, worker=worker, now=start, limit=1000)
    later = start + timedelta(minutes=9)  # nearly the whole lease spent on a slow server
    assert renew(queued.engine, worker=worker, now=later) == len(claimed)
    # Another deliverer after the first lease would have run out finds nothing to take.
    assert claim(queued.engine, worker="other", now=start + timedelta(minutes=11), limit=1000) == []
    assert len(claim(queued.engine, worker="other", now=later + timedelta(minutes=11), limit=1000)) == len(claimed)


def test_a_slow_deliverer_renews_its_lease_while_it_works(queued, sink, monkeypatch):
    from anquan.notifications import delivery

    renewed = []
    real_renew = delivery.renew
    monkeypatch.setattr(delivery, "renew", lambda engine, **kw: renewed.append(real_renew(engine, **kw)) or renewed[-1])
    sink.behaviour.delay = 0.15  # every answer takes a while: the run outlasts several renewals
    a = with_smtp(queued, sink, smtp_connections=1)
    report = deliver(engine=a.engine, settings=a.settings, renew_every=0.1)
    assert report.sent == len(_rows(queued))
    assert renewed and renewed[0] > 0  # the claimed messages not yet sent had their lease extended


@pytest.fixture
def sink():
    s = SmtpSink().start()
    yield s
    s.stop()
