"""Test databases: an App per test on a prepared state, built once per session and copied per test.

A state is a name and a builder that brings an empty, current schema to it the way a user would: "empty",
"county" (the sample county imported), "planned" (and 2026 planned), "small-planned" (the small county of
tests/support/county.py, 2026 planned), or one a test module names with a builder of its own. Importing and
planning take seconds, so each state is built once per test session and backend:

- SQLite: the state is built in a file of its own, and each test gets a copy of that file (shutil).
- PostgreSQL: one database per session. The state's rows are kept in a schema of their own (`tmpl_<state>`) inside
  it; each test deletes every row and reloads them with INSERT ... SELECT from that schema, triggers and foreign-key
  checks off (`PgTemplates.load`). Measured here (load 5): reloading the planned county 0.3-0.5 s with TRUNCATE (less
  with DELETE), against 1.7-1.9 s to import and plan it again, and about 0.5 s for CREATE DATABASE ... TEMPLATE plus
  the DROP after the test (which also needs an engine per test).
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path
from typing import Callable

from sqlalchemy import create_engine, text

from anquan.app import App
from anquan.models.db import session_scope, upgrade
from anquan.models.settings import DEFAULT_CYCLE_FILE, DEFAULT_RUBRIC_FILE, load_settings
from tests.support.county import SAMPLE, SMALL_CONTACTS, SMALL_ORGS, write_csvs

PG_ENV = "ANQUAN_TEST_POSTGRES_URL"
Builder = Callable[[App, Path], None]  # (the App on an empty schema, a scratch folder for import files)


def _all_tables() -> list[str]:
    """Every table the models define, children first (a new one cannot be forgotten by the per-test TRUNCATE)."""
    import anquan.models.directory, anquan.models.obligations, anquan.models.outbox, anquan.models.records  # noqa: F401,E401  (fill the metadata)
    import anquan.models.accounts, anquan.models.assessment  # noqa: F401,E401
    from sqlmodel import SQLModel

    return [t.name for t in reversed(SQLModel.metadata.sorted_tables)]


def _tables_with_id() -> set[str]:
    from sqlmodel import SQLModel

    return {t.name for t in SQLModel.metadata.sorted_tables if "id" in t.c and t.c["id"].autoincrement in (True, "auto")}


TABLES = _all_tables()
SERIAL_TABLES = _tables_with_id()


def _import(app: App, path: Path) -> None:
    from anquan.directory.importer import import_directory

    with session_scope(app.engine) as s:
        import_directory(session=s, path=path)


def plan_2026(app: App) -> None:
    from anquan.cycle.planning import plan_year

    with session_scope(app.engine) as s:
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)


def _planned(app: App, path: Path) -> None:
    _import(app, path)
    plan_2026(app)


BUILDERS: dict[str, Builder] = {
    "empty": lambda app, scratch: None,
    "county": lambda app, scratch: _import(app, SAMPLE),
    "planned": lambda app, scratch: _planned(app, SAMPLE),
    "small-planned": lambda app, scratch: _planned(app, write_csvs(scratch / "small", SMALL_ORGS, SMALL_CONTACTS)),
}


def _builder(state: str, build: Builder | None) -> Builder:
    if build is not None:
        return build
    if state not in BUILDERS:
        raise ValueError(f"unknown test database state {state!r} and no builder: one of {', '.join(BUILDERS)}")
    return BUILDERS[state]


@lru_cache(maxsize=1)
def _default_rules_and_rubric():
    from anquan.rules.cycle import load_rules
    from anquan.rules.rubric import load_rubric

    return load_rules(DEFAULT_CYCLE_FILE), load_rubric(DEFAULT_RUBRIC_FILE)


def _sharing_config(app: App) -> App:
    """Hand the App the session's parsed default rules and rubric (frozen models; parsing them costs ~80 ms a test)."""
    rules, rubric = _default_rules_and_rubric()
    if app.settings.cycle_file == DEFAULT_CYCLE_FILE:
        app.__dict__["rules"] = rules
    if app.settings.rubric_file == DEFAULT_RUBRIC_FILE:
        app.__dict__["rubric"] = rubric
    return app


