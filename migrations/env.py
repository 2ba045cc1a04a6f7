"""Alembic environment: run by `anquan db upgrade` with the application's engine."""

from alembic import context
from sqlmodel import SQLModel

import anquan.models.directory  # noqa: F401  (registers the tables)
import anquan.models.obligations  # noqa: F401
import anquan.models.outbox  # noqa: F401
import anquan.models.records  # noqa: F401
import anquan.models.accounts  # noqa: F401
import anquan.models.assessment  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `anquan db upgrade` against a database")
run_migrations_online()
