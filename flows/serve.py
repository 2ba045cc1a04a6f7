"""`anquan serve`: the flows as scheduled deployments, with an embedded Prefect server when none is configured."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
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


STOP_SECONDS = 10  # Ctrl-C or SIGTERM: the longest a stop may take (Prefect's client retries a dead server for minutes)


class _Stopping:
    """The embedded server's process, and the deadline a stop is held to once asked for."""

    server: subprocess.Popen | None = None
    server_died = False
    asked = False

    @classmethod
    def arm(cls) -> None:
        """From now on the process has STOP_SECONDS to end; a second Ctrl-C ends it at once, and a further SIGTERM
        (the service manager's stop arriving while the watcher stops us) changes nothing: raised again, it would cut
        the clean-up short in the middle of whatever it was doing."""
        cls.asked = True
        timer = threading.Timer(STOP_SECONDS, cls.force)
        timer.daemon = True
        timer.start()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    @classmethod
    def ask(cls, signum, frame):  # Ctrl-C, or SIGTERM before the runner handles it: shut down like Ctrl-C
        cls.arm()
        raise KeyboardInterrupt

    @classmethod
    def force(cls):
        print(f"Not stopped within {STOP_SECONDS} s: exiting now.", file=sys.stderr, flush=True)
        if cls.server is not None and cls.server.poll() is None:
            cls.server.kill()
        os._exit(1)

    @classmethod
    def watch(cls, proc: subprocess.Popen, log_name: str) -> None:
        """If the embedded server dies while serving, stop (and exit non-zero, so the service manager restarts us)."""
        cls.server = proc
        while proc.poll() is None:  # not proc.wait(): it would hold the lock poll() needs in the main thread
            time.sleep(0.5)
        if not getattr(proc, "stopping", False):
            cls.server_died = True
            print(f"The embedded Prefect server stopped (exit {proc.returncode}); see {log_name}. Stopping.",
                  file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGTERM)


def _server_environment(settings: Settings) -> dict[str, str]:
    """The embedded server listens on ANQUAN_PREFECT_HOST:ANQUAN_PREFECT_PORT and its UI calls the API there."""
    host, port = settings.prefect_host, str(settings.prefect_port)
    return {**os.environ, **prefect_environment(settings), "PREFECT_SERVER_API_HOST": host,
            "PREFECT_SERVER_API_PORT": port,
            "PREFECT_UI_API_URL": os.environ.get("PREFECT_UI_API_URL") or f"http://{host}:{port}/api"}


