import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from anquan.models.db import SCHEMA_HEAD, SchemaNotCurrent, current_revision, ensure_current, head_revision, upgrade


def test_schema_head_constant_matches_alembic():
    assert SCHEMA_HEAD == head_revision()


def test_upgrade_creates_every_table_and_is_repeatable(app):
    # The fixture already upgraded; a second upgrade is a no-op.
    assert current_revision(app.engine) == SCHEMA_HEAD
    before, after = upgrade(app.engine)
    assert before == after == SCHEMA_HEAD
    tables = set(inspect(app.engine).get_table_names())
    assert {"organisation", "contact", "obligation", "submission", "plan_stamp", "alembic_version"} <= tables


# Alembic cannot reflect or compare expression indexes (ix_contact_email_lower): the test below checks that one.
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning", "ignore:.*expression-based index")
def test_models_match_the_migrations(app):
    """Autogenerate finds nothing to do: the tables in code and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import anquan.models.accounts  # noqa: F401
    import anquan.models.assessment  # noqa: F401
    import anquan.models.directory  # noqa: F401
    import anquan.models.obligations  # noqa: F401

    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_a_persons_posts_are_found_by_address_through_the_index(app):
    """Autogenerate cannot compare expression indexes, so this one is checked by the plan: the lookup every page
    starts with (anquan.cycle.mine.person_of, lower(email)) uses ix_contact_email_lower, not a scan."""
    from sqlalchemy import func, select

    from anquan.models.directory import Contact

    query = select(Contact.id).where(func.lower(Contact.email) == "boss@e1.example", Contact.active)
    with app.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan TO off")  # an empty table would otherwise be scanned
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        else:
            plan = "\n".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_contact_email_lower" in plan, plan


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


@pytest.fixture
def empty_engine(request, backend, tmp_path):
    """An engine on a database with no schema at all, of the chosen backend."""
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    url = make_url(request.getfixturevalue("pg_server_url"))
    name = f"anquan_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(url.set(database=name))
    yield engine
    engine.dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_second_upgrade_waits_for_the_first(empty_engine):
    """Two `anquan db upgrade` at once: the second waits for the lock, then finds nothing left to do."""
    from anquan.models.db import _upgrade_lock

    results, errors = [], []

    def run():
        try:
            results.append(upgrade(empty_engine))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with _upgrade_lock(empty_engine):  # somebody else is upgrading
        waiting = threading.Thread(target=run)
        waiting.start()
        time.sleep(3.0)  # an upgrade of an empty database takes about a second here: without the lock it is done
        assert waiting.is_alive() and not results, "the upgrade did not wait for the lock"
        assert current_revision(empty_engine) is None
    waiting.join(timeout=120)
    assert not errors and results == [(None, SCHEMA_HEAD)]
    both = [threading.Thread(target=run) for _ in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join(timeout=120)
    assert not errors and results[1:] == [(SCHEMA_HEAD, SCHEMA_HEAD)] * 2


def test_a_database_newer_than_the_code_is_named_so(app):
    with app.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    for call in (lambda: ensure_current(app.engine), lambda: upgrade(app.engine)):
        with pytest.raises(SchemaNotCurrent, match="newer than this version of Anquan"):
            call()
    with app.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": SCHEMA_HEAD})


def test_the_tally_migration_counts_the_obligations_already_there(planned):
    """Upgrading an installation that planned before migration 0015 fills obligation_tally from its obligations,
    and its triggers count what changes after."""
    from alembic import command
    from sqlalchemy import update

    from anquan.cycle import tally
    from anquan.models.db import _alembic_config
    from anquan.models.obligations import Obligation

    command.downgrade(_alembic_config(planned.engine), "0016")  # the revision before 0015
    try:  # the session's PostgreSQL test database is shared: always back at the head
        assert "obligation_tally" not in inspect(planned.engine).get_table_names()
        with planned.engine.begin() as c:
            c.execute(update(Obligation).where(Obligation.kind == "book_signing").values(status="waived"))
    finally:
        upgrade(planned.engine)
    with planned.session() as s:
        counts = tally.kept(s, year=2026)
        assert tally.differences(s) == [] and sum(counts.values()) > 30
        assert {k[3] for k in counts} == {"open", "waived"}
    with planned.engine.begin() as c:
        c.execute(update(Obligation).where(Obligation.kind == "book_signing").values(status="open"))
    with planned.session() as s:
        assert tally.differences(s) == []


def test_a_shipped_revision_is_never_newer_whatever_its_number():
    """Migrations landed at once may chain a lower number after a higher one (0015 after 0016, 0013 after 0015): a
    database at a revision this code ships is behind, not ahead, even when its number is the higher."""
    from anquan.models.db import _newer

    assert SCHEMA_HEAD == "0017" and not _newer("0016", SCHEMA_HEAD)  # an installation at 0016 upgrades to 0017
    assert not _newer("0015", SCHEMA_HEAD) and not _newer("0013", SCHEMA_HEAD)
    assert _newer("0099", SCHEMA_HEAD) and not _newer("0000", SCHEMA_HEAD)
