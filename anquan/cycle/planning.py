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
obligations) takes the bulk path, see BulkPlan: the foreign keys of
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
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import Boolean, Date, Integer, String, and_, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from anquan.errors import AnquanError
from anquan.rules.cycle import CycleRules, EventKind, HolidayKind, MonthlyKind, OwnerSpec, QuarterlyKind, YearlyKind
from anquan.rules.workcalendar import WorkCalendar
from anquan.models.directory import Organisation, OrgKind
from anquan.models.obligations import Obligation, ObligationStatus, PlanStamp
from anquan.models.bulk import insert_ignoring_conflicts
from anquan.models.types import UTCDateTime, utcnow
from anquan.vocabulary import holiday_period, month_period, quarter_period, year_period
from anquan.cycle import bulkplan, golive
from anquan.cycle.bulkplan import BULK_PLAN_ROWS, BulkPlan, mostly_planned, plan_settings

Progress = Callable[[str, int, int], None]
MIN_YEAR, MAX_YEAR = 2000, 2100

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
    # The installation's go-live date, and the year's obligations due before it (not tracked).
    go_live: date | None = None
    not_tracked: int = 0

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
            "go_live": self.go_live.isoformat() if self.go_live else None,
            "not_tracked": self.not_tracked,
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
                if rule.due.rolls_earlier():  # never past the book's date
                    due = due if not calendar.is_rest_day(due) else calendar.working_day_before(due)
                else:
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


def one_snapshot(session: Session) -> None:
    """On PostgreSQL, the unit of work sees one snapshot (REPEATABLE READ) from its first statement: an organisation
    imported while a plan runs is neither half-planned nor stamped as planned; the next plan takes it up. Called
    before the unit of work's first statement (later it changes nothing). A concurrent change to a row the plan
    then writes (an obligation tally's count, say) fails the plan with a serialization failure: plan again."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def serialization_failure(exc: BaseException) -> bool:
    """True for PostgreSQL's "could not serialize access" (SQLSTATE 40001): the unit of work may simply run again."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "40001"


def plan_year(
    *,
    session: Session,
    rules: CycleRules,
    calendar: WorkCalendar,
    year: int,
    progress: Progress | None = None,
    bulk_threshold: int | None = BULK_PLAN_ROWS,
    go_live: date | None = None,
) -> PlanReport:
    """Create the year's obligations for the whole directory. Safe to run again at any time.

    bulk_threshold: the estimated number of obligations from which PostgreSQL
    takes the bulk path (see BulkPlan); None never takes it.
    go_live: obligations due before it are planned not tracked (see anquan.cycle.golive); None tracks all.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise AnquanError(f"year {year} is out of range ({MIN_YEAR}..{MAX_YEAR})")
    report = PlanReport(year=year, go_live=go_live)
    digest = plan_digest(rules=rules, calendar=calendar, year=year)
    one_snapshot(session)

    with plan_settings(session):
        schedule = _schedule(rules=rules, calendar=calendar, year=year, report=report)
        unstamped_count, estimated_rows = _size(session, schedule=schedule, year=year, digest=digest, report=report)
        bulk = None
        large = bulk_threshold is not None and estimated_rows >= max(bulk_threshold, 1)
        if large and session.get_bind().dialect.name == "postgresql" and not mostly_planned(session, year, estimated_rows):
            bulk = BulkPlan.start(session, estimated_rows=estimated_rows)
            if bulk is None:
                report.warnings.append(
                    f"planned without the bulk path: another transaction held organisation, obligation or plan_stamp "
                    f"for more than {bulkplan.BULK_LOCK_TIMEOUT}; nothing is lost, the plan only took longer")

        now = utcnow()
        steps = len(schedule) + 1
        if progress:
            progress("plan", 0, steps)
        created: Counter[str] = Counter()
        if unstamped_count:
            created = _insert(session, schedule=schedule, year=year, digest=digest, now=now, go_live=go_live,
                              progress=(lambda i: progress("plan", i, steps)) if progress else None)
        report.updated_provisional += _follow_official_calendar(session, rules=rules, schedule=schedule, year=year,
                                                                now=now)
        if go_live is not None:
            golive.apply_to_year(session, year=year, go_live=go_live)
            report.not_tracked = session.execute(select(func.count()).select_from(Obligation).where(
                Obligation.year == year, Obligation.status == ObligationStatus.not_tracked.value)).scalar_one()
        if unstamped_count:
            _stamp(session, year=year, digest=digest)
        if bulk is not None:
            bulk.finish()
        if progress:
            progress("plan", steps, steps)
        report.created = {k: created.get(k, 0) for k in rules.kinds}
        return report


Schedule = list[tuple[str, OwnerSpec, PeriodDue]]


def _schedule(*, rules: CycleRules, calendar: WorkCalendar, year: int, report: PlanReport) -> Schedule:
    """Every (kind, owner spec, period) of the year, with the calendar's warnings and provisional periods noted."""
    schedule: Schedule = []
    for kind in rules.kinds:
        periods, warnings = periods_for(kind, rules=rules, calendar=calendar, year=year)
        report.warnings.extend(w for w in warnings if w not in report.warnings)
        report.provisional_periods.extend(f"{kind}:{p.period}" for p in periods if p.provisional)
        for spec in rules.kinds[kind].owners:
            schedule.extend((kind, spec, p) for p in periods)
    return schedule


def _size(session: Session, *, schedule: Schedule, year: int, digest: str, report: PlanReport) -> tuple[int, int]:
    """(organisations not yet planned under this digest, obligations the plan could write at most)."""
    org = Organisation.__table__
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
    return unstamped_count, estimated_rows


_COLUMNS = ["kind", "org_id", "subject_org_id", "year", "period", "due_on", "nominal_due_on",
            "provisional", "status", "next_action_on", "created_at", "updated_at"]


def _insert(session: Session, *, schedule: Schedule, year: int, digest: str, now, go_live: date | None,
            progress: Callable[[int], None] | None) -> Counter[str]:
    """One INSERT ... SELECT per (kind, spec, period) over the unplanned organisations; created rows by kind."""
    created: Counter[str] = Counter()
    for i, (kind, spec, p) in enumerate(schedule, start=1):
        subject, owner_col, where = _subjects(spec, year=year, digest=digest)
        untracked = go_live is not None and p.due_on < go_live
        status = ObligationStatus.not_tracked if untracked else ObligationStatus.open
        stmt = select(
            literal(kind, String),
            owner_col,
            subject.c.id,
            literal(year, Integer),
            literal(p.period, String),
            literal(p.due_on, Date),
            literal(p.nominal_due_on, Date),
            literal(p.provisional, Boolean),
            literal(status.value, String),
            literal(None if untracked else p.next_action_on, Date),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
        ).where(where)
        result = insert_ignoring_conflicts(session, Obligation, stmt, _COLUMNS,
                                           conflict_on=["org_id", "subject_org_id", "kind", "period"])
        created[kind] += max(result.rowcount or 0, 0)
        if progress:
            progress(i)
    return created


def _follow_official_calendar(session: Session, *, rules: CycleRules, schedule: Schedule, year: int, now) -> int:
    """Open obligations planned on an estimated calendar take the better dates once the official arrangement is known."""
    updated = 0
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
        updated += max(result.rowcount or 0, 0)
    return updated


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
