"""The assessment between the January run and the township heads: the draft recorded, a county admin's approval, and
the objections (异议) townships raise within the working days after their results were mailed.

A year has at most one recorded assessment. Drafting again before the approval replaces it; once approved it is
closed: drafting again is refused, and approving again does nothing (the conditional update below lets one
approval through, however many arrive at once)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlmodel import Session

from anquan.assessment import notice_text
from anquan.assessment.notice_text import NoticeText
from anquan.assessment.notice import NoticeOptions
from anquan.assessment.scoring import Assessment, Deduction, TownshipResult
from anquan.errors import AnquanError, InvalidValue, NotFound
from anquan.models.assessment import (AssessmentObjection, AssessmentRecord, AssessmentResultRow, AssessmentStatus,
                                      ObjectionOutcome)
from anquan.rules.workcalendar import WorkCalendar

OBJECTION_WORKING_DAYS = 5  # the result mail: 如对考核结果有异议，请于收到本邮件之日起5个工作日内……
OUTCOME_LABELS = {ObjectionOutcome.upheld.value: "维持", ObjectionOutcome.adjusted.value: "调整"}
TEXT_MAX, NAME_MAX = 2000, 128


class AlreadyApproved(AnquanError):
    """The year's assessment was approved: it is not drafted again, nor approved twice."""


class ObjectionTooLate(InvalidValue):
    """An objection received after the working days the result mail gave (field received_on)."""

    def __init__(self, message: str, *, deadline: date):
        super().__init__(message, field="received_on")
        self.deadline = deadline


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False)


def find(session: Session, year: int) -> AssessmentRecord | None:
    return session.execute(select(AssessmentRecord).where(AssessmentRecord.year == year)).scalar_one_or_none()


def record_draft(session: Session, *, assessment: Assessment, county_name: str, drafted_on: date,
                 now: datetime) -> AssessmentRecord:
    """Record the assessment as the year's draft, replacing an earlier draft; AlreadyApproved once approved."""
    record = find(session, assessment.year)
    if record is not None and record.status == AssessmentStatus.approved.value:
        raise AlreadyApproved(f"{assessment.year}'s assessment was approved on {record.approved_on} by "
                              f"{record.approved_by}; it is not drafted again", field="year")
    if record is None:
        record = AssessmentRecord(year=assessment.year, as_of=assessment.as_of, drafted_on=drafted_on,
                                  county_name=county_name, created_at=now)
        session.add(record)
    else:
        session.execute(delete(AssessmentResultRow).where(AssessmentResultRow.record_id == record.id))
    record.as_of, record.drafted_on, record.provisional = assessment.as_of, drafted_on, assessment.provisional
    record.go_live, record.county_name, record.updated_at = assessment.go_live, county_name, now
    record.county_targets, record.notes = _json(assessment.county_targets), _json(assessment.notes)
    session.flush()
    for rank, r in assessment.ranks():
        session.add(AssessmentResultRow(
            record_id=record.id, org_id=r.org_id, org_code=r.org_code, org_name=r.org_name, rank=rank, base=r.base,
            floor=r.floor, ceiling=r.ceiling, score=r.score, grade=r.grade, vetoed=r.vetoed,
            deductions=_json([{"item": d.item, "points": str(d.points), "evidence": d.evidence} for d in r.deductions]),
            veto_reasons=_json(r.veto_reasons)))
    session.flush()
    return record


def result_of(row: AssessmentResultRow) -> TownshipResult:
    return TownshipResult(row.org_id, row.org_code, row.org_name, Decimal(row.base),
                          [Deduction(d["item"], Decimal(d["points"]), d["evidence"]) for d in json.loads(row.deductions)],
                          json.loads(row.veto_reasons), floor=Decimal(row.floor), ceiling=Decimal(row.ceiling))


def rows_of(session: Session, record: AssessmentRecord) -> list[AssessmentResultRow]:
    return list(session.execute(select(AssessmentResultRow).where(AssessmentResultRow.record_id == record.id)
                                .order_by(AssessmentResultRow.rank, AssessmentResultRow.org_code)).scalars())


