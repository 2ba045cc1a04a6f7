"""`anquan serve`: the flows as scheduled deployments, with an embedded Prefect server when none is configured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from anquan.errors import AnquanError
from anquan.models.settings import Settings


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Quiet, local Prefect settings kept inside the data folder (state survives restarts)."""
    home = settings.data_dir / "prefect"
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
    }


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextmanager
def embedded_server(settings: Settings, *, wait_seconds: float = 120) -> Iterator[str]:
    """Start `prefect server` on loopback (SQLite in the data folder) unless PREFECT_API_URL is set."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured
        return
    env = {**os.environ, **prefect_environment(settings)}
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    api_url = f"http://127.0.0.1:{settings.prefect_port}/api"
    if _healthy(api_url):  # one already runs there (a previous serve, say): use it
        yield api_url
        return
    log = open(Path(env["PREFECT_HOME"]) / "server.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(settings.prefect_port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + wait_seconds
        while not _healthy(api_url):
            if proc.poll() is not None:
                raise AnquanError(f"the Prefect server stopped at start-up; see {log.name}")
            if time.monotonic() > deadline:
                raise AnquanError(f"the Prefect server did not answer within {wait_seconds:.0f} s; see {log.name}")
            time.sleep(0.5)
        yield api_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def deployments(settings: Settings) -> list:
    """The deployments: the scheduled ones on cron schedules in the county's time zone, two started by hand."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    from anquan.flows.cycle import (annual_assessment, daily_tick, deliver_mail, major_event, monthly_report, plan_year,
                             quarterly_round, sign_books, special_campaign)

    tz = settings.timezone
    return [
        daily_tick.to_deployment(name="anquan-daily-tick", schedules=[Cron(settings.tick_cron, timezone=tz)],
                                 description="Reminders and escalations due today, into the outbox."),
        # One delivery run per installation: a run that starts while the last one still sends is cancelled.
        deliver_mail.to_deployment(name="anquan-deliver-mail", schedules=[Cron(settings.deliver_cron, timezone=tz)],
                                   description="Send pending mail.",
                                   concurrency_limit=ConcurrencyLimitConfig(
                                       limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)),
        plan_year.to_deployment(name="anquan-plan-year", schedules=[Cron(settings.plan_cron, timezone=tz)],
                                description="Plan the new year's obligations."),
        annual_assessment.to_deployment(name="anquan-annual-assessment",
                                        schedules=[Cron(settings.assess_cron, timezone=tz)],
                                        description="Assess the past year, mail the results."),
        monthly_report.to_deployment(name="anquan-monthly-report", schedules=[Cron(settings.monthly_cron, timezone=tz)],
                                     description="Risk-analysis completion per township; listed hazards' progress."),
        sign_books.to_deployment(name="anquan-sign-books", schedules=[Cron(settings.books_cron, timezone=tz)],
                                 description="Send every township, village and unit its responsibility book to sign."),
        quarterly_round.to_deployment(name="anquan-quarterly-round", schedules=[Cron(settings.round_cron, timezone=tz)],
                                      description="Open the quarter: duties, key-sector enterprises, self-check notices."),
        # No schedule: the county safety office starts it by hand with its parameters.
        special_campaign.to_deployment(name="anquan-special-campaign",
                                       description="Start a special rectification campaign (专项整治)."),
        major_event.to_deployment(name="anquan-major-event",
                                  description="Enter a major event (重大活动): townships inspect before it."),
    ]


def _stop_on_sigterm(signum, frame):  # a service manager's stop: shut down like Ctrl-C
    raise KeyboardInterrupt


def serve_forever(settings: Settings) -> None:
    """Serve the deployments until interrupted, with the Prefect UI reachable for the IT officer.

    SIGTERM (systemd's stop) ends it like Ctrl-C, and the embedded server goes
    down with it. Schedules stay active while it is down: on restart the missed
    runs are taken up, and anquan.flows.schedule.superseded() lets only the newest
    daily tick act.
    """
    for key, value in prefect_environment(settings).items():
        os.environ.setdefault(key, value)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with embedded_server(settings) as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        from prefect import serve

        print(f"Prefect UI: {api_url.removesuffix('/api')}  (deployments: anquan-daily-tick, anquan-deliver-mail, anquan-plan-year, anquan-annual-assessment, anquan-monthly-report, anquan-sign-books, anquan-quarterly-round, anquan-special-campaign, anquan-major-event)",
              flush=True)
        try:
            serve(*deployments(settings), print_starting_message=False, pause_on_shutdown=False)
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
