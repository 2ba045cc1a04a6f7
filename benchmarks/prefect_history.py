"""What Prefect's run history costs and what the nightly prune gives back, on a real `prefect server` (SQLite).

Starts a Prefect server in a temporary PREFECT_HOME, registers the installation's deliver_mail deployment, runs
N delivery runs from it (on an empty Anquan database: each sends nothing, as most of the 288 daily runs do),
scheduled 40 days ago so they are past ANQUAN_PREFECT_RETENTION_DAYS (30), then prunes them with the flow's own
function (read_flow_runs filtered by this installation's deployments, delete_flow_run), and measures the
server's database: its file and the rows of the tables that grow.

Run: .venv/bin/python benchmarks/prefect_history.py [--runs 100]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

TABLES = ("flow_run", "flow_run_state", "task_run", "log", "artifact", "events", "event_resources")
MiB = 1048576


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def figures(db: Path) -> dict:
    with sqlite3.connect(db) as c:
        names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES if t in names}
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return {"bytes": size, **rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        port = free_port()
        env = {"PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
               "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "ANQUAN_DATA_DIR": str(tmp / "data"),
               "PREFECT_LOGGING_LEVEL": "INFO"}
        os.environ.update(env)
        server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env={**os.environ}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.STDOUT)
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            measure(tmp, args.runs)
        finally:
            server.terminate()
            server.wait(timeout=30)


def measure(tmp: Path, n: int) -> None:
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow
    from prefect.states import Scheduled

    from anquan.app import App
    from anquan.flows.cycle import deliver_mail
    from anquan.flows.history import prune_flow_runs
    from anquan.models.db import upgrade
    from anquan.models.settings import load_settings

    settings = load_settings()
    upgrade(App(settings).engine)
    db = tmp / "prefect" / "prefect.db"
    empty = figures(db)
    then = datetime.now(timezone.utc) - timedelta(days=40)
    started = time.perf_counter()
    with get_client(sync_client=True) as client:
        deployment = client.create_deployment(flow_id=client.create_flow(deliver_mail), name=settings.installation_name)
        for i in range(n):
            run = client.create_flow_run_from_deployment(deployment, state=Scheduled(scheduled_time=then + timedelta(minutes=5 * i)))
            run_flow(deliver_mail, flow_run=run, parameters={})
    ran = time.perf_counter() - started
    time.sleep(5)  # the server's event persister writes in batches
    full = figures(db)
    started = time.perf_counter()
    deleted = prune_flow_runs(settings, older_than=datetime.now(timezone.utc) - timedelta(days=settings.prefect_retention_days))
    pruning = time.perf_counter() - started
    time.sleep(5)  # the server deletes the runs' logs just after (a background task)
    pruned = figures(db)
    print(f"{n} delivery runs in {ran:.1f} s; prune deleted {deleted} flow runs in {pruning:.1f} s")
    for label, f in (("empty server", empty), (f"after {n} runs", full), ("after the prune", pruned)):
        rows = ", ".join(f"{t} {f[t]}" for t in TABLES if t in f)
        print(f"  {label:>15}: prefect.db {f['bytes'] / MiB:6.2f} MiB | {rows}")


if __name__ == "__main__":
    main()
