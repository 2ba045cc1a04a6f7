"""The test suite never touches what the shell or a `.env` points at (issue 10: tests sealed from production).

A copy of the checkout gets a hostile `.env` and the run a hostile environment, both naming a live SMTP server
and a "production" database. The tests that build settings, deliver mail and run the README's main command
then run there; the server must receive nothing and the production database must never be created.
"""

from __future__ import annotations

import subprocess

from tests.support.smtp import SmtpSink
from tests.support.checkout import checkout_copy, clean_env

# The settings tests, delivery over SMTP and to the mail folder, and the README's main command in a copy of the
# checkout: the paths by which a test could reach the shell's server or database. (The whole of test_delivery.py
# ran here once; its other tests build their settings the same way and only cost time.)
INNER = [
    "tests/models/test_settings.py",
    "tests/notifications/test_delivery.py::test_smtp_delivery_headers_and_recipients",
    "tests/notifications/test_delivery.py::test_folder_backend_writes_eml_files",
    "tests/cli/test_cli.py::test_readme_main_command_once",
]


def test_suite_ignores_the_shells_settings_and_dotenv(tmp_path):
    sink = SmtpSink().start()
    try:
        copy = checkout_copy(tmp_path / "checkout")
        production = tmp_path / "production"
        hostile = {
            "ANQUAN_SMTP_HOST": "127.0.0.1", "ANQUAN_SMTP_PORT": str(sink.port), "ANQUAN_SMTP_SECURITY": "none",
            "ANQUAN_DATABASE_URL": f"sqlite:///{production / 'anquan.db'}", "ANQUAN_DATA_DIR": str(production),
        }
        (copy / ".env").write_text("".join(f"{k}={v}\n" for k, v in hostile.items()), encoding="utf-8")
        proc = subprocess.run(["bash", "scripts/test", "-n", "0", "-q", "-p", "no:cacheprovider", *INNER], cwd=copy,
                              env=clean_env(**hostile), capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        assert " passed" in proc.stdout
        assert sink.received == [], f"{len(sink.received)} message(s) reached the shell's SMTP server"
        assert not production.exists(), "a test wrote to the shell's data folder or database"
    finally:
        sink.stop()


def test_the_hostile_setup_would_be_noticed(tmp_path):
    """Without the sealing, the same settings do reach the server: the check above can fail."""
    sink = SmtpSink().start()
    try:
        from anquan.models.settings import load_settings
        from anquan.notifications.delivery import deliver
        from anquan.app import App
        from anquan.models.db import upgrade
        from anquan.notifications.outbox import enqueue
        from anquan.notifications.render import Rendered
        from datetime import date
        from zoneinfo import ZoneInfo

        (tmp_path / ".env").write_text(f"ANQUAN_SMTP_HOST=127.0.0.1\nANQUAN_SMTP_PORT={sink.port}\n"
                                       f"ANQUAN_SMTP_SECURITY=none\nANQUAN_DATA_DIR={tmp_path / 'prod'}\n", encoding="utf-8")
        settings = load_settings()  # reads ./.env (the test runs in tmp_path)
        app = App(settings=settings)
        upgrade(app.engine)
        with app.session() as s:
            enqueue(session=s, key="sealed-check", to_name="甲", to_addr="a@example.com",
                    rendered=Rendered("t", "主题", "正文", "<p>正文</p>"), stage="test", on=date(2026, 1, 5),
                    mail_from=settings.mail_from, tz=ZoneInfo("Asia/Shanghai"))
        deliver(engine=app.engine, settings=settings)
        assert len(sink.received) == 1
    finally:
        sink.stop()
