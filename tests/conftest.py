"""Shared fixtures: a real database per test, on SQLite and (when configured) PostgreSQL.

PostgreSQL tests read the server's URL from ANQUAN_TEST_POSTGRES_URL, create a
database of their own for the session and drop it afterwards. Without the
variable they are skipped; with it, an unreachable server fails them.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anquan.app import App
from anquan.models.db import make_engine, session_scope, upgrade
from anquan.models.settings import load_settings
from anquan.resources import sample_county

PG_ENV = "ANQUAN_TEST_POSTGRES_URL"
SAMPLE = sample_county()
REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout (scripts/, README) for tests of the two commands
def pytest_addoption(parser):
    parser.addoption("--update-snapshots", action="store_true", default=False,
                     help="rewrite the golden mail snapshots in tests/testdata/mail/ instead of comparing with them")


@pytest.fixture
def update_snapshots(request) -> bool:
    """True when run with --update-snapshots (an option, because the suite clears ANQUAN_* variables)."""
    return request.config.getoption("--update-snapshots")


def _all_tables() -> list[str]:
    """Every table the models define (a new one cannot be forgotten by the per-test TRUNCATE)."""
    import anquan.models.directory, anquan.models.obligations, anquan.models.outbox, anquan.models.records  # noqa: F401  (fill the metadata)
    from sqlmodel import SQLModel

    return [t.name for t in reversed(SQLModel.metadata.sorted_tables)]


TABLES = _all_tables()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No ANQUAN_* variable or .env from the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("ANQUAN_") and key != PG_ENV:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def pg_server_url():
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/postgres); it is not set")
    admin = make_url(url).set(drivername="postgresql+psycopg")
    name = f"anquan_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the variable is set, so the server must be there
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc}")
    test_url = admin.set(database=name)
    migrated = create_engine(test_url)
    from anquan.models.db import _alembic_config
    from alembic import command

    cfg = _alembic_config(migrated)
    command.upgrade(cfg, "head")
    migrated.dispose()
    yield test_url.render_as_string(hide_password=False)
    with engine.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path) -> App:
    """An App on an empty, current schema of the chosen backend."""
    if backend == "postgresql":
        url = request.getfixturevalue("pg_server_url")
        settings = load_settings(database_url=url, data_dir=tmp_path / "data")
        a = App(settings=settings)
        with a.engine.begin() as c:
            c.execute(text("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"))
    else:
        settings = load_settings(data_dir=tmp_path / "data")
        a = App(settings=settings)
        upgrade(a.engine)
    yield a
    a.engine.dispose()


@pytest.fixture
def sample_app(app) -> App:
    """The App with the shipped sample county imported."""
    from anquan.directory.importer import import_directory

    with session_scope(app.engine) as s:
        import_directory(session=s, path=SAMPLE)
    return app


def write_csvs(folder: Path, orgs: list[list], contacts: list[list], bom: bool = False) -> Path:
    """A directory import folder from rows (header added)."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    enc = "utf-8-sig" if bom else "utf-8"
    with open(folder / "organisations.csv", "w", newline="", encoding=enc) as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "kind", "parent_code", "sector", "employees", "dangerous_goods"])
        w.writerows(orgs)
    with open(folder / "contacts.csv", "w", newline="", encoding=enc) as fh:
        w = csv.writer(fh)
        w.writerow(["org_code", "name", "role", "email", "phone"])
        w.writerows(contacts)
    return folder


# A small valid county used by many tests.
SMALL_ORGS = [
    ["C1", "测试县", "county", "", "", "", ""],
    ["T1", "东山镇", "township", "C1", "", "", ""],
    ["T2", "西河乡", "township", "C1", "", "", ""],
    ["V1", "上村", "village", "T1", "", "", ""],
    ["U1", "东山中心小学", "unit", "T1", "", "", ""],
    ["E1", "东山建筑公司", "enterprise", "T1", "construction", "50", "false"],
    ["E2", "西河百货店", "enterprise", "T2", "other", "8", "false"],
]
SMALL_CONTACTS = [
    ["C1", "县安委办甲", "county_office", "office@county.example", ""],
    ["T1", "李镇长", "township_head", "head@t1.example", "13800000001"],
    ["T1", "王安监", "safety_office", "so1@t1.example", ""],
    ["T1", "赵安监", "safety_office", "so2@t1.example", ""],
    ["T2", "周乡长", "township_head", "head@t2.example", ""],
    ["V1", "钱安全员", "village_safety_officer", "v1@t1.example", ""],
    ["E1", "孙经理", "enterprise_principal", "boss@e1.example", ""],
    ["E1", "吴安全", "enterprise_safety_manager", "safety@e1.example", ""],
    ["E2", "郑老板", "enterprise_principal", "boss@e2.example", ""],
]


@pytest.fixture
def small_dir(tmp_path) -> Path:
    return write_csvs(tmp_path / "small", SMALL_ORGS, SMALL_CONTACTS)


@pytest.fixture
def county(app):
    """The sample county's directory, nothing planned (test modules that need more define their own)."""
    from anquan.directory.importer import import_directory
    from anquan.models.db import session_scope

    with session_scope(app.engine) as s:
        import_directory(session=s, path=SAMPLE)
    return app


@pytest.fixture
def planned_county(county):
    """The sample county with the year 2026 planned."""
    from anquan.cycle.planning import plan_year

    with session_scope(county.engine) as s:
        plan_year(session=s, rules=county.rules, calendar=county.calendar, year=2026)
    return county
