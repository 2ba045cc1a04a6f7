"""The obligations counted per (year, township, kind, status, due date): obligation_tally.

The database keeps the table itself: triggers (migration 0015) change the counts in the same statement that
inserts, updates or deletes an obligation, or moves an organisation to another township, on PostgreSQL and on
SQLite alike. Nothing in Python writes it but `rebuild` below, which counts it afresh from the obligations (an
installation restored from a backup of the table alone, or a check after a repair by hand).

An obligation counts under the township of the organisation it is about (its subject); those about an
organisation in no township (the county's own) are not counted, as the year at a glance shows townships only.
From (status, due date) the state of every obligation as of any day follows (anquan.console.yearview).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from anquan.models.directory import Organisation
from anquan.models.obligations import Obligation, ObligationTally

Key = tuple  # (year, township_id, kind, status, due_on)


def _recount_query(year: int | None = None):
    q = (select(Obligation.year, Organisation.township_id, Obligation.kind, Obligation.status, Obligation.due_on,
                func.count())
         .join(Organisation, Organisation.id == Obligation.subject_org_id)
         .where(Organisation.township_id.is_not(None))
         .group_by(Obligation.year, Organisation.township_id, Obligation.kind, Obligation.status, Obligation.due_on))
    return q.where(Obligation.year == year) if year is not None else q


def kept(session: Session, *, year: int | None = None) -> dict[Key, int]:
    """The counts as the table holds them (rows at 0 left out)."""
    t = ObligationTally
    q = select(t.year, t.township_id, t.kind, t.status, t.due_on, t.n).where(t.n != 0)
    if year is not None:
        q = q.where(t.year == year)
    return {tuple(r[:5]): r[5] for r in session.execute(q)}


def recounted(session: Session, *, year: int | None = None) -> dict[Key, int]:
    """The counts as the obligations give them now."""
    return {tuple(r[:5]): r[5] for r in session.execute(_recount_query(year))}


@dataclass
class Difference:
    key: Key
    kept: int
    recounted: int


def differences(session: Session, *, year: int | None = None) -> list[Difference]:
    """Where the table and a recount disagree (none, unless something wrote around the triggers)."""
    a, b = kept(session, year=year), recounted(session, year=year)
    return [Difference(k, a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b), key=str) if a.get(k, 0) != b.get(k, 0)]


def _lock(session: Session) -> None:
    """No obligation or township link changes while the table is counted afresh (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(0x74616C6C79)))  # "tally": one rebuild at a time
        session.connection().exec_driver_sql("LOCK TABLE organisation, obligation IN SHARE MODE")


def rebuild(session: Session) -> list[Difference]:
    """Count the table afresh from the obligations; returns what was wrong before (empty: it was exact)."""
    _lock(session)
    wrong = differences(session)
    if wrong:
        session.execute(delete(ObligationTally))
        t = ObligationTally.__table__
        session.execute(insert(t).from_select(["year", "township_id", "kind", "status", "due_on", "n"],
                                              _recount_query()))
    return wrong
