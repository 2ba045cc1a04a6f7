"""The assessment's use cases: assess (and publish), and the daily tick with the duty report attached.

`publish` lives in `anquan.assessment.publish` (assess → documents → mail).
"""

from __future__ import annotations

from datetime import date

from anquan.app import App
from anquan.assessment.publish import Published, publish, publish_year
from anquan.assessment.duty_report import duty_report_forms
from anquan.cycle import usecases as cycle
from anquan.cycle.planning import Progress
from anquan.cycle.tick import TickReport

__all__ = ["Published", "publish", "publish_year", "daily_tick"]


def daily_tick(app: App, *, as_of: date, progress: Progress | None = None, simulated: bool = False) -> TickReport:
    """The day's reminders and escalations; a township head's report reminder carries the pre-filled duty report.

    The cycle's tick is handed the form provider: it does not import Word rendering or scoring."""
    return cycle.tick(app, as_of=as_of, progress=progress, simulated=simulated,
                      attachments=duty_report_forms(rules=app.rules, rubric=app.rubric))

