"""Obligations of the year, what was submitted against them, and planning stamps."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from anquan.models.types import UTCDateTime, utcnow


class ObligationStatus(StrEnum):
    open = "open"
    submitted = "submitted"  # submitted on or before the deadline
    late = "late"  # submitted after the deadline
    waived = "waived"
    # Due before the installation's go-live (纳入系统管理起始日): never reminded, escalated or scored.
    not_tracked = "not_tracked"


class SubmissionSource(StrEnum):
    cli = "cli"  # `anquan submit` (the county office)
    import_ = "import"  # `anquan submit --import`
    web = "web"  # the official on their own page
    # Recorded on the organisation's behalf (代报) by its township's safety office; contact_id names who.
    proxy = "proxy"


class Obligation(SQLModel, table=True):
    """One duty of one organisation for one period, e.g. QL01's Q2 inspection summary."""

    __tablename__ = "obligation"
    __table_args__ = (
        # Led by org_id, so it also serves "what does this organisation owe" (no separate org_id index).
        UniqueConstraint("org_id", "subject_org_id", "kind", "period", name="uq_obligation_event"),
        Index("ix_obligation_year_kind_period", "year", "kind", "period"),
        # The tick walks due rows in (next_action_on, id) order.
        Index("ix_obligation_next_action_on_id", "next_action_on", "id"),
        # Few rows are provisional; re-planning finds them through this partial index.
        Index(
            "ix_obligation_provisional",
            "year",
            postgresql_where=text("provisional"),
            sqlite_where=text("provisional"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    # Who owes it.
    org_id: int = Field(foreign_key="organisation.id")
    # What it is about: the owner itself, except for duties one organisation
    # owes about another (the county's supervision visit to a township).
    subject_org_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    # "2026", "2026-Q3", "2026-07" or "2026-national_day".
    period: str = Field(max_length=40)
    # The effective deadline: inclusive-of-the-day and rest-day rules applied.
    due_on: date
    # The date the rules name ("5 July"), before those adjustments.
    nominal_due_on: date
    # The due date rests on an estimated calendar (no official holiday
    # arrangement known for that year yet).
    provisional: bool = False
    status: str = Field(default=ObligationStatus.open, max_length=16)
    submitted_on: date | None = None
    waived_reason: str | None = None
    # When the daily tick next has something to do for it (reminder or
    # escalation); none once it needs nothing more.
    next_action_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Submission(SQLModel, table=True):
    """One act of handing something in. Never updated; a resubmission is a new row."""

    __tablename__ = "submission"

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    submitted_on: date
    note: str | None = None
    file_name: str | None = Field(default=None, max_length=255)
    file_path: str | None = Field(default=None, max_length=500)
    file_sha256: str | None = Field(default=None, max_length=64)
    source: str = Field(default="cli", max_length=16)  # cli, import, web, proxy (SubmissionSource)
    # Who reported it on the officials' pages, and from which address (none from the command line).
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    client_addr: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SubmissionReturn(SQLModel, table=True):
    """A report the township's safety office sent back (退回): who, when, from where, why. Never updated.

    The obligation is open again; its submissions stay as history, and those up to `last_submission_id`
    are the ones returned (a later submission is the new report)."""

    __tablename__ = "submission_return"

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    contact_id: int = Field(foreign_key="contact.id")  # the overseer who returned it
    reason: str = Field(max_length=500)
    status_before: str = Field(max_length=16)  # submitted or late
    submitted_on: date  # the date the returned report gave
    last_submission_id: int | None = Field(default=None, foreign_key="submission.id")
    client_addr: str | None = Field(default=None, max_length=64)
    returned_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PlanStamp(SQLModel, table=True):
    """Marks an organisation's year as planned under one version of the rules and calendar.

    A re-plan skips organisations whose stamp carries the current digest, so
    its cost follows what is new, not the size of the directory.
    """

    __tablename__ = "plan_stamp"

    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    year: int = Field(primary_key=True)
    digest: str = Field(max_length=64)


class Installation(SQLModel, table=True):
    """This installation's own facts: one row. The go-live date is recorded the first time it plans or ticks.

    ANQUAN_GO_LIVE overrides it; what fell due before it is not tracked (see anquan.cycle.golive).
    """

    __tablename__ = "installation"

    id: int = Field(default=1, primary_key=True)
    go_live_on: date
    # The go-live date whose baseline (what was not tracked) the county office was sent; none yet.
    baseline_for: date | None = None
    # The last tick and plan that committed (what /metrics reports to IT): the day the tick acted for and when.
    last_tick_on: date | None = None
    last_tick_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_plan_year: int | None = None
    last_plan_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ObligationTally(SQLModel, table=True):
    """How many of a year's obligations about a township's organisations are of a kind, in a status, due on a day.

    Kept by the database itself, in the statement that changes an obligation (triggers of migration 0015 on
    obligation, and on organisation when an organisation moves to another township): no use case writes it,
    so none can forget to. The console's year at a glance reads it instead of counting 2.4 million
    obligations (anquan.cycle.tally). Rows reaching 0 stay (a later change may need them again).
    Obligations about an organisation outside any township (the county's own) are not counted.
    """

    __tablename__ = "obligation_tally"

    year: int = Field(primary_key=True)
    township_id: int = Field(primary_key=True)
    kind: str = Field(max_length=40, primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    due_on: date = Field(primary_key=True)
    n: int
