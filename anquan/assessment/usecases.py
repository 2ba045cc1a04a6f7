"""The assessment's use cases: assess (and publish), and the daily tick with the duty report attached.

`publish` lives in `anquan.assessment.publish` (assess → documents → mail).
"""

from __future__ import annotations

from datetime import date

from anquan.app import App
from anquan.assessment.publish import Published, publish, publish_year
from anquan.assessment.duty_report import duty_report_forms, form_filename, render_duty_report
from anquan.cycle import usecases as cycle
from anquan.cycle.planning import Progress
from anquan.cycle.tick import TickReport

__all__ = ["Published", "publish", "publish_year", "daily_tick", "duty_report_form"]


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
