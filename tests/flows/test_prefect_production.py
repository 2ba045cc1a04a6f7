"""Production on Prefect's own terms: two installations share one real Prefect server (on PostgreSQL), each deployed
from prefect.yaml by `anquan deploy` into the same process work pool, each run by its own worker, and each county's
mail arrives once, at its own SMTP server, never at the other's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest
from sqlalchemy import select

from anquan.app import App
from anquan.assessment.usecases import daily_tick
from anquan.flows.schedule import latest_fire_time
from anquan.models.db import session_scope
from anquan.models.outbox import OutboxMessage
from anquan.models.settings import load_settings
from tests.support.county import SMALL_CONTACTS, SMALL_ORGS, write_csvs
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


def _installation_env(name: str, folder: Path, sink: SmtpSink | None, api_url: str) -> dict[str, str]:
    return clean_env(
        PREFECT_API_URL=api_url, ANQUAN_INSTALLATION=name, ANQUAN_DATA_DIR=str(folder / "data"),
        ANQUAN_SMTP_HOST="127.0.0.1", ANQUAN_SMTP_PORT=str(sink.port if sink else 25), ANQUAN_SMTP_SECURITY="none",
        ANQUAN_MAIL_FROM=f"{name} <anquan@{name}.example>", ANQUAN_SECRET_KEY=TEST_SECRET_KEY,
        ANQUAN_GO_LIVE="2000-01-01", PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_HOME=str(folder / "prefect"))


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real Prefect server on PostgreSQL (no scheduler: the tests make the runs it would) and the process work
    pool `anquan`; (its API URL, an Api on it) for the module's tests."""
    server_url = os.environ.get(PG_ENV)
    if not server_url:
        pytest.skip(f"the Prefect production tests need PostgreSQL for Prefect's database: set {PG_ENV}")
    folder = tmp_path_factory.mktemp("prefect-server")
    procs = Processes(folder)
    with postgres_database(server_url, "prefect_test") as prefect_db:
        api = None
        try:
            port = free_port()
            api_url = f"http://127.0.0.1:{port}/api"
            server_env = clean_env(PREFECT_API_DATABASE_CONNECTION_URL=prefect_db, PREFECT_HOME=str(folder / "home"))
            server = procs.start("server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                            "--port", str(port), "--no-services", "--no-ui"], server_env)
            wait_healthy(api_url, server)
            api = Api(api_url)
            pool = prefect("work-pool", "create", "anquan", "--type", "process", env=clean_env(PREFECT_API_URL=api_url))
            assert pool.returncode == 0, pool.stdout + pool.stderr
            yield api_url, api
        finally:  # the processes stop before their database is dropped
            if api:
                api.close()
            procs.close()


RESTARTED = "county-r"  # the restart test's installation


@pytest.fixture(scope="module")
def deployed(prefect_server, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """The module's installations, each in its folder with its database, deployed from prefect.yaml by
    `anquan deploy`, all at once (each deploy takes tens of seconds): name -> (folder, its database template)."""
    api_url, _ = prefect_server
    root = tmp_path_factory.mktemp("installations")
    templates = {"small-planned": build_sqlite_template(root / "small-planned", BUILDERS["small-planned"]),
                 "this-year": build_sqlite_template(root / "this-year", _build_this_year)}
    made, running = {}, {}
    for name in [*COUNTIES, RESTARTED]:
        folder, template = root / name, templates["this-year" if name == RESTARTED else "small-planned"]
        (folder / "data").mkdir(parents=True)
        shutil.copyfile(template, folder / "data" / "anquan.db")
        made[name] = (folder, template)
        running[name] = subprocess.Popen([ANQUAN, "deploy"], env=_installation_env(name, folder, None, api_url),
                                         cwd=folder, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for name, proc in running.items():
        out = proc.communicate(timeout=300)[0]
        assert proc.returncode == 0, out
        assert f"daily_tick/{name}" in out and f"deliver_mail/{name}" in out
    return made


def test_two_installations_share_one_prefect_server(prefect_server, deployed):
    api_url, api = prefect_server
    started, phases = time.monotonic(), {}
    procs, sinks = Processes(deployed["county-a"][0].parent), {}
    try:
        for name in COUNTIES:  # both installations' workers, each with its own settings and SMTP server
            folder = deployed[name][0]
            sinks[name] = SmtpSink().start()
            procs.start(f"worker-{name}", [sys.executable, "-m", "prefect", "worker", "start", "--pool", "anquan",
                                           "--work-queue", name, "--type", "process", "--limit", "2"],
                        _installation_env(name, folder, sinks[name], api_url), cwd=folder)

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

        # A campaign with a bad name, sector, township and date is refused before a run exists (the deployment's
        # schema: Chinese choices, the townships the directory's); the UI's form check names every bad field at once.
        campaign = api.deployment("special_campaign", "county-a")
        props = campaign["parameter_openapi_schema"]["properties"]
        assert [props[k]["title"] for k in ("name", "sectors", "from_date", "to_date", "summary_due", "townships")] == [
            "名称", "行业领域", "开始日期", "结束日期", "总结报送截止日期", "乡镇"]
        assert "东山镇" in props["townships"]["items"]["enum"] and "危险化学品" in props["sectors"]["items"]["enum"]
        bad = {"name": "危化品\n专项整治", "sectors": ["hazardous_chemicals"], "townships": ["XX99"],
               "from_date": "2026-13-01", "to_date": "2026-06-30", "summary_due": "2026-07-10"}
        refused = api.http.post(f"/deployments/{campaign['id']}/create_flow_run", json={"parameters": bad})
        assert refused.status_code == 409, refused.text
        checked = api.http.post("/ui/schemas/validate", json={"schema": campaign["parameter_openapi_schema"],
                                                              "values": bad}).json()
        assert {e["property"] for e in checked["errors"]} == {"name", "sectors", "townships", "from_date"}, checked
        assert api.count_runs(campaign["id"])["all"] == 0
        # What no schema can check (the summary due before the campaign ends) the run refuses, writing nothing:
        # Failed, named Refused, the office's words as its message.
        dates = {"name": "危化品专项整治", "sectors": ["危险化学品"], "townships": ["东山镇"],
                 "from_date": "2026-06-01", "to_date": "2026-06-30", "summary_due": "2026-06-10"}
        run = api.wait([api.run("special_campaign", "county-a", dates)])
        state = next(iter(run.values()))["state"]
        assert (state["type"], state["name"]) == ("FAILED", "Refused"), procs.logs()
        assert state["message"] == "专项整治未启动：请填写有效的总结报送截止日期，且不早于结束日期。"

        at = time.monotonic()
        ticks = api.wait([api.run("daily_tick", name, {"day": day.isoformat()}) for name, day in COUNTIES.items()])
        assert {r["state"]["type"] for r in ticks.values()} == {"COMPLETED"}, procs.logs()
        phases["ticks"] = time.monotonic() - at
        at = time.monotonic()
        deliveries = api.wait([api.run("deliver_mail", name) for name in COUNTIES])
        assert {r["state"]["type"] for r in deliveries.values()} == {"COMPLETED"}, procs.logs()
        phases["deliveries"] = time.monotonic() - at

        for name in COUNTIES:
            keys = _outbox_keys(deployed[name][0] / "data")
            arrived = sinks[name].keys()
            assert keys and sorted(arrived) == sorted(keys), (name, arrived, keys)  # all of its mail, once each
            assert {r.mail_from for r in sinks[name].received} == {f"anquan@{name}.example"}
        a, b = (set(sinks[name].keys()) for name in COUNTIES)
        assert not a & b  # no message of one county reached the other's server
        print("\nprefect production test: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    finally:
        procs.close()
        for sink in sinks.values():
            sink.stop()


def _build_this_year(app: App, scratch: Path) -> None:
    """The small county with this year planned (and last year's, so something is overdue on any day of the year)."""
    from anquan.cycle.planning import plan_year
    from anquan.directory.importer import import_directory

    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(scratch / "small", SMALL_ORGS, SMALL_CONTACTS))
    year = app.today().year
    for y in (year - 1, year):
        with session_scope(app.engine) as s:
            plan_year(session=s, rules=app.rules, calendar=app.calendar, year=y)


def _one_on_time_tick(template: Path, folder: Path, day: date) -> list[str]:
    """What a single tick for `day`, on time, queues on a copy of the database: the mail a restart must send."""
    (folder / "data").mkdir(parents=True)
    shutil.copyfile(template, folder / "data" / "anquan.db")
    app = App(settings=load_settings(data_dir=folder / "data", go_live="2000-01-01"))
    daily_tick(app, as_of=day)
    app.engine.dispose()
    return _outbox_keys(folder / "data")


def test_restart_after_a_day_with_the_workers_down(tmp_path, prefect_server, deployed):
    """The server kept scheduling while no worker ran for a day: yesterday's and today's ticks and a day of
    deliveries (every 5 minutes) missed. Started again, one tick and one delivery run (they remove the others),
    and the newest day's mail goes out once, as if that tick had run on time."""
    api_url, api = prefect_server
    name, tz = RESTARTED, ZoneInfo("Asia/Shanghai")
    folder, template = deployed[name]
    procs, sink = Processes(tmp_path), SmtpSink().start()
    started = time.monotonic()
    try:
        env = _installation_env(name, folder, sink, api_url)
        newest_tick = latest_fire_time("0 8 * * *", now=datetime.now(tz))
        down_since = newest_tick - timedelta(days=1, minutes=1)
        deliveries = int((latest_fire_time("*/5 * * * *", now=datetime.now(tz)) - down_since).total_seconds() // 300)
        missed = {"daily_tick": [newest_tick - timedelta(days=1), newest_tick],
                  "deliver_mail": [down_since + timedelta(minutes=1 + 5 * i) for i in range(deliveries)]}
        with ThreadPoolExecutor(8) as pool:  # what the scheduler made while no worker polled the queue
            list(pool.map(lambda fw: api.schedule(*fw), [(f, name, w) for f, times in missed.items() for w in times]))
        ready = time.monotonic() - started
        expected = _one_on_time_tick(template, tmp_path / "reference", newest_tick.date())
        assert expected, "nothing due on the newest tick's day: the test would prove nothing"

        at = time.monotonic()
        procs.start("worker", [sys.executable, "-m", "prefect", "worker", "start", "--pool", "anquan",
                               "--work-queue", name, "--type", "process", "--limit", "2"], env, cwd=folder)
        ids = {flow: api.deployment(flow, name)["id"] for flow in missed}
        api.wait_drained(list(ids.values()), seconds=300)
        drained = time.monotonic() - at
        counts = {flow: api.count_runs(ids[flow]) for flow in missed}
        print(f"\nrestart after a day down: {len(missed['daily_tick'])} ticks and {deliveries} deliveries missed; "
              f"drained in {drained:.1f} s (set up in {ready:.1f} s); runs {counts}")
        api.wait([api.run("deliver_mail", name)])  # the next scheduled delivery

        keys = _outbox_keys(folder / "data")
        assert sorted(keys) == sorted(expected)  # the newest day's tick, as if on time; nothing stale
        assert sorted(sink.keys()) == sorted(keys)  # each message once
        assert counts["daily_tick"]["ran"] == 1 and counts["deliver_mail"]["ran"] <= 2, counts  # no stampede
    finally:
        procs.close()
        sink.stop()
