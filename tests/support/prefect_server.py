"""A real Prefect server on PostgreSQL, its workers and `anquan deploy`, as separate processes, for the production test.

Flow runs are started and watched through the server's REST API (httpx), as the UI does, so the test process
needs no Prefect client settings of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PREFECT_QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING"}


@contextmanager
def postgres_database(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh database on the server for the block; its asyncpg URL (Prefect's driver). Dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without ANQUAN_* and PREFECT_* variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANQUAN_", "PREFECT_"))}
    return {**env, **PREFECT_QUIET, **extra}


class Processes:
    """Child processes, each logging to a file of its own; all stopped (SIGTERM, then SIGKILL) on close."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(args, env=env, cwd=cwd or self.folder, stdout=out, stderr=subprocess.STDOUT)
        self.running.append((proc, log))
        return proc

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for _, log in self.running)

    def close(self) -> None:
        for proc, _ in reversed(self.running):
            proc.terminate()
        for proc, _ in reversed(self.running):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prefect(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=180)


def wait_healthy(api_url: str, proc: subprocess.Popen, *, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the Prefect server stopped at start-up")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the Prefect server did not answer within {seconds:.0f} s")


class Api:
    """The few REST calls the test needs."""

    def __init__(self, api_url: str):
        self.http = httpx.Client(base_url=api_url, timeout=30)
        self._deployments: dict[tuple[str, str], dict] = {}  # for schedule(): a deployment read once

    def deployment(self, flow: str, name: str) -> dict:
        resp = self.http.get(f"/deployments/name/{flow}/{name}")
        resp.raise_for_status()
        return resp.json()

    def run(self, flow: str, name: str, parameters: dict | None = None) -> str:
        dep = self.deployment(flow, name)
        resp = self.http.post(f"/deployments/{dep['id']}/create_flow_run", json={"parameters": parameters or {}})
        resp.raise_for_status()
        return resp.json()["id"]

    def schedule(self, flow: str, name: str, when) -> str:
        """A run of the deployment in the Scheduled state for `when`, as Prefect's scheduler makes them."""
        dep = self._deployments.get((flow, name)) or self._deployments.setdefault((flow, name), self.deployment(flow, name))
        resp = self.http.post(f"/deployments/{dep['id']}/create_flow_run", json={
            "parameters": {}, "idempotency_key": f"scheduled {dep['id']} {when.isoformat()}",
            "state": {"type": "SCHEDULED", "name": "Scheduled", "state_details": {"scheduled_time": when.isoformat()}}})
        resp.raise_for_status()
        return resp.json()["id"]

    def _count(self, deployment_ids: list[str], **flow_run_filter) -> int:
        resp = self.http.post("/flow_runs/count", json={"flow_runs": {"deployment_id": {"any_": deployment_ids},
                                                                      **flow_run_filter}})
        resp.raise_for_status()
        return resp.json()

    def count_runs(self, deployment_id: str) -> dict[str, int]:
        """The deployment's runs: how many in all, ran (a process ran the flow to its end), were cancelled."""
        count = lambda *types: self._count([deployment_id], state={"type": {"any_": list(types)}})  # noqa: E731
        return {"all": self._count([deployment_id]), "ran": count("COMPLETED", "FAILED", "CRASHED"),
                "cancelled": count("CANCELLED")}

    def wait_drained(self, deployment_ids: list[str], *, seconds: float) -> None:
        """Until no run of these deployments is scheduled, pending, running or cancelling."""
        deadline = time.monotonic() + seconds
        busy = ["SCHEDULED", "PENDING", "RUNNING", "CANCELLING"]
        while self._count(deployment_ids, state={"type": {"any_": busy}}):
            if time.monotonic() > deadline:
                raise AssertionError(f"runs still waiting after {seconds:.0f} s")
            time.sleep(1)

    def wait(self, run_ids: list[str], *, seconds: float = 120) -> dict[str, dict]:
        """Each run as it ended (its state final), or AssertionError with the states after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            runs = {rid: self.http.get(f"/flow_runs/{rid}").json() for rid in run_ids}
            if all(r["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} for r in runs.values()):
                return runs
            if time.monotonic() > deadline:
                raise AssertionError({rid: r["state"]["name"] for rid, r in runs.items()})
            time.sleep(0.5)

    def close(self) -> None:
        self.http.close()
