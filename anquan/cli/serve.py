"""`anquan serve`: the flows on their schedules."""

from __future__ import annotations

from anquan.cli.kit import lazy, open_app

serving = lazy("anquan.flows.serve")


def serve() -> None:
    """Run the cycle on its schedules: the daily tick, mail delivery, and planning of the new year.

    Starts a Prefect server on 127.0.0.1 (its UI on ANQUAN_PREFECT_PORT, state
    kept in the data folder) unless PREFECT_API_URL names one, then serves the
    deployments until stopped with Ctrl-C. Schedules: ANQUAN_TICK_CRON,
    ANQUAN_DELIVER_CRON, ANQUAN_PLAN_CRON, in the county's time zone.

    Example: anquan serve
    """
    a = open_app()
    a.checked_engine()
    serving.serve_forever(a.settings)
