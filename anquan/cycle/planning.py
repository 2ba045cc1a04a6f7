"""Planning a year: turning the rules of the cycle and the directory into obligations.

Due dates depend only on the rules and the calendar, never on the
organisation, so planning computes each (kind, period) once and lets the
database fan it out over the organisations in one INSERT ... SELECT. Nothing
is loaded row by row; memory stays flat however large the directory.

Planning is idempotent: an obligation is identified by (kind, owner, subject,
period) and a second run creates nothing. Organisations whose year was already
planned under the same rules and calendar (see PlanStamp) are skipped, so a
re-plan after importing one new enterprise touches only that enterprise.

A large plan on PostgreSQL (a province's first plan of a year: 2.4 million
obligations) takes the bulk path, see _BulkPlan: the foreign keys of
obligation and plan_stamp are dropped for the inserts and re-added (validated)
before commit, and when the plan at least doubles the table the secondary
indexes of obligation are built afterwards instead of maintained row by row.
This holds an ACCESS EXCLUSIVE lock on organisation, obligation and plan_stamp
until the plan commits.
"""

from __future__ import annotations

import calendar as _cal
import hashlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import Boolean, Date, Integer, String, and_, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from anquan.errors import AnquanError
from anquan.rules.cycle import CycleRules, EventKind, HolidayKind, MonthlyKind, OwnerSpec, QuarterlyKind, YearlyKind
from anquan.rules.workcalendar import WorkCalendar
from anquan.models.directory import Organisation, OrgKind
from anquan.models.obligations import Obligation, ObligationStatus, PlanStamp
from anquan.models.types import UTCDateTime, utcnow
from anquan.vocabulary import holiday_period, month_period, quarter_period, year_period

Progress = Callable[[str, int, int], None]
MIN_YEAR, MAX_YEAR = 2000, 2100
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


@dataclass(frozen=True)
class PeriodDue:
    period: str
    nominal_due_on: date
    due_on: date
    provisional: bool
    next_action_on: date | None


@dataclass
class PlanReport:
    year: int
    created: dict[str, int] = field(default_factory=dict)
    updated_provisional: int = 0
    organisations_planned: int = 0
    organisations_skipped: int = 0
    provisional_periods: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "created": self.created,
            "total_created": self.total_created,
            "updated_provisional": self.updated_provisional,
            "organisations_planned": self.organisations_planned,
            "organisations_skipped": self.organisations_skipped,
            "provisional_periods": self.provisional_periods,
            "warnings": self.warnings,
        }


def _day_of(year: int, month: int, day: int | str) -> date:
    last = _cal.monthrange(year, month)[1]
    return date(year, month, last if day == "last" else min(int(day), last))


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def first_action_on(rule, due_on: date) -> date | None:
    """The first day the tick has something to do: the earliest reminder, else the first escalation."""
    if rule.reminders:
        return due_on - timedelta(days=max(rule.reminders))
    if rule.escalation:
        return due_on + timedelta(days=rule.escalation[0].after_days)
    return None


def periods_for(kind: str, *, rules: CycleRules, calendar: WorkCalendar, year: int) -> tuple[list[PeriodDue], list[str]]:
    """Every period of a kind in a year with its due dates, and any calendar warnings."""
    rule = rules.kind(kind)
    warnings: list[str] = []
    nominal: list[tuple[str, date, bool]] = []  # (period, nominal due, estimated?)
    if isinstance(rule, YearlyKind):
        d = rule.due
        nominal.append((year_period(year), _day_of(year + d.year_offset, d.month, d.day), False))
    elif isinstance(rule, QuarterlyKind):
        for q in range(1, 5):
            y, m = _add_months(year, 3 * q, rule.due.months_after_period)
            nominal.append((quarter_period(year, q), _day_of(y, m, rule.due.day), False))
    elif isinstance(rule, MonthlyKind):
        for month in range(1, 13):
            y, m = _add_months(year, month, rule.due.months_after_period)
            nominal.append((month_period(year, month), _day_of(y, m, rule.due.day), False))
    elif isinstance(rule, EventKind):
        return [], []  # created by events (hazards, campaigns), never planned
    elif isinstance(rule, HolidayKind):
        blocks, warnings = calendar.long_holidays(year, [str(h) for h in rules.long_holidays])
        for block in blocks:
            due = calendar.working_day_before(block.start, rule.due.working_days_before_start)
            nominal.append((holiday_period(year, block.name), due, block.provisional))
    out = []
    for period, nom, estimated in nominal:
        due = nom
        provisional = estimated
        if not isinstance(rule, HolidayKind):
            if rule.due.before and not rules.deadlines.inclusive:
                due -= timedelta(days=1)
            if rules.deadlines.roll_forward_off_rest_days:
                provisional = calendar.is_provisional(due)
                due = calendar.next_working_day(due)
                if not provisional and calendar.is_provisional(due):
                    provisional = True
                if provisional:
                    warnings.extend(w for w in calendar.year(due.year).warnings if w not in warnings)
        out.append(PeriodDue(period, nom, due, provisional, first_action_on(rule, due)))
    return out, warnings


