"""The assessment's use cases: the preview, the January draft, the approval, objections, the recorded year's
documents; and the daily tick with the duty report attached.

`publish`, `draft_year` and `approve_year` live in `anquan.assessment.publish` (assess → record → documents → mail).
"""

from __future__ import annotations

from datetime import date

from anquan.app import App
from anquan.accounts.accounts import Actor, audit
from anquan.assessment import approval
from anquan.assessment.notice import notice_options
from anquan.assessment.publish import Published, approve_year, documents, draft_year, publish, record_options
from anquan.assessment.duty_report import duty_report_forms, form_filename, render_duty_report
from anquan.cycle import usecases as cycle
from anquan.cycle.planning import Progress
from anquan.cycle.tick import TickReport

__all__ = ["Published", "publish", "draft_year", "approve_year", "daily_tick", "duty_report_form", "recorded",
           "record_objection", "decide_objection", "recorded_documents", "edit_notice"]


def daily_tick(app: App, *, as_of: date, progress: Progress | None = None, simulated: bool = False) -> TickReport:
    """The day's reminders and escalations; a township head's report reminder carries the pre-filled duty report.

    The cycle's tick is handed the form provider: it does not import Word rendering or scoring."""
    return cycle.tick(app, as_of=as_of, progress=progress, simulated=simulated,
                      attachments=duty_report_forms(rules=app.rules, rubric=app.rubric))



def duty_report_form(app: App, *, org_code: str, year: int, kind: str, as_of: date | None = None) -> tuple[str, bytes]:
    """A township's duty report form (履职报告书) made now, on demand: its file name and the .docx."""
    from sqlalchemy import select

    from anquan.errors import NotFound
    from anquan.models.directory import Organisation, OrgKind

    with app.session() as s:
        township = s.execute(select(Organisation).where(Organisation.code == org_code,
                                                        Organisation.kind == OrgKind.township.value)).scalar_one_or_none()
        if township is None:
            raise NotFound(f"{org_code!r} is not a township in the directory", field="org_code")
        data = render_duty_report(s, rules=app.rules, rubric=app.rubric, township=township, year=year, kind=kind,
                                  as_of=as_of or app.today())
        return form_filename(township, year, kind), data


def recorded(app: App, *, year: int, org_id: int | None = None) -> approval.Recorded | None:
    """The year's recorded assessment (draft or approved) with its objections (one township's with `org_id`);
    None before the January run."""
    with app.session() as s:
        record = approval.find(s, year)
        if record is None:
            return None
        number = None
        if record.notice_number is not None:
            code = notice_options(app.settings, county_name=record.county_name).doc_code
            number = f"{code}〔{record.approved_on.year}〕{record.notice_number}号"
        return approval.Recorded(record, approval.assessment_of(s, record),
                                 approval.objections(s, record, org_id=org_id),
                                 approval.objections_until(app.calendar, record), number,
                                 approval.notice_text_of(record, notice_options(app.settings,
                                                                                county_name=record.county_name)))


def recorded_documents(app: App, *, year: int) -> tuple[bytes, bytes, bool] | None:
    """(the workbook, the notice, whether a draft) of the year's recorded assessment, as drafted or as issued."""
    with app.session() as s:
        record = approval.find(s, year)
        if record is None:
            return None
        result = approval.assessment_of(s, record)
    options = record_options(app, record)
    draft = not record.approved_on
    options.number = record.notice_number
    workbook, notice = documents(result, county=record.county_name, issued_on=record.approved_on or record.drafted_on,
                                 options=options, draft=draft)
    return workbook, notice, draft


def edit_notice(app: App, *, year: int, requirements: str, copied_to: str, actor: Actor) -> None:
    """The county office edits the draft notice's 下一步要求 (one a line) and 抄送 line before the approval; audited.
    InvalidValue (field requirements or copied_to) for text refused, AlreadyApproved once the notice was issued."""
    with app.session() as s:
        _record, text = approval.edit_notice_text(s, year=year, requirements=requirements, copied_to=copied_to,
                                                  now=app.now())
        audit(s, actor, "assessment_notice_edit", target=f"{year}年度考核结果通报（草稿）",
              detail=f"下一步要求{len(text.requirements)}条；抄送：{text.copied_to}", at=app.now())


def record_objection(app: App, *, year: int, entry: approval.ObjectionInput, actor: Actor,
                     today: date | None = None) -> int:
    """The county office records a township's objection (异议) to its approved result; audited. Its id."""
    with app.session() as s:
        objection, row = approval.add_objection(s, calendar=app.calendar, year=year, entry=entry,
                                                today=today or app.today(), recorded_by=actor.name, now=app.now())
        audit(s, actor, "objection_add", target=f"{year}年度考核 {row.org_name}",
              detail=f"{objection.raised_by}：{objection.content}", at=app.now())
        return objection.id


def decide_objection(app: App, *, objection_id: int, outcome: str, note: str, actor: Actor) -> None:
    """The handling of an objection: 维持 or 调整 with a note; audited."""
    with app.session() as s:
        objection, row = approval.decide_objection(s, objection_id=objection_id, outcome=outcome, note=note,
                                                   decided_by=actor.name, now=app.now())
        audit(s, actor, "objection_decide", target=f"{row.org_name}的考核异议",
              detail=f"{approval.OUTCOME_LABELS[outcome]}：{objection.outcome_note}", at=app.now())

