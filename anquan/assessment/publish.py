"""Assess and publish, as one sequence: score the year, write the workbook and the notice, mail the results.

The command line (`anquan assess YEAR`, asked for the workbook, the notice and the
mail), the `annual_assessment` flow and the simulated year all publish through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from anquan.app import App
from anquan.cycle.obligations import submit
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.vocabulary import ANNUAL_ASSESSMENT
from anquan.assessment.documents import assessment_notice, assessment_workbook
from anquan.assessment.notice import notice_number, notice_options
from anquan.cycle.golive import recorded_go_live
from anquan.assessment.scoring import Assessment, assess, county_name, notify_results


@dataclass
class Published:
    """The assessment, the county it is for, the mails queued and the documents written."""

    assessment: Assessment
    county_name: str
    mails_queued: int = 0
    written: list[Path] = field(default_factory=list)
    # The county's own annual_assessment obligations this run closed (submitted on the run's date).
    closed: int = 0


def close_county_assessment(session: Session, *, year: int, on: date) -> int:
    """Running the year's full assessment is the county's annual_assessment duty done: record it submitted on `on`,
    so the county office is not told on 21 January that it is overdue."""
    ids = session.execute(select(Obligation.id).where(
        Obligation.year == year, Obligation.kind == ANNUAL_ASSESSMENT,
        Obligation.status == ObligationStatus.open.value)).scalars().all()
    for oid in ids:
        submit(session=session, obligation_id=oid, today=on, submitted_on=on, note="全面考评已完成，考核结果已发布")
    return len(ids)


def publish(app: App, *, year: int, as_of: date, today: date | None = None, org_code: str | None = None,
            xlsx: Path | None = None, docx: Path | None = None, notify: bool = False) -> Published:
    """Assess `year` as of `as_of` (one township with `org_code`); then, as asked, mail each township head and the
    county office (same unit of work as the scoring), and write the workbook and the notice dated `today`."""
    today = today or app.today()
    with app.session() as s:
        go_live = recorded_go_live(s, setting=app.settings.go_live)
        result = assess(session=s, rules=app.rules, rubric=app.rubric, year=year, as_of=as_of, org_code=org_code,
                        go_live=go_live)
        published = Published(result, county_name(s))
        options = notice_options(app.settings, county_name=published.county_name)
        if org_code is None and not result.provisional:
            published.closed = close_county_assessment(s, year=year, on=today)
            if notify:  # issued: the notice takes its number (once; issuing it again keeps it)
                options.number = notice_number(s, year=year, code=options.doc_code, issued_on=today,
                                               first=app.settings.notice_first_number)
        if notify:
            published.mails_queued = notify_results(session=s, assessment=result, mail_from=app.settings.mail_from,
                                                    tz=app.settings.tz, today=today, notice=options)
    if xlsx:
        xlsx.write_bytes(assessment_workbook(result, county_name=published.county_name))
        published.written.append(xlsx)
    if docx:
        docx.write_bytes(assessment_notice(result, county_name=published.county_name, issued_on=today, options=options))
        published.written.append(docx)
    return published


def publish_year(app: App, *, year: int, on: date, folder: Path | None = None) -> Published:
    """The annual publication: every township, results mailed, documents `assessment-YEAR.xlsx/.docx` in `folder`
    (default: the data folder's reports/YEAR)."""
    folder = folder or app.settings.data_dir / "reports" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    return publish(app, year=year, as_of=on, today=on, xlsx=folder / f"assessment-{year}.xlsx",
                   docx=folder / f"assessment-{year}.docx", notify=True)