def plan_digest(*, rules: CycleRules, calendar: WorkCalendar, year: int) -> str:
    parts = [rules.digest, str(year)] + [calendar.year(y).digest for y in (year, year + 1)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _insert_ignoring_conflicts(session: Session, select_stmt, columns: list[str]):
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(Obligation).from_select(columns, select_stmt).on_conflict_do_nothing(
        index_elements=["org_id", "subject_org_id", "kind", "period"]
    )
    # rowcount of an INSERT is only kept on request (SQLAlchemy 2.x).
    return session.connection().execute(stmt.execution_options(preserve_rowcount=True))


def _subjects(spec: OwnerSpec, *, year: int, digest: str):
    """The organisations an owner spec plans for, and the owner column for each."""
    subject = Organisation.__table__.alias("subject")
    unstamped = ~exists().where(
        PlanStamp.org_id == subject.c.id, PlanStamp.year == year, PlanStamp.digest == digest
    )
    if spec.per == "township":
        # One per township, owed by its county.
        return subject, subject.c.parent_id, and_(subject.c.kind == OrgKind.township.value, subject.c.parent_id.is_not(None), unstamped)
    kinds = [k.value for k in spec.org_kinds]
    return subject, subject.c.id, and_(subject.c.kind.in_(kinds), unstamped)


def plan_year(
    *,
    session: Session,
    rules: CycleRules,
    calendar: WorkCalendar,
    year: int,
    progress: Progress | None = None,
    bulk_threshold: int | None = BULK_PLAN_ROWS,
) -> PlanReport:
    """Create the year's obligations for the whole directory. Safe to run again at any time.

    bulk_threshold: the estimated number of obligations from which PostgreSQL
    takes the bulk path (see _BulkPlan); None never takes it.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise AnquanError(f"year {year} is out of range ({MIN_YEAR}..{MAX_YEAR})")
    report = PlanReport(year=year)
    digest = plan_digest(rules=rules, calendar=calendar, year=year)
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # One snapshot for the whole plan: an organisation imported while it runs is
        # neither half-planned nor stamped as planned; the next plan takes it up.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})

    with _plan_settings(session):
        schedule: list[tuple[str, OwnerSpec, PeriodDue]] = []
        for kind in rules.kinds:
            periods, warnings = periods_for(kind, rules=rules, calendar=calendar, year=year)
            report.warnings.extend(w for w in warnings if w not in report.warnings)
            report.provisional_periods.extend(f"{kind}:{p.period}" for p in periods if p.provisional)
            for spec in rules.kinds[kind].owners:
                schedule.extend((kind, spec, p) for p in periods)

        org = Organisation.__table__
        # Unstamped organisations by kind (and those with a parent), to size the plan.
        unstamped_by_kind = {
            kind: (n, with_parent)
            for kind, n, with_parent in session.execute(
                select(org.c.kind, func.count(), func.count(org.c.parent_id))
                .where(~exists().where(PlanStamp.org_id == org.c.id, PlanStamp.year == year, PlanStamp.digest == digest))
                .group_by(org.c.kind)
            )
        }
        unstamped_count = sum(n for n, _ in unstamped_by_kind.values())
        total_orgs = session.execute(select(func.count()).select_from(org)).scalar_one()
        report.organisations_planned = unstamped_count
        report.organisations_skipped = total_orgs - unstamped_count
        estimated_rows = sum(
            unstamped_by_kind.get(OrgKind.township.value, (0, 0))[1] if spec.per == "township"
            else sum(unstamped_by_kind.get(k.value, (0, 0))[0] for k in spec.org_kinds)
            for _kind, spec, _p in schedule
        )
        bulk = None
        large = bulk_threshold is not None and estimated_rows >= max(bulk_threshold, 1)
        if large and session.get_bind().dialect.name == "postgresql" and not _mostly_planned(session, year, estimated_rows):
            bulk = _BulkPlan.start(session, estimated_rows=estimated_rows)
            if bulk is None:
                report.warnings.append(
                    f"planned without the bulk path: another transaction held organisation, obligation or plan_stamp "
                    f"for more than {BULK_LOCK_TIMEOUT}; nothing is lost, the plan only took longer")

        now = utcnow()
        columns = ["kind", "org_id", "subject_org_id", "year", "period", "due_on", "nominal_due_on",
                   "provisional", "status", "next_action_on", "created_at", "updated_at"]
        created: Counter[str] = Counter()
        steps = len(schedule) + 1
        if progress:
            progress("plan", 0, steps)
        if unstamped_count:
            for i, (kind, spec, p) in enumerate(schedule, start=1):
                subject, owner_col, where = _subjects(spec, year=year, digest=digest)
                stmt = select(
                    literal(kind, String),
                    owner_col,
                    subject.c.id,
                    literal(year, Integer),
                    literal(p.period, String),
                    literal(p.due_on, Date),
                    literal(p.nominal_due_on, Date),
                    literal(p.provisional, Boolean),
                    literal(ObligationStatus.open.value, String),
                    literal(p.next_action_on, Date),
                    literal(now, UTCDateTime()),
                    literal(now, UTCDateTime()),
                ).where(where)
                result = _insert_ignoring_conflicts(session, stmt, columns)
                created[kind] += max(result.rowcount or 0, 0)
                if progress:
                    progress("plan", i, steps)

        # Obligations planned on an estimated calendar follow the better dates
        # once the official arrangement is known (open ones only).
        for kind, spec, p in schedule:
            if spec is not rules.kinds[kind].owners[0]:
                continue
            result = session.connection().execute(
                update(Obligation)
                .where(
                    Obligation.provisional,
                    Obligation.year == year,
                    Obligation.kind == kind,
                    Obligation.period == p.period,
                    Obligation.status == ObligationStatus.open.value,
                    (Obligation.due_on != p.due_on) | (Obligation.provisional != p.provisional),
                )
                .values(due_on=p.due_on, nominal_due_on=p.nominal_due_on, provisional=p.provisional,
                        next_action_on=p.next_action_on, updated_at=now)
            )
            report.updated_provisional += max(result.rowcount or 0, 0)

        if unstamped_count:
            _stamp(session, year=year, digest=digest)
        if bulk is not None:
            bulk.finish()
        if progress:
            progress("plan", steps, steps)
        report.created = {k: created.get(k, 0) for k in rules.kinds}
        return report


def _stamp(session: Session, *, year: int, digest: str) -> None:
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    org = Organisation.__table__
    # NOT IN over a subquery, not NOT EXISTS: PostgreSQL hashes the stamped ids
    # once. A correlated anti-join here re-reads plan_stamp for every row while
    # this very statement fills it, which grew quadratically (863 s for 217,720
    # organisations, measured by benchmarks/plan_province.py).
    stamped = select(PlanStamp.org_id).where(PlanStamp.year == year, PlanStamp.digest == digest)
    stmt = insert_fn(PlanStamp).from_select(
        ["org_id", "year", "digest"],
        select(org.c.id, literal(year, Integer), literal(digest, String)).where(org.c.id.not_in(stamped)),
    )
    stmt = stmt.on_conflict_do_update(index_elements=["org_id", "year"], set_={"digest": stmt.excluded.digest})
    session.execute(stmt)


@contextmanager
def _plan_settings(session: Session):
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


def _mostly_planned(session: Session, year: int, estimated_rows: int) -> bool:
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


class _BulkPlan:
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
    def start(cls, session: Session, *, estimated_rows: int) -> "_BulkPlan | None":
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
