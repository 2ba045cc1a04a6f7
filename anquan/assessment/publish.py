"""The assessment from scoring to publication: a preview, the January run's draft, and the approval that publishes it.

- `publish`: score the year (or one township) and write the workbook and the draft notice; records and mails nothing
  (`anquan assess YEAR`).
- `draft_year`: the January run (`annual_assessment` flow, `anquan assess draft YEAR`): score, record the draft
  (replacing an earlier one), write the draft documents, tell the county office to review it. No township head is
  mailed and the notice takes no number.
- `approve_year`: a county admin approves the draft (the console, or `anquan assess approve`): the notice
  takes its number, the county's annual_assessment duty is done, each township head is mailed its result, and the
  county office the issued notice. Once: approving again is refused and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from anquan.accounts.accounts import Actor, audit
from anquan.app import App
from anquan.assessment import approval, notice_text
from anquan.assessment.mailing import Issue, notify_county_office, notify_township_heads
from anquan.assessment.notice import NoticeOptions, assessment_notice, notice_number, notice_options
from anquan.assessment.scoring import Assessment, assess, county_name
from anquan.assessment.workbook import assessment_workbook
from anquan.cycle.golive import recorded_go_live
from anquan.cycle.obligations import submit
from anquan.errors import InvalidValue
from anquan.models.accounts import ConsoleRole, ConsoleUser
from anquan.models.directory import Contact
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.vocabulary import ANNUAL_ASSESSMENT


@dataclass
class Published:
    """The assessment, the county it is for, the mails queued and the documents written."""

    assessment: Assessment
    county_name: str
    mails_queued: int = 0
    written: list[Path] = field(default_factory=list)
    # The county's own annual_assessment obligations this approval closed (submitted on the day).
    closed: int = 0
    notice_number: str | None = None  # 青安委〔2027〕1号, once approved
    delivery: dict | None = None  # what delivering at once did, after an approval


def close_county_assessment(session: Session, *, year: int, on: date) -> int:
    """Publishing the year's assessment is the county's annual_assessment duty done: record it submitted on `on`,
    so the county office is not told on 21 January that it is overdue."""
    ids = session.execute(select(Obligation.id).where(
        Obligation.year == year, Obligation.kind == ANNUAL_ASSESSMENT,
        Obligation.status == ObligationStatus.open.value)).scalars().all()
    for oid in ids:
        submit(session=session, obligation_id=oid, today=on, submitted_on=on, note="全面考评已完成，考核结果已审定发布")
    return len(ids)


def record_options(app: App, record) -> NoticeOptions:
    """The notice's options for a recorded year: the county's settings, with 下一步要求 and 抄送 as the office edited
    them on the draft (the settings' defaults where it did not)."""
    options = notice_options(app.settings, county_name=record.county_name)
    return notice_text.apply(options, approval.notice_text_of(record, options))


def documents(result: Assessment, *, county: str, issued_on: date, options: NoticeOptions,
              draft: bool) -> tuple[bytes, bytes]:
    """(the workbook, the notice): a draft notice has no number and says （草稿）."""
    return (assessment_workbook(result, county_name=county),
            assessment_notice(result, county_name=county, issued_on=issued_on, options=options, draft=draft))


def _write(published: Published, docs: tuple[bytes, bytes], xlsx: Path | None, docx: Path | None) -> None:
    for path, data in ((xlsx, docs[0]), (docx, docs[1])):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            published.written.append(path)


def publish(app: App, *, year: int, as_of: date, today: date | None = None, org_code: str | None = None,
            xlsx: Path | None = None, docx: Path | None = None) -> Published:
    """Assess `year` as of `as_of` (one township with `org_code`) and write, as asked, the workbook and the draft
    notice dated `today`. Records nothing and mails no one: the preview of `anquan assess YEAR`."""
    today = today or app.today()
    with app.session() as s:
        go_live = recorded_go_live(s, setting=app.settings.go_live)
        result = assess(session=s, rules=app.rules, rubric=app.rubric, year=year, as_of=as_of, org_code=org_code,
                        go_live=go_live)
        published = Published(result, county_name(s))
    if xlsx or docx:
        options = notice_options(app.settings, county_name=published.county_name)
        _write(published, documents(result, county=published.county_name, issued_on=today, options=options,
                                    draft=True), xlsx, docx)
    return published


def reports_folder(app: App, year: int, folder: Path | None = None) -> Path:
    return folder or app.settings.data_dir / "reports" / str(year)


def draft_year(app: App, *, year: int, on: date, folder: Path | None = None) -> Published:
    """The January run: every township scored as of `on`, recorded as the year's draft, the county office mailed
    the draft to review, `assessment-YEAR-draft.xlsx/.docx` written in `folder` (default the data folder's
    reports/YEAR). AlreadyApproved once the year was approved."""
    with app.session() as s:
        go_live = recorded_go_live(s, setting=app.settings.go_live)
        result = assess(session=s, rules=app.rules, rubric=app.rubric, year=year, as_of=on, go_live=go_live)
        published = Published(result, county_name(s))
        record = approval.record_draft(s, assessment=result, county_name=published.county_name, drafted_on=on,
                                       now=app.now())
        options = record_options(app, record)
        review = f"{app.settings.effective_public_url.rstrip('/')}/console/assessment?y={year}"
        published.mails_queued = notify_county_office(session=s, assessment=result, mail_from=app.settings.mail_from,
                                                      tz=app.settings.tz, today=on, notice=options,
                                                      issue=Issue(draft=True, review_url=review), issued_on=on)
    folder = reports_folder(app, year, folder)
    _write(published, documents(result, county=published.county_name, issued_on=on, options=options, draft=True),
           folder / f"assessment-{year}-draft.xlsx", folder / f"assessment-{year}-draft.docx")
    return published


def county_admin(session: Session, login: str) -> ConsoleUser:
    """The active county admin account `login`; InvalidValue (field approver) for anyone else."""
    user = session.execute(select(ConsoleUser).where(ConsoleUser.login == (login or "").strip().lower())).scalar_one_or_none()
    if user is None or not user.active or user.role != ConsoleRole.county_admin.value:
        raise InvalidValue(f"{login!r} is not an active county_admin account; only a county admin approves the "
                           "assessment", field="approver")
    return user


def approve_year(app: App, *, year: int, login: str, actor: Actor, on: date | None = None,
                 folder: Path | None = None, deliver: bool = True) -> Published:
    """The county admin `login` approves `year`'s draft on `on` (default today): in one unit of work the draft is
    marked approved, the notice numbered, the county's duty closed, the township heads' results and the county
    office's issued notice queued, and the audit log written; then the documents `assessment-YEAR.xlsx/.docx`
    are written and (with `deliver`) the mail delivered at once."""
    on = on or app.today()
    with app.session() as s:
        user = county_admin(s, login)
        name = s.get(Contact, user.contact_id).name
        record = approval.mark_approved(s, year=year, login=user.login, name=name, on=on, now=app.now())
        result = approval.assessment_of(s, record)
        published = Published(result, record.county_name)
        options = record_options(app, record)
        options.number = record.notice_number = notice_number(s, year=year, code=options.doc_code, issued_on=on,
                                                              first=app.settings.notice_first_number)
        published.notice_number = f"{options.doc_code}〔{on.year}〕{options.number}号"
        published.closed = close_county_assessment(s, year=year, on=on)
        until = approval.objections_until(app.calendar, record)
        mail = {"session": s, "assessment": result, "mail_from": app.settings.mail_from, "tz": app.settings.tz,
                "today": on}
        record.mails_queued = published.mails_queued = notify_township_heads(**mail, objections_until=until) + \
            notify_county_office(**mail, notice=options, issued_on=on, issue=Issue(
                draft=False, number_text=published.notice_number, approved_by=f"县安委办{name}", objections_until=until))
        audit(s, actor, "assessment_approve", target=f"{year}年度乡镇安全生产履职考核",
              detail=f"{published.notice_number}；发送{published.mails_queued}封邮件", at=app.now())
    folder = reports_folder(app, year, folder)
    _write(published, documents(result, county=published.county_name, issued_on=on, options=options, draft=False),
           folder / f"assessment-{year}.xlsx", folder / f"assessment-{year}.docx")
    if deliver and published.mails_queued:
        published.delivery = _deliver_now(app)
    return published


def _deliver_now(app: App) -> dict:
    """The results go out with the approval; what cannot go now stays pending for the scheduled delivery."""
    from anquan.cycle.usecases import deliver_mail
    from anquan.notifications.delivery import DeliveryHalted

    try:
        return deliver_mail(app).as_dict()
    except DeliveryHalted as exc:
        return {"halted": exc.message}
