"""`anquan serve`: the flows on their schedules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from anquan.cli.kit import flags_of_this_command, lazy, open_app

serving = lazy("anquan.flows.serve")
pages = lazy("anquan.web.serve")
deploying = lazy("anquan.flows.deploy")
campaigns = lazy("anquan.campaigns.usecases")


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
    townships = campaigns.township_choices(a)
    if not web:
        serving.serve_forever(a.settings, townships)
        return
    with pages.pages_beside(a) as address:
        if address:
            print(f"Officials' pages: {address}/my (opened through the personal link in each mail)", flush=True)
        serving.serve_forever(a.settings, townships)


def deploy(
    prefect_file: Annotated[Optional[Path], typer.Option("--prefect-file", help="Default: prefect.yaml of the checkout Anquan runs from.")] = None,
) -> None:
    """Deploy this installation's flows to a shared Prefect server (prefect.yaml, a process work pool).

    Reads the settings as every command does (.env here, ANQUAN_* variables), requires ANQUAN_INSTALLATION
    and PREFECT_API_URL, and runs `prefect deploy --all` with prefect.yaml's placeholders filled from them:
    every deployment is named after the installation (daily_tick/qinglan), tagged with it and put in the work
    queue of that name in ANQUAN_WORK_POOL. Run it again after changing a schedule. Then start a worker:
      prefect worker start --pool anquan --work-queue qinglan --type process

    Examples:
      anquan deploy
    """
    flags_of_this_command(prefect_file="--prefect-file", installation=None, prefect_api_url=None)
    a = open_app()
    a.checked_engine()
    made = deploying.deploy(a.settings, prefect_file=prefect_file, townships=campaigns.township_choices(a))
    print(f"Deployed {len(made)} deployments of installation {a.settings.installation} to "
          f"work pool {a.settings.work_pool}, work queue {a.settings.installation}:")
    for name in made:
        print(f"  {name}")
    print(f"Start its worker: prefect worker start --pool {a.settings.work_pool} "
          f"--work-queue {a.settings.installation} --type process")
