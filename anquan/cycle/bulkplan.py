"""The PostgreSQL bulk path of a large plan, and the plan's connection settings on either backend.

Kept apart from planning.py, which says *what* a year holds; this says how a province's
first plan of a year is written fast (see _BulkPlan) and how the plan's connection is tuned
and put back.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from anquan.models.obligations import Obligation

# A plan estimated at this many obligations or more takes the bulk path on
# PostgreSQL (a county's first plan of a year is a few thousand; a province's
# is 2.4 million). None disables the bulk path.
BULK_PLAN_ROWS = 100_000
# How long the bulk path waits for its exclusive locks before planning the ordinary way.
BULK_LOCK_TIMEOUT = "10s"
# Session settings for the plan's transaction on PostgreSQL (SET LOCAL, put
# back before returning). work_mem: the stamping's NOT IN hashes the stamped
# ids only while they fit (4 MB, the default, is ~250,000 stamps; past that
# it becomes a per-row subplan). plan_cache_mode: psycopg prepares statements
# run five times; a generic plan made while plan_stamp was empty would be
# reused for every later re-plan.
PG_PLAN_SETTINGS = {"work_mem": "64MB", "plan_cache_mode": "force_custom_plan"}
# SQLite's page cache for the plan's connection, in KiB (the default is 2,000
# KiB): a province's first plan took 53.1 s with the default, 34.9 s with 64 MiB,
# 29.5 s with 128 MiB and 26.5 s with 256 MiB. The cache only grows as far as the
# plan needs and is shrunk back to the previous size before plan_year returns,
# so it is a bounded, transient peak (up to 256 MiB), not a load of the rows.
SQLITE_PLAN_CACHE_KIB = 262_144


@contextmanager
def plan_settings(session: Session):
    """The plan's connection settings, put back afterwards (see PG_PLAN_SETTINGS, SQLITE_PLAN_CACHE_KIB)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        previous = _set_local(session, PG_PLAN_SETTINGS)
        yield
        _set_local(session, previous)  # on success only: a rollback undoes SET LOCAL anyway
    elif dialect == "sqlite":
        conn = session.connection()
        previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_PLAN_CACHE_KIB}")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")
    else:
        yield


def mostly_planned(session: Session, year: int, estimated_rows: int) -> bool:
    """Whether the year already holds at least half the rows the plan could write.

    Then the plan is a re-plan (the rules or the calendar changed, so every
    organisation is unstamped) that inserts little: the bulk path's locks and
    rebuilds would bring nothing. Counts at most that half, through the index led by year.
    """
    half = max(estimated_rows // 2, 1)
    existing = session.execute(
        select(func.count()).select_from(select(Obligation.id).where(Obligation.year == year).limit(half).subquery())
    ).scalar_one()
    return existing >= half


def _set_local(session: Session, settings: dict[str, str]) -> dict[str, str]:
    """SET LOCAL each setting (PostgreSQL); returns the previous values."""
    conn = session.connection()
    previous = {}
    for name, value in settings.items():
        previous[name] = conn.execute(select(func.current_setting(name))).scalar_one()
        conn.execute(select(func.set_config(name, value, True)))
    return previous


class BulkPlan:
    """The bulk path of a large plan on PostgreSQL, inside the plan's transaction.

    Checking the foreign keys for every inserted row (obligation's org_id and
    subject_org_id, plan_stamp's org_id -> organisation) was about half of a
    province's first plan; adding them back at the end validates each table in
    one join (~0.8 s per key for 2.4 million obligations). When the plan is at
    least as large as the table already is (so the rebuild costs no more than
    the plan), the non-unique indexes of obligation (not the primary key, not
    uq_obligation_event that ON CONFLICT needs, not the small partial one) are
    dropped too and built again at the end, instead of maintained row by row.
    A province's first plan (2.4 million rows): 44.5 s without the bulk path,
    31 s with the keys dropped, 20-21 s with the indexes rebuilt as well
    (benchmarks/README.md).

    The price: dropping a foreign key takes an ACCESS EXCLUSIVE lock on both
    its tables, held until the plan commits (re-adding the key NOT VALID and
    validating it later would not shorten that: the drop's lock lasts to the end
    of the transaction anyway). So nothing can read organisation, obligation or
    plan_stamp meanwhile; the tick, the CLI and directory imports wait for the
    plan (about 20 s for a province's first plan of a year), and the plan waits
    for whatever holds them when it starts. The three locks are taken in one
    LOCK statement, in a fixed order, before anything is written. DDL is
    transactional on PostgreSQL: a plan that fails rolls back with its
    constraints and indexes as they were. They are put back from their own
    definitions (pg_get_constraintdef, pg_get_indexdef) under their own names,
    so the schema stays the migrations'. Integrity holds: the keys are back and
    validated (against the latest snapshot, PostgreSQL's rule for validation)
    before the commit, and nobody else can write either table in between.
    """

    @classmethod
    def start(cls, session: Session, *, estimated_rows: int) -> "BulkPlan | None":
        """Lock the three tables and begin; None when they stay busy past BULK_LOCK_TIMEOUT.

        The wait is bounded so that a plan does not queue every reader behind it for
        as long as some other transaction runs; the plan then takes the ordinary path.
        """
        conn = session.connection()
        previous = conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar_one()
        savepoint = conn.begin_nested()
        try:
            conn.execute(select(func.set_config("lock_timeout", BULK_LOCK_TIMEOUT, True)))
            conn.exec_driver_sql("LOCK TABLE organisation, obligation, plan_stamp IN ACCESS EXCLUSIVE MODE")
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            savepoint.rollback()
            return None
        savepoint.commit()  # the locks stay until the plan's transaction ends
        conn.execute(select(func.set_config("lock_timeout", previous, True)))
        return cls(session, estimated_rows=estimated_rows)

    def __init__(self, session: Session, *, estimated_rows: int):
        """Call through start(), which takes the locks."""
        self.conn = session.connection()
        sql = self.conn.exec_driver_sql
        self.foreign_keys = sql(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid IN ('obligation'::regclass, 'plan_stamp'::regclass) AND contype = 'f' "
            "ORDER BY 1, 2"
        ).all()
        reltuples = sql("SELECT reltuples FROM pg_class WHERE oid = 'obligation'::regclass").scalar_one()
        existing_rows = reltuples if reltuples >= 0 else sql("SELECT count(*) FROM obligation").scalar_one()
        self.indexes = []
        if estimated_rows >= existing_rows:
            self.indexes = sql(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = 'obligation'::regclass AND NOT x.indisunique AND NOT x.indisprimary "
                "AND x.indpred IS NULL ORDER BY i.relname"
            ).all()
        for table, name, _ in self.foreign_keys:
            sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in self.indexes:
            sql(f'DROP INDEX "{name}"')

    def finish(self) -> None:
        sql = self.conn.exec_driver_sql
        for table, name, definition in self.foreign_keys:
            sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        # maintenance_work_mem stays the server's: 256MB instead of the default
        # 64MB made the (year, kind, period) build slower here (2.4-2.6 s vs 1.4-1.7 s).
        for _, definition in self.indexes:
            sql(definition)
        # Statistics that describe what was just written. Without them a re-plan
        # right after (before autovacuum's ANALYZE) estimated the 326,520 fresh
        # stamps at 5 rows and anti-joined each township against a materialised
        # scan of them: 10 s per statement, +50 enterprises in 97 s instead of
        # 3.6 s (plan_province.py --scale 1.5, 2 of 10 runs). The tick's plans
        # need obligation's too.
        sql("ANALYZE obligation, plan_stamp")
