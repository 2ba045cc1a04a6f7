"""The engine, sessions, and the schema's migration state."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlmodel import Session

from anquan.models.settings import Settings
from anquan.resources import migrations_dir

MIGRATIONS_DIR = migrations_dir()
# The newest migration. Every command checks the database against it without
# loading Alembic; tests/models/test_migrations.py keeps it equal to Alembic's head.
SCHEMA_HEAD = "0006"


class SchemaNotCurrent(Exception):
    """The database schema is missing or older than the code; `anquan db upgrade` fixes it."""


def make_engine(settings: Settings) -> Engine:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    command.upgrade(_alembic_config(engine), "head")
    return before, current_revision(engine)


def ensure_current(engine: Engine) -> None:
    current = current_revision(engine)
    head = SCHEMA_HEAD
    if current is None:
        raise SchemaNotCurrent("the database has no schema yet: run `anquan db upgrade` first")
    if current != head:
        raise SchemaNotCurrent(
            f"the database schema is at revision {current} but this version of Anquan needs {head}: "
            "run `anquan db upgrade`"
        )
