"""What the daily tick decided to tell whom (notices) and the mail that carries it (the outbox)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from anquan.models.types import UTCDateTime, utcnow


class MailStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class NoticeOutcome(StrEnum):
    notified = "notified"
    # A stage that fell due while nothing ran (downtime) and was overtaken by a
    # later one before it could be sent; recorded, never sent.
    skipped = "skipped"
    # Nobody in the directory holds the stage's role nor any role above it.
    no_recipient = "no_recipient"


class OutboxMessage(SQLModel, table=True):
    """One rendered mail to one recipient, written in the same transaction as the change it announces."""

    __tablename__ = "outbox"
    # Claims take pending rows in id order, however much sent mail lies before them.
    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # Derived from the event (tick date, recipient, obligations and stages), never from the clock.
    key: str = Field(max_length=64, unique=True)
    message_id: str = Field(max_length=200)
    to_addr: str = Field(max_length=254)
    to_name: str = Field(max_length=100)
    subject: str = Field(max_length=300)
    template: str = Field(max_length=40)  # reminder, escalation or digest
    stage: str = Field(max_length=200)  # the stages it carries, e.g. "reminder-7" or "escalation-1,escalation-2"
    tick_date: date
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the whole RFC 5322 message
    status: str = Field(default=MailStatus.pending, max_length=16)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # When the retention period dropped its body (raw emptied): who, what, when and the key stay, so a rerun or a
    # restore never queues it again and the history still says it was sent (anquan.notifications.retention).
    pruned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Notice(SQLModel, table=True):
    """One obligation's stage for one recipient: at most one, ever (the unique constraint says so)."""

    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("obligation_id", "stage", "recipient_email", name="uq_notice_event"),
        Index("ix_notice_tick_recipient", "tick_date", "recipient_email"),
        # An official's page: what the mail asked this address to urge.
        Index("ix_notice_recipient_obligation", "recipient_email", "obligation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    stage: str = Field(max_length=40)  # "reminder-7" (days before) or "escalation-2" (stage number)
    scheduled_on: date  # the day the stage fell due
    tick_date: date  # the day the tick acted on it
    outcome: str = Field(max_length=16)
    # Empty for a skipped stage (one row per skipped stage).
    recipient_email: str = Field(default="", max_length=254)
    recipient_name: str | None = Field(default=None, max_length=100)
    recipient_role: str | None = Field(default=None, max_length=32)
    # Set when the stage's own role had nobody and the notice went up to this role instead.
    fallback_from: str | None = Field(default=None, max_length=32)
    also_told: str | None = None  # the other recipients of this stage, for the mail
    # The key of the outbox message that carries it (set in the same transaction).
    outbox_key: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
