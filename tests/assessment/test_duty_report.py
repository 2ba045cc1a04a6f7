"""The duty report form (履职报告书): filled in from the records, and attached to the report's reminder."""

from datetime import date
from email import message_from_bytes, policy

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
    assert "季度安全生产工作会议（2026年第1季度）" in text and "未完成" in text
    assert "生产安全事故：1起，死亡1人，受伤2人" in text
    assert "安监办专（兼）职人员1人" in text  # QL03's staffing gap
    assert "按考核细则自评得分：" in text
    assert "{{" not in text and "{%" not in text


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
