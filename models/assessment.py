"""The year's assessment as the county office reviews and approves it: the draft (or approved) assessment of a year,
each township's result in it, and the objections (异议) townships raise against a result once it was mailed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from anquan.models.types import UTCDateTime, utcnow


class AssessmentStatus(StrEnum):
    draft = "draft"  # scored and recorded; nobody outside the county office has seen it
    approved = "approved"  # approved by a county admin: the township heads were mailed, the notice numbered


class AssessmentRecord(SQLModel, table=True):
    """One year's assessment as recorded by the January run: a draft until a county admin approves it.

    Drafting again before the approval replaces the draft (and its results); after it, the year is closed."""

    __tablename__ = "assessment_record"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    status: str = Field(max_length=16, default=AssessmentStatus.draft.value)
    as_of: date  # the records as of this day
    drafted_on: date  # the day of the January run (the draft notice is dated so)
    provisional: bool = False
    go_live: date | None = None
    county_name: str = Field(max_length=128)
    county_targets: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of sentences
    notes: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of sentences
    approved_by: str | None = Field(default=None, max_length=254)  # the county admin's login
    approved_by_name: str | None = Field(default=None, max_length=64)
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    approved_on: date | None = None  # the notice's date, and the day the township heads were mailed
    notice_number: int | None = None
    mails_queued: int | None = None  # at the approval
    # The notice's text as the county office edited it before the approval (None: the default text): 下一步要求 as a
    # JSON list of paragraphs, and the 抄送 line.
    notice_requirements: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    notice_copied_to: str | None = Field(default=None, max_length=512)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AssessmentResultRow(SQLModel, table=True):
    """One township's result in a recorded assessment, with every deduction and veto reason as scored."""

    __tablename__ = "assessment_result"
    __table_args__ = (UniqueConstraint("record_id", "org_id", name="uq_assessment_result_township"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="assessment_record.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")
    org_code: str = Field(max_length=32)
    org_name: str = Field(max_length=128)
    rank: int
    base: Decimal = Field(sa_column=Column(Numeric(7, 2), nullable=False))
    floor: Decimal = Field(sa_column=Column(Numeric(7, 2), nullable=False))
    ceiling: Decimal = Field(sa_column=Column(Numeric(7, 2), nullable=False))
    score: Decimal = Field(sa_column=Column(Numeric(7, 2), nullable=False))
    grade: str = Field(max_length=8)
    vetoed: bool = False
    # JSON: [{"item", "points" (a decimal as text), "evidence"}], and the veto reasons as a list of sentences.
    deductions: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    veto_reasons: str = Field(default="[]", sa_column=Column(Text, nullable=False))


class ObjectionOutcome(StrEnum):
    upheld = "upheld"  # 维持
    adjusted = "adjusted"  # 调整


class AssessmentObjection(SQLModel, table=True):
    """An objection (异议) a township raised against its result, received within the working days the result mail
    gave; later its handling (维持 or 调整, with a note)."""

    __tablename__ = "assessment_objection"

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="assessment_result.id", index=True)
    raised_by: str = Field(max_length=128)  # who raised it, as the office writes it: 石门镇人民政府 李明
    content: str = Field(sa_column=Column(Text, nullable=False))
    received_on: date
    recorded_by: str = Field(max_length=254)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    outcome: str | None = Field(default=None, max_length=16)
    outcome_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
