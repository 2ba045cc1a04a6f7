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
from anquan.vocabulary import ANNUAL_ASSESSMENT


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Quiet, local Prefect settings kept inside the data folder (state survives restarts)."""
    home = settings.data_dir / "prefect"
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "INFO"),
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
        if not settings.installation:
            raise AnquanError(f"PREFECT_API_URL names a Prefect server ({configured}) that other installations may share: "
                              "set ANQUAN_INSTALLATION to this installation's short name (e.g. qinglan)")
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


# What each deployment runs and when; prefect.yaml says the same for `prefect deploy` (tests/flows compare them).
SCHEDULED = [  # (flow, settings field of its cron, description)
    ("daily_tick", "tick_cron", "Reminders and escalations due today, into the outbox."),
    ("deliver_mail", "deliver_cron", "Send pending mail."),
    ("plan_year", "plan_cron", "Plan the new year's obligations."),
    (ANNUAL_ASSESSMENT, "assess_cron", "Assess the past year, mail the results."),
    ("monthly_report", "monthly_cron", "Risk-analysis completion per township; listed hazards' progress."),
    ("sign_books", "books_cron", "Send every township, village and unit its responsibility book to sign."),
    ("quarterly_round", "round_cron", "Open the quarter: duties, key-sector enterprises, self-check notices."),
    ("prune_history", "prune_cron", "Prune old mail bodies (ANQUAN_RETENTION_DAYS) and Prefect's old runs."),
]
BY_HAND = [  # no schedule: the county safety office starts them with their parameters
    ("special_campaign", "Start a special rectification campaign (专项整治)."),
    ("major_event", "Enter a major event (重大活动): townships inspect before it."),
]


def flow_names() -> list[str]:
    """Every flow this installation deploys."""
    return [f for f, _, _ in SCHEDULED] + [f for f, _ in BY_HAND]


# At most one run at a time per installation; a run that comes due while one runs is cancelled, not queued.
ONE_AT_A_TIME = {"daily_tick", "deliver_mail"}


def deployments(settings: Settings) -> list:
    """The deployments, each named after the installation: scheduled ones on county-time crons, two by hand."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    from anquan.flows import cycle
    from anquan.flows.installation import tags

    def one(flow_name: str, description: str, schedules: list):
        limit = (ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
                 if flow_name in ONE_AT_A_TIME else None)
        return getattr(cycle, flow_name).to_deployment(
            name=settings.installation_name, tags=tags(settings), description=description, schedules=schedules,
            concurrency_limit=limit)

    return [one(f, d, [Cron(getattr(settings, cron), timezone=settings.timezone)]) for f, cron, d in SCHEDULED] + [
        one(f, d, []) for f, d in BY_HAND]


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

        print(f"Prefect UI: {api_url.removesuffix('/api')}  (installation {settings.installation_name}: deployments "
              f"daily_tick/{settings.installation_name}, deliver_mail/{settings.installation_name}, ...)", flush=True)
        try:
            serve(*deployments(settings), print_starting_message=False, pause_on_shutdown=False)
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
