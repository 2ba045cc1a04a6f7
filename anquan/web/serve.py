"""Running the pages: uvicorn in the foreground (`anquan web`), or in a thread beside the schedules (`anquan serve`)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

from anquan.app import App
from anquan.errors import AnquanError
from anquan.web.security import install_log_redaction


def _server(app: App, *, host: str, port: int):
    """uvicorn over the pages; proxy headers are trusted from loopback only (the county's reverse proxy)."""
    import uvicorn

    from anquan.web.app import create_app

    config = uvicorn.Config(create_app(app), host=host, port=port, proxy_headers=True,
                            forwarded_allow_ips="127.0.0.1", server_header=False, log_level="info")
    server = uvicorn.Server(config)
    install_log_redaction()  # again: uvicorn.Config sets up its loggers afresh
    return server


def run(app: App, *, host: str, port: int) -> None:
    """Serve until stopped (Ctrl-C or SIGTERM)."""
    _server(app, host=host, port=port).run()


@contextmanager
def pages_beside(app: App, *, wait_seconds: float = 30) -> Iterator[str | None]:
    """The pages in a thread of this process while the caller serves the schedules; yields their address,
    or None (with the reason printed) when they cannot be served (no ANQUAN_SECRET_KEY)."""
    if not app.settings.signing_keys:
        print("Officials' pages not served: set ANQUAN_SECRET_KEY to serve them.", flush=True)
        yield None
        return
    host, port = app.settings.web_host, app.settings.web_port
    server = _server(app, host=host, port=port)
    thread = threading.Thread(target=server.run, name="anquan-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + wait_seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AnquanError(f"the officials' pages did not start on {host}:{port} (is the port taken?)")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
