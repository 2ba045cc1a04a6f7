"""Real `anquan mail deliver` processes against a real SMTP sink that counts X-Anquan-Key.

kill -9 during delivery: 0 lost, at most one duplicate per connection (a few kills here; benchmarks/kill_delivery.py
runs fifty on each backend). Two deliverers at once on one database: every message exactly once.
"""

import json
import subprocess
from collections import Counter

import pytest
from sqlalchemy import func, select

from anquan.models.outbox import OutboxMessage
from tests.support import SmtpSink
from tests.support.killing import ANQUAN, deliver_env, fill_outbox, kill_deliveries

CONNECTIONS = 4


def test_kill_9_during_delivery_loses_nothing_and_resends_at_most_one_per_connection(app):
    sink = SmtpSink().start()
    try:
        keys = fill_outbox(app.engine, 300, tz=app.settings.tz)
        env = deliver_env(app.settings, sink, connections=CONNECTIONS)
        report = kill_deliveries(engine=app.engine, env=env, sink=sink, keys=keys, kills=3, most_before_kill=30)
    finally:
        sink.stop()
    assert report.kills == 3, report
    assert report.lost == 0
    assert all(d <= CONNECTIONS for d in report.duplicates_per_kill), report.duplicates_per_kill
    assert report.duplicates == sum(report.duplicates_per_kill) <= 3 * CONNECTIONS
    assert max(report.copies) <= 2  # no message arrived three times


@pytest.mark.parametrize("backend", ["postgresql"])  # the shared database; SQLite serialises writers anyway
def test_two_deliverer_processes_at_once_send_every_message_exactly_once(app):
    """Two real `anquan mail deliver` processes on one database and one SMTP server, as two `anquan serve` of one
    installation would collide: the server takes no message before both have claimed theirs and are sending."""
    sink = SmtpSink().start()
    sink.behaviour.hold_until_peers = CONNECTIONS + 1  # a connection of the second process is in a transaction
    try:
        keys = fill_outbox(app.engine, 1200, tz=app.settings.tz)  # batches of 500: both come back for more
        env = deliver_env(app.settings, sink, connections=CONNECTIONS)
        procs = [subprocess.Popen([ANQUAN, "mail", "deliver", "--json"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        sink.stop()
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert all(r["sent"] > 0 and r["deferred"] == r["failed"] == 0 for r in reports), reports
    assert sum(r["sent"] for r in reports) == len(keys)
    arrived = Counter(sink.keys())
    assert set(arrived) == keys and set(arrived.values()) == {1}  # every message once, none twice
    t = OutboxMessage.__table__
    with app.engine.connect() as conn:
        assert dict(conn.execute(select(t.c.status, func.count()).group_by(t.c.status)).all()) == {"sent": len(keys)}
