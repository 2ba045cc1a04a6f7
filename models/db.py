"""The engine, sessions, and the schema's migration state."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlmodel import Session

from anquan.models.settings import Settings
from anquan.errors import SchemaNotCurrent
from anquan.resources import migrations_dir

MIGRATIONS_DIR = migrations_dir()
# The newest migration. Every command checks the database against it without
# loading Alembic; tests/models/test_migrations.py keeps it equal to Alembic's head.
SCHEMA_HEAD = "0017"


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


# Two `anquan db upgrade` at once (two hosts, or a unit and a hand) take turns: the second waits and then finds
# nothing to do. PostgreSQL: a session advisory lock under this key; SQLite: an exclusive lock on a file beside the
# database.
UPGRADE_LOCK_KEY = 0x616E7175616E  # "anquan"


def _newer(current: str | None, head: str) -> bool:
    """A revision numbered after the head that this code does not ship was made by a newer release. (A shipped
    one never is: migrations landing at once may chain a lower number after a higher one, 0015 after 0016.)"""
    numbered = bool(current and current.isdigit() and head.isdigit() and int(current) > int(head))
    return numbered and not any((MIGRATIONS_DIR / "versions").glob(f"{current}_*.py"))


def _newer_message(current: str, head: str) -> str:
    return (f"this database is at schema revision {current}, newer than this version of Anquan knows (it ends at "
            f"{head}): install the Anquan release that made it, or restore a backup taken before it was upgraded")


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": UPGRADE_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": UPGRADE_LOCK_KEY})
                connection.commit()
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        import fcntl

        with open(f"{engine.url.database}.upgrade-lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        yield


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration; returns (before, after).

    Refuses a database newer than this code (SchemaNotCurrent) instead of Alembic's "can't locate revision"."""
    from alembic import command

    with _upgrade_lock(engine):
        before = current_revision(engine)
        if _newer(before, SCHEMA_HEAD):
            raise SchemaNotCurrent(_newer_message(before, SCHEMA_HEAD))
        command.upgrade(_alembic_config(engine), "head")
        return before, current_revision(engine)


def ensure_current(engine: Engine) -> None:
    current = current_revision(engine)
    head = SCHEMA_HEAD
    if current is None:
        raise SchemaNotCurrent("the database has no schema yet: run `anquan db upgrade` first")
    if _newer(current, head):
        raise SchemaNotCurrent(_newer_message(current, head))
    if current != head:
        raise SchemaNotCurrent(
            f"the database schema is at revision {current} but this version of Anquan needs {head}: "
            "run `anquan db upgrade`"
        )
