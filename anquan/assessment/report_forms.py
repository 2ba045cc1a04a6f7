"""The duty report form (履职报告书) attached to a township head's report reminder, pre-filled.

The daily tick is handed `duty_report_forms(...)` as its attachment provider
(see `anquan.assessment.usecases.daily_tick`): the cycle does not import Word
rendering or scoring.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from anquan.cycle.tick import AttachmentProvider
from anquan.models.directory import Organisation, Role
from anquan.notifications.render import MailItem
from anquan.reporting.books import render_duty_report
from anquan.vocabulary import REPORT_KINDS, parse_period, report_span_label

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def duty_report_forms(*, rules, rubric) -> AttachmentProvider:
    """An attachment provider: the form for each mid-year or year-end report reminder to a township head."""

    def forms(session: Session, items: list[MailItem], as_of: date) -> list[tuple[str, str, bytes]]:
        out = []
        for i in items:
            if i.kind in REPORT_KINDS and i.stage_kind == "reminder" and i.recipient_role == Role.township_head.value:
                township = session.execute(select(Organisation).where(Organisation.code == i.org_code)).scalar_one()
                year = parse_period(i.period).year
                data = render_duty_report(session, rules=rules, rubric=rubric, township=township, year=year,
                                          kind=i.kind, as_of=as_of)
                out.append((f"{year}年{township.name}{report_span_label(i.kind)}安全生产工作履职报告书.docx", DOCX, data))
        return out

    return forms
