"""Mail on the wire: a real SMTP server on loopback, the .eml folder, PostgreSQL claims (two deliverers at once:
test_delivery_kill.py, as real processes)."""

from datetime import date, timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from anquan.directory.importer import import_directory
from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.outbox import MailStatus, OutboxMessage
from anquan.models.settings import load_settings
from anquan.models.types import utcnow
from anquan.notifications.delivery import claim, deliver
from anquan.notifications.outbox import list_messages
from tests.support import write_csvs, SMALL_ORGS, SMALL_CONTACTS
from tests.support.smtp import SmtpSink, with_smtp


@pytest.fixture
def sink():
    s = SmtpSink().start()
    yield s
    s.stop()


@pytest.fixture
def queued(planned):
    """The small county planned and ticked on 20 Feb 2026 (reminders and escalations queued)."""
    app = planned
    with session_scope(app.engine) as s:
        report = tick(session=s, rules=app.rules, as_of=date(2026, 2, 20), mail_from="青岚县安委办 <anquan@qinglan.example>",
                      tz=app.settings.tz)
    assert report.messages > 3
    return app


def _pending(app):
    with session_scope(app.engine) as s:
        return s.execute(select(OutboxMessage).where(OutboxMessage.status == "pending")).scalars().all()


def _all(app):
    with session_scope(app.engine) as s:
        return s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_smtp_delivery_headers_and_recipients(queued, sink):
    a = with_smtp(queued, sink)
    expected = {m.to_addr: m for m in _all(queued)}
    report = deliver(engine=a.engine, settings=a.settings)
    assert report.sent == len(expected) and report.failed == 0 and report.deferred == 0
    assert sorted(r.rcpt_tos[0] for r in sink.received) == sorted(expected)
    for r in sink.received:
        msg = r.message
        stored = expected[r.rcpt_tos[0]]
        assert r.mail_from == "anquan@qinglan.example"
        assert str(msg["Subject"]) == stored.subject and stored.subject.startswith("【")
        assert msg["From"].addresses[0].display_name == "青岚县安委办"
        assert msg["To"].addresses[0].addr_spec == stored.to_addr
        assert msg["To"].addresses[0].display_name == stored.to_name
        assert msg["X-Anquan-Key"] == stored.key and msg["Message-ID"] == stored.message_id
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert "截止" in text and "<table" in html
        # The raw headers are 7-bit: Chinese travels as RFC 2047 encoded words.
        head = r.data.split(b"\r\n\r\n", 1)[0]
        assert head.isascii() and b"=?utf-8?b?" in head
    assert all(m.status == "sent" and m.attempts == 1 for m in _all(queued))
    # Delivering again sends nothing more.
    assert deliver(engine=a.engine, settings=a.settings).sent == 0
    assert len(sink.received) == len(expected)


def test_refusing_server_then_recovery_delivers_each_exactly_once(queued, sink):
    a = with_smtp(queued, sink, smtp_connections=2)
    total = len(_all(queued))
    sink.behaviour.transient_failures = 3
    first = deliver(engine=a.engine, settings=a.settings)
    assert first.deferred == 3 and first.sent == total - 3 and first.failed == 0
    deferred = [m for m in _all(queued) if m.status == "pending"]
    assert len(deferred) == 3 and all(m.attempts == 1 and "451" in m.last_error for m in deferred)
    # Not yet due again: a rerun right away leaves them for later.
    assert deliver(engine=a.engine, settings=a.settings).sent == 0
    later = deliver(engine=a.engine, settings=a.settings, now=lambda: utcnow() + timedelta(hours=2))
    assert later.sent == 3
    keys = [r.message["X-Anquan-Key"] for r in sink.received]
    assert len(keys) == total and len(set(keys)) == total


