"""`anquan web`: the officials' pages (我的待办) alone, for a production unit behind the county's reverse proxy."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from anquan.cli.kit import open_app, out


def web(
    host: Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default ANQUAN_WEB_HOST, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option("--port", help="Port (default ANQUAN_WEB_PORT, 8000).")] = None,
) -> None:
    """Serve the officials' pages: the personal links in every mail open them.

    Needs ANQUAN_SECRET_KEY; links are made with ANQUAN_PUBLIC_URL. Behind a reverse proxy on the same
    machine, the client address comes from X-Forwarded-For (trusted from ANQUAN_WEB_HOST's loopback only).

    Examples:
      anquan web
      anquan web --host 127.0.0.1 --port 8000
    """
    from anquan.web.serve import run

    a = open_app()
    host = host or a.settings.web_host
    port = port or a.settings.web_port
    out.print(f"Officials' pages on http://{host}:{port} (links point to {a.settings.effective_public_url})")
    run(a, host=host, port=port)
