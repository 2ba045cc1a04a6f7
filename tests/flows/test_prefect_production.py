"""Production on Prefect's own terms: two installations share one real Prefect server (on PostgreSQL), each deployed
from prefect.yaml by `anquan deploy` into the same process work pool, each run by its own worker, and each county's
mail arrives once, at its own SMTP server, never at the other's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from anquan.app import App
from anquan.models.db import session_scope
from anquan.models.outbox import OutboxMessage
from anquan.models.settings import load_settings
from tests.support.databases import BUILDERS, PG_ENV, build_sqlite_template
from tests.support.prefect_server import (Api, Processes, clean_env, postgres_database, prefect, wait_healthy)
from tests.support.smtp import SmtpSink, free_port
from tests.support.web import TEST_SECRET_KEY

# Its own Prefect server, workers and SMTP sinks: kept off the other flow tests' worker.
pytestmark = pytest.mark.xdist_group("prefect-production")

# Two counties, each ticking a different day of 2026 (different mail, so a crossed wire shows).
COUNTIES = {"county-a": date(2026, 3, 10), "county-b": date(2026, 6, 10)}
ANQUAN = str(Path(sys.executable).with_name("anquan"))


def _outbox_keys(data_dir: Path) -> list[str]:
    app = App(settings=load_settings(data_dir=data_dir))
    with session_scope(app.engine) as s:
        keys = list(s.execute(select(OutboxMessage.key)).scalars())
    app.engine.dispose()
    return keys


def _installation_env(name: str, folder: Path, sink: SmtpSink, api_url: str) -> dict[str, str]:
    return clean_env(
        PREFECT_API_URL=api_url, ANQUAN_INSTALLATION=name, ANQUAN_DATA_DIR=str(folder / "data"),
        ANQUAN_SMTP_HOST="127.0.0.1", ANQUAN_SMTP_PORT=str(sink.port), ANQUAN_SMTP_SECURITY="none",
        ANQUAN_MAIL_FROM=f"{name} <anquan@{name}.example>", ANQUAN_SECRET_KEY=TEST_SECRET_KEY,
        ANQUAN_GO_LIVE="2000-01-01", PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_HOME=str(folder / "prefect"))


def test_two_installations_share_one_prefect_server(tmp_path):
    server_url = os.environ.get(PG_ENV)
    if not server_url:
        pytest.skip(f"the Prefect production test needs PostgreSQL for Prefect's database: set {PG_ENV}")
    started, phases = time.monotonic(), {}
    template = build_sqlite_template(tmp_path / "template", BUILDERS["small-planned"])
    procs, sinks, api = Processes(tmp_path), {}, None
    with postgres_database(server_url, "prefect_test") as prefect_db:
        try:
            port = free_port()
            api_url = f"http://127.0.0.1:{port}/api"
            server_env = clean_env(PREFECT_API_DATABASE_CONNECTION_URL=prefect_db, PREFECT_HOME=str(tmp_path / "server"))
            server = procs.start("server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                            "--port", str(port), "--no-services", "--no-ui"], server_env)
            wait_healthy(api_url, server)
            phases["server up"] = time.monotonic() - started
            api = Api(api_url)
            pool = prefect("work-pool", "create", "anquan", "--type", "process", env=clean_env(PREFECT_API_URL=api_url))
            assert pool.returncode == 0, pool.stdout + pool.stderr
            envs, deploying = {}, {}
            for name in COUNTIES:  # both installations start their worker and deploy at once, each with its own settings
                folder = tmp_path / name
                (folder / "data").mkdir(parents=True)
                shutil.copyfile(template, folder / "data" / "anquan.db")
                sinks[name] = SmtpSink().start()
                envs[name] = _installation_env(name, folder, sinks[name], api_url)
                procs.start(f"worker-{name}", [sys.executable, "-m", "prefect", "worker", "start", "--pool", "anquan",
                                               "--work-queue", name, "--type", "process", "--limit", "2"],
                            envs[name], cwd=folder)
                deploying[name] = subprocess.Popen([ANQUAN, "deploy"], env=envs[name], cwd=folder, text=True,
                                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for name, proc in deploying.items():
                out = proc.communicate(timeout=180)[0]
                assert proc.returncode == 0, out
                assert f"daily_tick/{name}" in out and f"deliver_mail/{name}" in out
            phases["server and deploys"] = time.monotonic() - started

            for name in COUNTIES:  # what prefect.yaml made of the placeholders
                tick = api.deployment("daily_tick", name)
                assert tick["tags"] == ["anquan", name] and tick["work_queue_name"] == name
                assert tick["work_pool_name"] == "anquan"
                assert tick["schedules"][0]["schedule"] == {"cron": "0 8 * * *", "timezone": "Asia/Shanghai",
                                                            "day_or": True}
                for flow in ("daily_tick", "deliver_mail"):
                    dep = api.deployment(flow, name)
                    assert dep["global_concurrency_limit"]["limit"] == 1, dep
                    assert dep["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
                assert api.deployment("plan_year", name)["global_concurrency_limit"] is None

            at = time.monotonic()
            ticks = api.wait([api.run("daily_tick", name, {"day": day.isoformat()}) for name, day in COUNTIES.items()])
            assert {r["state"]["type"] for r in ticks.values()} == {"COMPLETED"}, procs.logs()
            phases["ticks"] = time.monotonic() - at
            at = time.monotonic()
            deliveries = api.wait([api.run("deliver_mail", name) for name in COUNTIES])
            assert {r["state"]["type"] for r in deliveries.values()} == {"COMPLETED"}, procs.logs()
            phases["deliveries"] = time.monotonic() - at

            for name in COUNTIES:
                keys = _outbox_keys(tmp_path / name / "data")
                arrived = sinks[name].keys()
                assert keys and sorted(arrived) == sorted(keys), (name, arrived, keys)  # all of its mail, once each
                assert {r.mail_from for r in sinks[name].received} == {f"anquan@{name}.example"}
            a, b = (set(sinks[name].keys()) for name in COUNTIES)
            assert not a & b  # no message of one county reached the other's server
            print("\nprefect production test: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
        finally:  # the processes stop before their database is dropped
            if api:
                api.close()
            procs.close()
            for sink in sinks.values():
                sink.stop()