def test_server_down_keeps_mail_pending(queued, tmp_path):
    from tests.support.smtp import free_port

    port = free_port()  # nothing listens here
    settings = queued.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_timeout": 5})
    report = deliver(engine=queued.engine, settings=settings)
    assert report.sent == 0 and report.deferred >= 1
    pending = _pending(queued)
    assert len(pending) == len(_all(queued))  # nothing lost, nothing failed
    assert any(m.attempts == 1 and m.last_error for m in pending)


def test_permanent_refusal_is_marked_failed_with_the_answer(queued, sink):
    a = with_smtp(queued, sink)
    sink.behaviour.refuse_recipients = {"office@county.example"}
    report = deliver(engine=a.engine, settings=a.settings)
    assert report.failed == 1
    failed = [m for m in _all(queued) if m.status == "failed"]
    assert [m.to_addr for m in failed] == ["office@county.example"]
    assert "550" in failed[0].last_error and "mailbox unavailable" in failed[0].last_error
    with session_scope(queued.engine) as s:
        listed = list(list_messages(session=s, status="failed"))
    assert listed[0]["to"] == "office@county.example" and listed[0]["obligation_ids"]
    assert {"id", "key", "to", "subject", "status", "obligation_ids", "stage", "attempts", "last_error"} <= set(listed[0])


def test_crashed_deliverer_loses_nothing(queued, sink):
    a = with_smtp(queued, sink)
    total = len(_all(queued))
    # A deliverer claims everything and dies before sending.
    claimed = claim(queued.engine, worker="dead-worker", now=utcnow(), limit=1000)
    assert len(claimed) == total
    assert deliver(engine=a.engine, settings=a.settings).sent == 0  # still leased to the dead one
    after_lease = deliver(engine=a.engine, settings=a.settings, now=lambda: utcnow() + timedelta(minutes=11))
    assert after_lease.sent == total and len(sink.received) == total


def test_folder_backend_writes_eml_files(queued):
    report = deliver(engine=queued.engine, settings=queued.settings)
    folder = queued.settings.effective_mail_dir
    files = sorted(folder.glob("*.eml"))
    assert report.backend == "folder" and report.where == str(folder)
    assert len(files) == report.sent == len(_all(queued))
    from email import message_from_bytes, policy

    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["X-Anquan-Key"] and str(msg["Subject"]).startswith("【")
    assert deliver(engine=queued.engine, settings=queued.settings).sent == 0
    assert len(list(folder.glob("*.eml"))) == len(files)


def test_header_injection_is_impossible(app, tmp_path, sink):
    contacts = [list(c) for c in SMALL_CONTACTS]
    # A name with an attempted header (CSV allows a line break inside quotes; the import refuses it).
    contacts[6][1] = "孙经理\r\nBcc: victim@evil.example"
    from anquan.errors import InputRejected

    with pytest.raises(InputRejected, match="line break"):
        with session_scope(app.engine) as s:
            import_directory(session=s, path=write_csvs(tmp_path / "inj", SMALL_ORGS, contacts))
    # Even if such a name reached the renderer, it stays inside one header.
    from anquan.notifications.render import Rendered, build_message

    raw = build_message(rendered=Rendered("reminder", "主题\r\nBcc: victim@evil.example", "正文", "<p>正文</p>"),
                        to_name="孙经理\r\nBcc: victim@evil.example", to_addr="boss@e1.example",
                        mail_from="县安委办 <anquan@qinglan.example>", message_id="<x@qinglan.example>", key="x",
                        when=utcnow())
    from email import message_from_bytes, policy

    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Bcc"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == ["boss@e1.example"]


def test_html_is_autoescaped():
    from anquan.notifications.render import MailContext, MailItem, render

    item = MailItem(obligation_id=1, kind="k", title="<script>alert(1)</script>", action="a & b", org_code="E1",
                    org_name="<b>坏</b>", owner_name="<b>坏</b>", period="2026-03", due_on=date(2026, 3, 31),
                    stage="reminder-5", stage_kind="reminder", days=5, recipient_role="enterprise_principal")
    r = render(MailContext(to_name="<i>张</i>", to_addr="x@e.example", tick_date=date(2026, 3, 26), items=[item]))
    assert "<script>" not in r.html and "&lt;script&gt;" in r.html and "&lt;b&gt;坏" in r.html
    assert "<script>alert(1)</script>" in r.text  # plain text is not HTML