def assessment_of(session: Session, record: AssessmentRecord) -> Assessment:
    """The recorded assessment as scored: the same workbook, notice and mail as on the day of the run."""
    return Assessment(record.year, record.as_of, record.provisional, [result_of(r) for r in rows_of(session, record)],
                      json.loads(record.county_targets), go_live=record.go_live, notes=json.loads(record.notes))


def mark_approved(session: Session, *, year: int, login: str, name: str, on: date, now: datetime) -> AssessmentRecord:
    """Draft → approved, once: NotFound without a draft, AlreadyApproved when it was (by this or another request),
    InvalidValue for a provisional draft (not every duty had fallen due when it was scored)."""
    record = find(session, year)
    if record is None:
        raise NotFound(f"there is no draft of {year}'s assessment; the January run (anquan assess draft {year}) "
                       "makes it", field="year")
    if record.status == AssessmentStatus.draft.value and record.provisional:
        raise InvalidValue(f"the draft of {year}'s assessment is provisional (scored as of {record.as_of}, before "
                           f"the year-end reports were due); draft it again after 5 January {year + 1}", field="year")
    done = session.execute(update(AssessmentRecord).where(
        AssessmentRecord.id == record.id, AssessmentRecord.status == AssessmentStatus.draft.value).values(
        status=AssessmentStatus.approved.value, approved_by=login, approved_by_name=name[:64], approved_at=now,
        approved_on=on, updated_at=now)).rowcount
    session.refresh(record)
    if done != 1:
        raise AlreadyApproved(f"{year}'s assessment was already approved on {record.approved_on} by "
                              f"{record.approved_by}; nothing was sent again", field="year")
    return record


def notice_text_of(record: AssessmentRecord, options: NoticeOptions) -> NoticeText:
    """The notice's 下一步要求 and 抄送 as the office saved them for this year, else as `options` has them."""
    return notice_text.stored(record.notice_requirements, record.notice_copied_to, options)


def edit_notice_text(session: Session, *, year: int, requirements: str, copied_to: str,
                     now: datetime) -> tuple[AssessmentRecord, NoticeText]:
    """Save the draft notice's 下一步要求 (one a line) and 抄送 line, both checked (InvalidValue with the field);
    NotFound without a draft; AlreadyApproved once approved: the issued notice is fixed."""
    record = find(session, year)
    if record is None:
        raise NotFound(f"there is no draft of {year}'s assessment to edit the notice of", field="year")
    if record.status == AssessmentStatus.approved.value:
        raise AlreadyApproved(f"{year}'s notice was issued on {record.approved_on}; it is not edited again",
                              field="year")
    text = NoticeText(notice_text.parse_requirements(requirements), notice_text.parse_copied_to(copied_to))
    done = session.execute(update(AssessmentRecord).where(
        AssessmentRecord.id == record.id, AssessmentRecord.status == AssessmentStatus.draft.value).values(
        notice_requirements=_json(text.requirements), notice_copied_to=text.copied_to, updated_at=now)).rowcount
    if done != 1:  # approved meanwhile
        raise AlreadyApproved(f"{year}'s notice was issued meanwhile; it is not edited again", field="year")
    session.refresh(record)
    return record, text


def objections_until(calendar: WorkCalendar, record: AssessmentRecord) -> date | None:
    """The last day an objection is received: the 5th working day after the results were mailed (the approval)."""
    return calendar.working_day_after(record.approved_on, OBJECTION_WORKING_DAYS) if record.approved_on else None


def _text(value: str | None, *, field_name: str, longest: int, shortest: int = 2) -> str:
    text = " ".join((value or "").split())
    if not shortest <= len(text) <= longest:
        raise InvalidValue(f"{shortest} to {longest} characters", field=field_name)
    return text


@dataclass
class ObjectionInput:
    org_code: str
    raised_by: str
    content: str
    received_on: date | None


