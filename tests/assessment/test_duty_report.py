"""The duty report form (履职报告书): filled in from the records, and attached to the report's reminder."""

import re

from datetime import date
from email import message_from_bytes, policy

import pytest

from sqlalchemy import select

from anquan.assessment.duty_report import render_duty_report
from anquan.assessment.duty_report import duty_report_forms
from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.outbox import OutboxMessage
from tests.support import docx_text, org_by_code


def test_duty_report_form_carries_the_record(planned_county):
    from anquan.notifications.outbox import MailSettings
    from anquan.records.accidents import add_accident

    with session_scope(planned_county.engine) as s:
        add_accident(session=s, org_code="QL03", occurred_on=date(2026, 3, 3), kind="other", deaths=1, injuries=2,
                     mail=MailSettings(planned_county.settings.mail_from, planned_county.settings.tz), rubric=planned_county.rubric,
                     today=date(2026, 6, 20))
        text = docx_text(render_duty_report(s, rules=planned_county.rules, rubric=planned_county.rubric, township=org_by_code(s, "QL03"),
                                        year=2026, kind="midyear_report", as_of=date(2026, 6, 20)))
    assert "2026年乡(镇)级人民政府安全生产工作履职报告书" in text and "（半年　白沙镇）" in text
    assert "2026年第1季度安全生产工作会议，截止2026年3月31日，逾期未报送" in text
    assert "2026年第3季度安全生产工作会议" not in text  # the first half only
    assert "生产安全事故1起，死亡1人，受伤2人" in text
    assert "安监办专（兼）职人员1人" in text  # QL03's staffing gap
    assert "按考核细则自评得分：" in text
    assert "{{" not in text and "{%" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_the_form_has_one_row_per_duty_of_the_book_with_named_evidence(planned_county):
    """Each clause of the book is a row; a duty handed in late is named with its lateness; one not yet due says so."""
    from anquan.cycle.obligations import submit
    from anquan.models.obligations import Obligation
    from anquan.reporting.bookduties import BOOK_DUTIES
    from tests.support.documents import docx_table_cells

    with session_scope(planned_county.engine) as s:
        township = org_by_code(s, "QL01")
        q1 = s.execute(select(Obligation).where(Obligation.org_id == township.id, Obligation.kind == "quarterly_inspection",
                                                Obligation.period == "2026-Q1")).scalar_one()
        submit(session=s, obligation_id=q1.id, today=date(2026, 4, 8), submitted_on=date(2026, 4, 8), note="总结")
        data = render_duty_report(s, rules=planned_county.rules, rubric=planned_county.rubric, township=township,
                                  year=2026, kind="midyear_report", as_of=date(2026, 6, 14))
    cells = docx_table_cells(data, 0)
    rows = [cells[i:i + 4] for i in range(0, len(cells), 4)][1:]
    assert [r[1][0] for r in rows] == [f"{clause} {about}" for clause, about in BOOK_DUTIES]
    inspections = rows[7][2][0]
    assert rows[7][1][0] == "(一)8 季度大检查、专项检查和材料报送"
    late = (date(2026, 4, 8) - q1.due_on).days
    assert f"2026年第1季度安全生产大检查及总结报送，2026年4月8日报送，逾期{late}天" in inspections
    assert "2026年第2季度安全生产工作会议，2026年6月30日前报送，尚未到期" in rows[1][2][0]
    assert all(r[3] == [""] for r in rows)  # the township's column is left to fill in


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_report_reminder_carries_the_form(planned_county):
    with session_scope(planned_county.engine) as s:
        tick(session=s, rules=planned_county.rules, as_of=date(2026, 6, 14), mail_from=planned_county.settings.mail_from,
             tz=planned_county.settings.tz,
             attachments=duty_report_forms(rules=planned_county.rules, rubric=planned_county.rubric))
        msgs = s.execute(select(OutboxMessage)).scalars().all()
    heads = [m for m in msgs if "reminder-21" in m.stage]
    with_form = []
    for m in heads:
        msg = message_from_bytes(m.raw, policy=policy.default)
        for part in msg.iter_attachments():
            if part.get_filename().endswith("履职报告书.docx"):
                with_form.append((m.to_addr, docx_text(part.get_content())))
    assert len(with_form) == 8  # one per township head
    assert all("履职报告书" in text for _, text in with_form)
    assert any("（半年　石门镇）" in text for _, text in with_form)