@contextmanager
def embedded_server(settings: Settings, *, wait_seconds: float = 120) -> Iterator[str]:
    """Start `prefect server` on ANQUAN_PREFECT_HOST (SQLite in the data folder) unless PREFECT_API_URL is set."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        if not settings.installation:
            raise AnquanError(f"PREFECT_API_URL names a Prefect server ({configured}) that other installations may share: "
                              "set ANQUAN_INSTALLATION to this installation's short name (e.g. qinglan)")
        yield configured
        return
    env = _server_environment(settings)
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    api_url = f"http://{settings.prefect_host}:{settings.prefect_port}/api"
    if _healthy(api_url):  # one already runs there (a previous serve, say): use it
        yield api_url
        return
    log = open(Path(env["PREFECT_HOME"]) / "server.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", settings.prefect_host,
         "--port", str(settings.prefect_port)], env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + wait_seconds
        while not _healthy(api_url):
            if proc.poll() is not None:
                raise AnquanError(f"the Prefect server stopped at start-up; see {log.name}")
            if time.monotonic() > deadline:
                raise AnquanError(f"the Prefect server did not answer within {wait_seconds:.0f} s; see {log.name}")
            time.sleep(0.5)
        threading.Thread(target=_Stopping.watch, args=(proc, log.name), daemon=True).start()
        yield api_url
    finally:
        if not getattr(proc, "stopping", False) and (proc.poll() is not None or not _healthy(api_url)):
            _Stopping.server_died = True  # it died before we stopped it (the watcher may not have woken yet)
        proc.stopping = True
        proc.terminate()
        try:
            proc.wait(timeout=STOP_SECONDS / 2)
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


def deployments(settings: Settings, townships: list[tuple[str, str]] = ()) -> list:
    """The deployments, each named after the installation: scheduled ones on county-time crons, two by hand (their
    townships offered as choices: the directory's (code, name) pairs)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    from anquan.campaigns.params import office_schema
    from anquan.flows import cycle
    from anquan.flows.installation import tags

    def one(flow_name: str, description: str, schedules: list):
        limit = (ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
                 if flow_name in ONE_AT_A_TIME else None)
        return getattr(cycle, flow_name).to_deployment(
            name=settings.installation_name, tags=tags(settings), description=description, schedules=schedules,
            concurrency_limit=limit)

    by_hand = [one(f, d, []) for f, d in BY_HAND]
    for made in by_hand:
        schema = office_schema(made._parameter_openapi_schema.model_dump(), list(townships),
                               what="event" if made.flow_name == "major_event" else "campaign")
        made._parameter_openapi_schema = type(made._parameter_openapi_schema).model_validate(schema)
    return [one(f, d, [Cron(getattr(settings, cron), timezone=settings.timezone)]) for f, cron, d in SCHEDULED] + by_hand


def _runner(settings: Settings, townships: list[tuple[str, str]]):
    """Prefect's Runner (what prefect.serve() runs) with the deployments; its SIGTERM handler held to STOP_SECONDS."""
    from prefect.runner import Runner

    class HeldToTime(Runner):
        def handle_sigterm(self, *args, **kwargs) -> None:  # the runner's graceful stop, which may wait on a dead server
            _Stopping.arm()
            super().handle_sigterm(*args, **kwargs)

    runner = HeldToTime(pause_on_shutdown=False)
    for made in deployments(settings, townships):
        runner.add_deployment(made)
    return runner


def serve_forever(settings: Settings, townships: list[tuple[str, str]] = ()) -> None:
    """Serve the deployments until interrupted, with the Prefect UI reachable for the IT officer.

    SIGTERM (systemd's stop) ends it like Ctrl-C, within STOP_SECONDS, and the embedded server goes
    down with it; if the embedded server dies, it stops too and exits non-zero (the service manager restarts
    it). Schedules stay active while it is down: on restart the missed
    runs are taken up, and anquan.flows.schedule.newest_due() makes a missed daily tick act for the
    newest scheduled day.
    """
    for key, value in prefect_environment(settings).items():
        os.environ.setdefault(key, value)
    signal.signal(signal.SIGTERM, _Stopping.ask)
    signal.signal(signal.SIGINT, _Stopping.ask)
    with embedded_server(settings) as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        try:
            runner = _runner(settings, list(townships))  # Prefect's runner imported and built before "serving"
            print(f"Prefect UI: {api_url.removesuffix('/api')}  (installation {settings.installation_name}: "
                  f"deployments daily_tick/{settings.installation_name}, deliver_mail/{settings.installation_name}, "
                  "...)", flush=True)
            asyncio.run(runner.start())
        except (KeyboardInterrupt, SystemExit):  # Ctrl-C; the runner's SIGTERM handler exits on a second one
            print("Stopped.", flush=True)
        except Exception as exc:
            # A stop lands wherever the main thread is: inside a library it may come out as that library's error
            # (pydantic wraps a KeyboardInterrupt raised during a model_dump). Asked to stop, we stop, cleanly.
            if not _Stopping.asked:
                raise
            print(f"Stopped (interrupted in {type(exc).__name__}).", flush=True)
        finally:  # stopping: a late SIGTERM (the watcher's) must not cut the clean-up short; STOP_SECONDS holds
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if _Stopping.server_died:
        raise AnquanError("the embedded Prefect server stopped while serving; see its server.log in the data folder")