def add_objection(session: Session, *, calendar: WorkCalendar, year: int, entry: ObjectionInput, today: date,
                  recorded_by: str, now: datetime) -> tuple[AssessmentObjection, AssessmentResultRow]:
    """Record an objection against a township's approved result, received within the working days after the mail."""
    record = find(session, year)
    if record is None or record.status != AssessmentStatus.approved.value:
        raise InvalidValue(f"{year}'s results have not been approved and mailed yet; objections come after", field="year")
    row = session.execute(select(AssessmentResultRow).where(AssessmentResultRow.record_id == record.id,
                                                            AssessmentResultRow.org_code == entry.org_code)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{entry.org_code!r} is not a township of {year}'s assessment", field="org_code")
    raised_by = _text(entry.raised_by, field_name="raised_by", longest=NAME_MAX)
    content = _text(entry.content, field_name="content", longest=TEXT_MAX, shortest=4)
    received = entry.received_on
    if received is None:
        raise InvalidValue("the day the objection was received", field="received_on")
    if received < record.approved_on:
        raise InvalidValue(f"{received} is before the results were mailed ({record.approved_on})", field="received_on")
    deadline = objections_until(calendar, record)
    if received > deadline:
        raise ObjectionTooLate(f"objections are received within {OBJECTION_WORKING_DAYS} working days after the "
                               f"results were mailed on {record.approved_on}, that is until {deadline}; {received} is "
                               "too late", deadline=deadline)
    if received > today:
        raise InvalidValue(f"{received} is after today ({today})", field="received_on")
    objection = AssessmentObjection(result_id=row.id, raised_by=raised_by, content=content, received_on=received,
                                    recorded_by=recorded_by, recorded_at=now)
    session.add(objection)
    session.flush()
    return objection, row


def decide_objection(session: Session, *, objection_id: int, outcome: str, note: str, decided_by: str,
                     now: datetime) -> tuple[AssessmentObjection, AssessmentResultRow]:
    """The handling of an objection: 维持 (upheld) or 调整 (adjusted), with a note saying why or what changed."""
    objection = session.get(AssessmentObjection, objection_id)
    if objection is None:
        raise NotFound(f"no objection {objection_id}", field="objection")
    if outcome not in OUTCOME_LABELS:
        raise InvalidValue(f"one of {', '.join(OUTCOME_LABELS)}", field="outcome")
    if objection.outcome is not None:
        raise InvalidValue(f"objection {objection_id} was already handled ({objection.outcome})", field="objection")
    objection.outcome = outcome
    objection.outcome_note = _text(note, field_name="note", longest=TEXT_MAX, shortest=4)
    objection.decided_by, objection.decided_at = decided_by, now
    return objection, session.get(AssessmentResultRow, objection.result_id)


@dataclass
class ObjectionRow:
    id: int
    org_id: int
    org_name: str
    raised_by: str
    content: str
    received_on: date
    recorded_by: str
    outcome: str | None
    outcome_note: str | None
    decided_by: str | None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, "待办理") if self.outcome else "待办理"


def objections(session: Session, record: AssessmentRecord, *, org_id: int | None = None) -> list[ObjectionRow]:
    q = (select(AssessmentObjection, AssessmentResultRow.org_id, AssessmentResultRow.org_name)
         .join(AssessmentResultRow, AssessmentResultRow.id == AssessmentObjection.result_id)
         .where(AssessmentResultRow.record_id == record.id))
    if org_id is not None:
        q = q.where(AssessmentResultRow.org_id == org_id)
    return [ObjectionRow(o.id, oid, name, o.raised_by, o.content, o.received_on, o.recorded_by, o.outcome,
                         o.outcome_note, o.decided_by)
            for o, oid, name in session.execute(q.order_by(AssessmentObjection.received_on, AssessmentObjection.id))]


@dataclass
class Recorded:
    """A year's recorded assessment as the console shows it."""

    record: AssessmentRecord
    assessment: Assessment
    objections: list[ObjectionRow] = field(default_factory=list)
    objections_until: date | None = None
    notice_number: str | None = None  # 青安委〔2027〕1号, once approved
    notice_text: NoticeText | None = None  # 下一步要求 and 抄送 as the notice prints them

    @property
    def approved(self) -> bool:
        return self.record.status == AssessmentStatus.approved.value
