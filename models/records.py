"""The year's records the assessment reads: accidents, the county-issued control indicators, manual adjustments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from anquan.models.types import UTCDateTime, utcnow


class AccidentKind(StrEnum):
    road_traffic = "road_traffic"
    other = "other"


class Accident(SQLModel, table=True):
    """A work-safety accident in a township (事故). It counts for the year of its date only."""

    __tablename__ = "accident"
    __table_args__ = (Index("ix_accident_org_date", "org_id", "occurred_on"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")  # the township it is charged to
    occurred_on: date
    kind: str = Field(max_length=16)
    deaths: int = 0
    injuries: int = 0
    liability: bool = True  # a safety liability accident (责任事故)
    egregious: bool = False  # flagged by the county: especially bad social impact (社会影响特别恶劣)
    description: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ControlIndicator(SQLModel, table=True):
    """The county's control indicators for one township and year (控制考核指标)."""

    __tablename__ = "control_indicator"
    __table_args__ = (UniqueConstraint("org_id", "year", name="uq_indicator_org_year"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    year: int
    max_accidents: int
    max_deaths: int
    max_injuries: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Adjustment(SQLModel, table=True):
    """A manual score item the county enters, e.g. from its quarterly supervision visits."""

    __tablename__ = "adjustment"
    __table_args__ = (Index("ix_adjustment_org_year", "org_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    year: int
    points: float  # positive adds, negative deducts
    item: str = Field(max_length=200)
    reason: str
    source: str = Field(default="cli", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class HazardStatus(StrEnum):
    open = "open"
    closed = "closed"


class Hazard(SQLModel, table=True):
    """A listed-supervision hazard (挂牌督办隐患) a township decides on for the year."""

    __tablename__ = "hazard"
    __table_args__ = (Index("ix_hazard_org_year", "org_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")  # the township that lists it
    enterprise_id: int | None = Field(default=None, foreign_key="organisation.id")
    place: str | None = Field(default=None, max_length=200)  # where, when it is not an enterprise
    year: int
    description: str
    responsible_person: str = Field(max_length=100)
    measures: str
    funds: str | None = Field(default=None, max_length=100)  # as the township states them, e.g. "12万元"
    deadline: date
    emergency_plan: str
    status: str = Field(default=HazardStatus.open, max_length=16)
    closed_on: date | None = None
    close_note: str | None = None
    rectification_id: int | None = Field(default=None, foreign_key="obligation.id")
    evaluation_id: int | None = Field(default=None, foreign_key="obligation.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Campaign(SQLModel, table=True):
    """A special rectification campaign (专项整治), started by hand."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    # Derived from the parameters: starting the same campaign twice starts it once.
    key: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    sectors: str = Field(max_length=300)  # comma-separated sector identifiers
    townships: str  # comma-separated township codes
    starts_on: date
    ends_on: date
    summary_due: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MajorEvent(SQLModel, table=True):
    """A major event entered by hand (a national meeting, a big fair): the townships inspect before it, as before a long holiday."""

    __tablename__ = "major_event"

    id: int | None = Field(default=None, primary_key=True)
    # Derived from name, dates and scope: entering the same event twice enters it once.
    key: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    townships: str  # comma-separated township codes
    starts_on: date
    ends_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AlertKind(StrEnum):
    warning_sign = "warning_sign"  # 事故征兆
    major_hazard_source = "major_hazard_source"  # 重大危险源


class RiskAlert(SQLModel, table=True):
    """What an enterprise reports with its risk analysis that cannot wait: a warning sign or a major hazard source."""

    __tablename__ = "risk_alert"
    __table_args__ = (Index("ix_risk_alert_org_reported", "org_id", "reported_on"),)

    id: int | None = Field(default=None, primary_key=True)
    # Derived from the report itself: the same report recorded twice is one alert, mailed once.
    key: str = Field(max_length=64, unique=True)
    org_id: int = Field(foreign_key="organisation.id")  # the enterprise
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id")  # the month's analysis, when known
    kind: str = Field(max_length=32)
    description: str
    measures: str | None = None
    reported_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class IssuedDocument(SQLModel, table=True):
    """A document the county issued with a number (发文字号 青安委〔2027〕3号): the counter per code and year.

    One row per document and subject (the notice of 2026's assessment): issuing it again keeps its number."""

    __tablename__ = "issued_document"
    __table_args__ = (UniqueConstraint("kind", "subject", name="uq_issued_document_subject"),
                      UniqueConstraint("code", "issue_year", "number", name="uq_issued_document_number"))

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # assessment_notice
    subject: str = Field(max_length=32)  # what it is about: the year assessed
    code: str = Field(max_length=16)  # 机关代字
    issue_year: int
    number: int
    issued_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
