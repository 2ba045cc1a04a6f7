"""Package data: the Alembic migrations, run by `anquan db upgrade`."""
