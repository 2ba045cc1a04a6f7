"""`anquan serve`: the flows on their schedules."""

from __future__ import annotations

from typing import Annotated

import typer

from anquan.cli.kit import lazy, open_app

serving = lazy("anquan.flows.serve")
pages = lazy("anquan.web.serve")


def serve(
    web: Annotated[bool, typer.Option("--web/--no-web", help="Also serve the officials' pages (default: yes, when ANQUAN_SECRET_KEY is set).")] = True,
) -> None:
    """Run the cycle on its schedules: the daily tick, mail delivery, and planning of the new year.

    Starts a Prefect server on 127.0.0.1 (its UI on ANQUAN_PREFECT_PORT, state
    kept in the data folder) unless PREFECT_API_URL names one, then serves the
    deployments until stopped with Ctrl-C. Schedules: ANQUAN_TICK_CRON,
    ANQUAN_DELIVER_CRON, ANQUAN_PLAN_CRON, in the county's time zone.

    The officials' pages (`anquan web`) run beside them (a thread of this process) when ANQUAN_SECRET_KEY is set,
    on ANQUAN_WEB_HOST:ANQUAN_WEB_PORT.

    Examples:
      anquan serve
      anquan serve --no-web      # a production unit, with the pages in anquan-web.service
    """
    a = open_app()
    a.checked_engine()
    if not web:
        serving.serve_forever(a.settings)
        return
    with pages.pages_beside(a) as address:
        if address:
            print(f"Officials' pages: {address}/my (opened through the personal link in each mail)", flush=True)
        serving.serve_forever(a.settings)
