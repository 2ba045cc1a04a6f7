from sqlalchemy import inspect

from anquan.models.db import SCHEMA_HEAD, current_revision, head_revision, upgrade


def test_schema_head_constant_matches_alembic():
    assert SCHEMA_HEAD == head_revision()


def test_upgrade_creates_every_table_and_is_repeatable(app):
    # The fixture already upgraded; a second upgrade is a no-op.
    assert current_revision(app.engine) == SCHEMA_HEAD
    before, after = upgrade(app.engine)
    assert before == after == SCHEMA_HEAD
    tables = set(inspect(app.engine).get_table_names())
    assert {"organisation", "contact", "obligation", "submission", "plan_stamp", "alembic_version"} <= tables


def test_models_match_the_migrations(app):
    """Autogenerate finds nothing to do: the tables in code and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import anquan.models.directory  # noqa: F401
    import anquan.models.obligations  # noqa: F401

    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_timestamps_come_back_timezone_aware(app, small_dir):
    from anquan.directory.importer import import_directory
    from anquan.models.db import session_scope
    from anquan.models.directory import Organisation
    from sqlalchemy import select

    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    with session_scope(app.engine) as s:
        org = s.execute(select(Organisation)).scalars().first()
    assert org.created_at.tzinfo is not None and org.created_at.utcoffset().total_seconds() == 0