def test_claims_walk_pending_mail_by_index(app):
    """The claim reads ix_outbox_status_id in order: sent mail piling up before the pending rows costs nothing."""
    from anquan.notifications.delivery import due_messages

    stmt = due_messages(utcnow(), 500)
    with app.engine.connect() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table would otherwise be read whole
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            conn.exec_driver_sql("RESET ALL")
            assert "ix_outbox_status_id" in plan and "Sort" not in plan, plan
        else:
            plan = "\n".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "ix_outbox_status_id" in plan and "TEMP B-TREE" not in plan, plan


def test_a_message_goes_out_as_sendmail_sends_it_and_is_taken_only_at_its_end(tmp_path):
    """Connection.begin() + end() put the bytes of aiosmtplib's sendmail on the wire (line endings, dot-stuffing,
    SIZE, SMTPUTF8); a connection dropped between them leaves nothing at the server."""
    import asyncio
    import time

    import aiosmtplib

    from anquan.notifications.smtp import Connection

    sink = SmtpSink(smtputf8=True).start()
    settings = load_settings(data_dir=tmp_path).model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": sink.port,
                                                  "smtp_security": "none", "smtp_timeout": 10})
    raw = (b"Subject: t\r\nX-Anquan-Key: k\r\n\r\n.leading dot\n..two dots\r\n.\r\nlone cr\rlone lf\n\xe5\xae\x89\n."
           b"\r\nno end of line")
    sender, to = "anquan@qinglan.example", "马宏伟@例子.测试"

    async def send():
        conn = Connection(settings)
        await conn.open()
        await conn.begin(sender, to, raw)
        started = time.monotonic()
        await conn.drop()  # before the end of data: the server must not take it
        assert time.monotonic() - started < 3  # closed, not a QUIT the server reads as text and never answers
        await conn.open()
        await conn.begin(sender, to, raw)
        await conn.end()
        await conn.drop()
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port) as client:
            await client.sendmail(sender, ["马宏伟@xn--fsqu00a.xn--0zwm56d"], raw, mail_options=["SMTPUTF8"])

    try:
        asyncio.run(send())
    finally:
        sink.stop()
    ours, theirs = sink.received
    assert ours.data == theirs.data and ours.rcpt_tos == theirs.rcpt_tos and ours.mail_from == theirs.mail_from
    assert b"\r\n.leading dot\r\n..two dots\r\n.\r\nlone cr\r\n" in ours.data


def test_a_connection_sends_the_next_message_only_once_the_last_is_recorded(app, sink, monkeypatch):
    """Slow commits: however long the database takes, no connection has more than one message taken by the
    server and not yet recorded sent (what a kill -9 at that moment would send twice)."""
    import time

    from anquan.notifications import delivery
    from tests.support.killing import fill_outbox

    keys = fill_outbox(app.engine, 40, tz=app.settings.tz)
    connections, unrecorded, recorded = 2, [], [0]
    real_commit = delivery._Recorder._commit

    def slow_commit(self, outcomes, at):
        time.sleep(0.05)  # meanwhile the connections send what they may
        unrecorded.append(len(sink.keys()) - recorded[0])
        real_commit(self, outcomes, at)
        recorded[0] += sum(o.status == "sent" for o in outcomes)

    monkeypatch.setattr(delivery._Recorder, "_commit", slow_commit)
    a = with_smtp(app, sink, smtp_connections=connections)
    report = deliver(engine=a.engine, settings=a.settings)
    assert report.sent == len(keys) and sorted(sink.keys()) == sorted(keys)
    assert max(unrecorded) <= connections, unrecorded
    # (Whether two outcomes share a commit here is timing: with commits this slow the connections fall into turns,
    # each commit carrying the one outcome that waited while the last ran. CI saw 40 commits for 40 messages once.)
