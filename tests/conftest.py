"""Fixtures only (what tests import comes from tests/support): a real database per test, on SQLite and (when
configured) PostgreSQL, starting from a state prepared once per session.

PostgreSQL tests read the server's URL from ANQUAN_TEST_POSTGRES_URL, create a database of their own for the
session and drop it afterwards. Without the variable they are skipped; with it, an unreachable server fails them.

The database states (tests/support/databases.py): `app` is an empty, current schema; `county` has the sample
county imported; `planned_county` has 2026 planned as well. Each is built once per session and backend, and a
test gets a private copy.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from anquan.app import App
from tests.support.county import SMALL_CONTACTS, SMALL_ORGS, write_csvs
from tests.support.databases import (PG_ENV, PgTemplates, SqliteTemplates, drop_pg_database, migrated_pg_database,
                                     pg_app, sqlite_app)
from tests.support.web import TEST_SECRET_KEY


def pytest_addoption(parser):
    parser.addoption("--update-snapshots", action="store_true", default=False,
                     help="rewrite the golden snapshots in tests/testdata/ instead of comparing with them")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Under `--dist loadgroup` pytest-xdist keeps an xdist_group's tests on one worker by appending "@group" to
    their ids. When a pytest release stops that from taking, each group is split over the workers and its shared
    fixture (the Prefect test server, the simulated year) is built on every one: such tests fail, saying why."""
    if not getattr(config.option, "loadgroup", False) or not hasattr(config, "workerinput"):
        return
    for item in items:
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid.rsplit("]", 1)[-1]:
            item.anquan_group_lost = (f"the xdist_group mark did not take under pytest {pytest.__version__}: its group "
                                      "would be split over the workers; pin a pytest that pytest-xdist supports")


def pytest_runtest_setup(item):
    if getattr(item, "anquan_group_lost", None):
        pytest.fail(item.anquan_group_lost, pytrace=False)


@pytest.fixture
def update_snapshots(request) -> bool:
    """True when run with --update-snapshots (an option, because the suite clears ANQUAN_* variables)."""
    return request.config.getoption("--update-snapshots")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No ANQUAN_* variable or .env from the developer's shell leaks into a test; the tests' own signing key
    is set (mail to a real SMTP server needs one for the personal links)."""
    for key in list(os.environ):
        if key.startswith("ANQUAN_") and key != PG_ENV:
            monkeypatch.delenv(key)
    monkeypatch.setenv("ANQUAN_SECRET_KEY", TEST_SECRET_KEY)
    # Tests play whole years dated in the past: the test installation went live long before them, so every
    # duty is tracked. Tests of the go-live itself (tests/cycle/test_golive.py) change or remove it.
    monkeypatch.setenv("ANQUAN_GO_LIVE", "2000-01-01")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def pg_server_url():
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/postgres); it is not set")
    name = f"anquan_test_{uuid.uuid4().hex[:10]}"
    try:
        test_url = migrated_pg_database(url, name)
    except Exception as exc:  # the variable is set, so the server must be there
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc}")
    yield test_url
    drop_pg_database(url, name)


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite-states"))


@pytest.fixture(scope="session")
def _pg_templates(pg_server_url, tmp_path_factory) -> PgTemplates:
    return PgTemplates(pg_server_url, tmp_path_factory.mktemp("pg-states"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Each database test runs on both backends, except where the database is not what is tested: the Prefect flows
    (tests/flows/test_flows.py) and the document-heavy tests (Word, workbooks, attachments), marked with
    parametrize("backend", ["sqlite"]), run once; their use cases' queries are tested on both elsewhere."""
    return request.param


@pytest.fixture
def db_states(request, backend) -> SqliteTemplates | PgTemplates:
    """The session's prepared database states on this backend: `db_states.load(app, name, build=...)`."""
    return request.getfixturevalue("_pg_templates" if backend == "postgresql" else "_sqlite_templates")


@pytest.fixture
def app(backend, tmp_path, db_states) -> App:
    """An App on a private, empty database with the current schema, on the chosen backend."""
    a = pg_app(db_states.url, tmp_path / "data") if backend == "postgresql" else sqlite_app(tmp_path / "data")
    db_states.load(a, "empty")
    yield a
    a.engine.dispose()


@pytest.fixture
def county(app, db_states) -> App:
    """The App with the shipped sample county imported, nothing planned (a copy of the session's prepared state)."""
    return db_states.load(app, "county")


@pytest.fixture
def planned_county(app, db_states) -> App:
    """The sample county with the year 2026 planned."""
    return db_states.load(app, "planned")


@pytest.fixture
def planned(app, db_states) -> App:
    """The small county (tests/support/county.py's SMALL_ORGS and SMALL_CONTACTS) with the year 2026 planned."""
    return db_states.load(app, "small-planned")


@pytest.fixture
def small_dir(tmp_path) -> Path:
    """A small valid county as a directory import folder (tests/support/county.py's SMALL_ORGS and SMALL_CONTACTS)."""
    return write_csvs(tmp_path / "small", SMALL_ORGS, SMALL_CONTACTS)
