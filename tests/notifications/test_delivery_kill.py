"""kill -9 of a real `anquan mail deliver` against a real SMTP sink: 0 lost, at most one duplicate per connection.

A few kills here (CI); benchmarks/kill_delivery.py runs fifty on each backend.
"""

import os

from tests.support import SmtpSink
from tests.support.killing import kill_deliveries, fill_outbox

CONNECTIONS = 4


def test_kill_9_during_delivery_loses_nothing_and_resends_at_most_one_per_connection(app):
    sink = SmtpSink().start()
    try:
        keys = fill_outbox(app.engine, 300, tz=app.settings.tz)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
        env.update({"ANQUAN_DATA_DIR": str(app.settings.data_dir), "ANQUAN_SMTP_HOST": "127.0.0.1",
                    "ANQUAN_SMTP_PORT": str(sink.port), "ANQUAN_SMTP_SECURITY": "none",
                    "ANQUAN_SMTP_CONNECTIONS": str(CONNECTIONS), "ANQUAN_MAIL_FROM": "anquan@qinglan.example"})
        if app.settings.database_url:
            env["ANQUAN_DATABASE_URL"] = app.settings.database_url
        report = kill_deliveries(engine=app.engine, env=env, sink=sink, keys=keys, kills=3, most_before_kill=30)
    finally:
        sink.stop()
    assert report.kills == 3, report
    assert report.lost == 0
    assert all(d <= CONNECTIONS for d in report.duplicates_per_kill), report.duplicates_per_kill
    assert report.duplicates == sum(report.duplicates_per_kill) <= 3 * CONNECTIONS
    assert max(report.copies) <= 2  # no message arrived three times
