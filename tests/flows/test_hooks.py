"""The failure hook says whether IT was reached: an alert mail refused by the very server that failed the run must
not be logged as 'IT alerted' (seen executing the runbook: a wrong SMTP password, and the log said IT knew)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from anquan.flows.hooks import alert_it
from tests.support.smtp import SmtpSink


def _failed_tick():
    return (SimpleNamespace(name="deliver_mail"),
            SimpleNamespace(name="brave-otter", id="00000000-0000-0000-0000-000000000001", expected_start_time=None),
            SimpleNamespace(type=SimpleNamespace(value="FAILED"), name="Failed", message="535 login refused"))


def test_an_alert_that_reaches_nobody_says_so_and_one_that_arrives_says_where(monkeypatch, tmp_path, caplog):
    sink = SmtpSink(auth=True).start()
    sink.behaviour.refuse_logins = True
    try:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_SECURITY": "none",
                           "SMTP_USERNAME": "anquan", "SMTP_PASSWORD": "wrong-password", "IT_EMAIL": "it@qinglan.example",
                           "INSTALLATION": "qinglan", "DATA_DIR": str(tmp_path)}.items():
            monkeypatch.setenv(f"ANQUAN_{key}", value)
        with caplog.at_level(logging.WARNING, logger="anquan.alerts"):
            alert_it(*_failed_tick())
        assert "alert mail to it@qinglan.example failed" in caplog.text
        assert "IT NOT alerted" in caplog.text and "IT alerted (" not in caplog.text
        assert sink.received == [] and "wrong-password" not in caplog.text

        caplog.clear()
        sink.behaviour.refuse_logins = False
        with caplog.at_level(logging.WARNING, logger="anquan.alerts"):
            alert_it(*_failed_tick())
        assert "IT alerted (mail to it@qinglan.example)" in caplog.text and "NOT" not in caplog.text
        assert [r.rcpt_tos for r in sink.received] == [["it@qinglan.example"]]
    finally:
        sink.stop()
