"""Fixtures for the officials' pages: the small county planned and ticked, an App with a key, a client."""

from __future__ import annotations

import time
from datetime import date

import pytest
from fastapi.testclient import TestClient

from anquan.app import App
from anquan.cycle.planning import plan_year
from anquan.cycle.tick import tick
from anquan.directory.importer import import_directory
from anquan.web.app import create_app
from anquan.web.security import Limits

KEY = "k" * 20 + "-test-signing-key-0123456789"
OLD_KEY = "o" * 20 + "-old-signing-key-0123456789"
TODAY = date(2026, 2, 20)


def keyed(app: App, **extra) -> App:
    """The App with a signing key, a public address and a fixed today, on the same database."""
    settings = app.settings.model_copy(update={"secret_key": __import__("pydantic").SecretStr(KEY),
                                               "public_url": "http://testserver", **extra})
    a = App(settings=settings)
    a.__dict__["engine"] = app.engine
    a.today = lambda: TODAY
    return a


@pytest.fixture
def web_county(app, small_dir) -> App:
    """The small county planned for 2026 and ticked on 20 February (mail queued with personal links)."""
    a = keyed(app)
    with a.session() as s:
        import_directory(session=s, path=small_dir)
        plan_year(session=s, rules=a.rules, calendar=a.calendar, year=2026)
        tick(session=s, rules=a.rules, as_of=TODAY, mail_from=a.settings.mail_from, tz=a.settings.tz)
    return a


@pytest.fixture
def client(web_county) -> TestClient:
    with TestClient(create_app(web_county, limits=Limits(links=1000, reports=1000)), follow_redirects=False) as c:
        yield c


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = __import__("pathlib").Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser build).

    Per test, not per session: Playwright's sync API runs an event loop in this thread while it is open,
    and the tests after it call asyncio.run (delivery).

    Missing, the browser tests skip with the reason; in CI (CI=true) they fail instead, since .ci/run installs it."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).is_file():
        message = f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; .ci/run installs it")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Chinese browser chrome, as on an official's phone: the date field reads 2026/02/20 and the file button
        # 选择文件 (Debian's chromium-l10n, which .ci/run installs, and LANGUAGE for the headless shell).
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--lang=zh-CN"],
                                    env={**os.environ, "LANGUAGE": "zh_CN:zh"})
        yield browser
        browser.close()


@pytest.fixture
def live_server():
    """Serve with uvicorn on a free loopback port, in a thread: start(make_web) -> base URL, where make_web(base)
    builds the application knowing its own address (the links it makes point there)."""
    import threading

    import uvicorn

    from tests.support.smtp import free_port

    servers = []

    def start(make_web) -> str:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = uvicorn.Server(uvicorn.Config(make_web(base), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        servers.append((server, thread))
        return base

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served_county(app, small_dir, live_server):
    """serve(today, **settings) -> (App, base URL): the small county imported and 2026 planned, its pages served on
    loopback by uvicorn with a fixed today and the settings given (an SMTP sink's, say)."""

    def serve(today: date, **settings):
        state = {}

        def make_web(base):
            a = keyed(app, public_url=base, **settings)
            a.today = lambda: today
            state["app"] = a
            return create_app(a)

        base = live_server(make_web)
        a = state["app"]
        with a.session() as s:
            import_directory(session=s, path=small_dir)
            plan_year(session=s, rules=a.rules, calendar=a.calendar, year=2026)
        return a, base

    return serve