def sqlite_app(data_dir: Path) -> App:
    """An App on SQLite in `data_dir` (no database file yet: `SqliteTemplates.load` puts one there)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return _sharing_config(App(settings=load_settings(data_dir=data_dir)))


def build_sqlite_template(folder: Path, build: Builder) -> Path:
    """A database file in `folder` built by `build`, closed and checkpointed so that one file is the whole database."""
    app = sqlite_app(folder)
    upgrade(app.engine)
    build(app, folder)
    with app.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        c.exec_driver_sql("PRAGMA journal_mode=DELETE")
    app.engine.dispose()
    return folder / "anquan.db"


class SqliteTemplates:
    """The session's SQLite state files, built on first use; a test's database is a copy of one."""

    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, Path] = {}

    def load(self, app: App, state: str, build: Builder | None = None) -> App:
        """Replace the App's database file with a copy of the state's (closing its connections first)."""
        if state not in self.files:
            self.files[state] = build_sqlite_template(self.root / state, _builder(state, build))
        app.engine.dispose()
        db = app.settings.data_dir / "anquan.db"
        for extra in ("-wal", "-shm"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
        shutil.copyfile(self.files[state], db)
        return app


def pg_app(url: str, data_dir: Path) -> App:
    """An App on the session's PostgreSQL test database (`PgTemplates.load` sets its rows)."""
    return _sharing_config(App(settings=load_settings(database_url=url, data_dir=data_dir)))


class PgTemplates:
    """The session's PostgreSQL states, kept as copies of every table in schema tmpl_<state> of the test database."""

    def __init__(self, url: str, scratch: Path):
        self.url = url
        self.scratch = scratch
        self.ready: dict[str, str] = {}  # state → the schema holding its rows

    def truncate(self, conn) -> None:
        conn.execute(text("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"))

    def _save(self, state: str, build: Builder) -> str:
        """Build the state in the test database, then copy every table into a schema of its own."""
        schema = "tmpl_" + "".join(ch if ch.isalnum() else "_" for ch in state)
        scratch = self.scratch / schema
        scratch.mkdir(parents=True, exist_ok=True)
        app = pg_app(self.url, scratch)
        with app.engine.begin() as c:
            self.truncate(c)
        build(app, scratch)
        with app.engine.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            c.execute(text(f"CREATE SCHEMA {schema}"))
            for table in TABLES:
                c.execute(text(f'CREATE TABLE {schema}."{table}" AS TABLE public."{table}"'))
        app.engine.dispose()
        return schema

    def load(self, app: App, state: str, build: Builder | None = None) -> App:
        """Empty every table, copy the state's rows back and move each id sequence past them.

        With the database's triggers and foreign-key checks off for the transaction (session_replication_role;
        the tests connect as a superuser): the rows are the state's as saved, obligation_tally included, so
        nothing needs checking or recounting. DELETE, not TRUNCATE: measured here (load 7) 0.07-0.3 s against
        0.3-0.66 s for the planned county, TRUNCATE making new files for every table and index."""
        if state != "empty" and state not in self.ready:
            self.ready[state] = self._save(state, _builder(state, build))
        schema = self.ready.get(state)
        with app.engine.begin() as c:
            c.execute(text("SET LOCAL session_replication_role = replica"))
            for table in TABLES:
                c.execute(text(f'DELETE FROM public."{table}"'))
            if schema:
                for table in reversed(TABLES):
                    c.execute(text(f'INSERT INTO public."{table}" SELECT * FROM {schema}."{table}"'))
            c.execute(text("SELECT " + ", ".join(
                f"setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT max(id) FROM public.\"{t}\"), 0) + 1, false)"
                for t in sorted(SERIAL_TABLES))))
        return app


def migrated_pg_database(server_url: str, name: str) -> str:
    """Create database `name` on the server, bring it to the current schema, and return its URL."""
    from alembic import command
    from sqlalchemy.engine import make_url

    from anquan.models.db import _alembic_config

    admin = make_url(server_url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not outlive a crash of the server: commits do not wait for the WAL to reach the
        # disk (every test commits dozens of times; nothing a test checks depends on that wait).
        c.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    engine.dispose()
    test_url = admin.set(database=name)
    migrated = create_engine(test_url)
    command.upgrade(_alembic_config(migrated), "head")
    migrated.dispose()
    return test_url.render_as_string(hide_password=False)


def drop_pg_database(server_url: str, name: str) -> None:
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()

