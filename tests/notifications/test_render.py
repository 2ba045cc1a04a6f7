"""Golden snapshots of every rendered mail: a change to a template shows up as a diff here.

Regenerate after an intended change with: ANQUAN_UPDATE_SNAPSHOTS=1 bash scripts/test tests/test_render.py
"""

import os
from datetime import date
from pathlib import Path

import pytest

from anquan.notifications.render import MailContext, MailItem, period_label, render

SNAPSHOTS = Path(__file__).parent.parent / "testdata" / "mail"


def _item(**kw) -> MailItem:
    base = dict(
        obligation_id=4045, kind="midyear_report", title="半年安全生产履职报告书及自检自评",
        action="填写半年安全生产工作履职报告书及自检自评材料，由行政主要负责人审查签字后报县人民政府和县安委会。",
        org_code="QL01", org_name="石门镇", owner_name="石门镇", period="2026", due_on=date(2026, 7, 5),
        stage="reminder-7", stage_kind="reminder", days=7, recipient_role="township_head",
    )
    base.update(kw)
    return MailItem(**base)


CASES = {
    "reminder": MailContext("李明", "li.ming@qinglan.example", date(2026, 6, 28), [_item()]),
    "escalation": MailContext("王芳", "wang.fang@qinglan.example", date(2026, 4, 10), [_item(
        obligation_id=376, kind="monthly_risk_analysis", title="企业每月安全生产风险分析", action="开展本月安全生产风险分析。",
        org_code="QL01E001", org_name="青岚县石门建筑工程有限公司", owner_name="青岚县石门建筑工程有限公司",
        period="2026-03", due_on=date(2026, 3, 31), stage="escalation-3", stage_kind="escalation", days=10,
        recipient_role="deputy_head_safety", fallback_from="safety_office", also_told="赵强（县安委办）")]),
    "digest": MailContext("陈军", "chen.jun@qinglan.example", date(2026, 4, 20), [
        _item(obligation_id=10, kind="quarterly_inspection", title="季度安全生产大检查及总结报送", period="2026-Q1",
              due_on=date(2026, 4, 5), stage="escalation-3", stage_kind="escalation", days=15, action="报送检查总结。"),
        _item(obligation_id=11, kind="holiday_inspection", title="节日长假前安全专项检查", period="2026-labour_day",
              due_on=date(2026, 4, 30), stage="reminder-14", stage_kind="reminder", days=10, action="开展节前检查。"),
    ]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_mail_matches_snapshot(name):
    r = render(CASES[name])
    got = f"Subject: {r.subject}\n\n{r.text}\n----- html -----\n{r.html}"
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("ANQUAN_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; create it with ANQUAN_UPDATE_SNAPSHOTS=1"
    assert got == path.read_text(encoding="utf-8")
    assert r.template == name


def test_digest_lists_at_most_a_hundred_and_counts_the_rest():
    items = [_item(obligation_id=i) for i in range(130)]
    r = render(MailContext("陈军", "c@q.example", date(2026, 7, 1), items))
    assert r.subject == "【安全生产待办】您有130项事项需要处理"
    assert "另有30项未列出" in r.text and "#99" in r.text and "#100" not in r.text


@pytest.mark.parametrize("period,label", [("2026", "2026年"), ("2026-Q3", "2026年第3季度"), ("2026-03", "2026年3月"),
                                          ("2026-national_day", "2026年国庆节前")])
def test_period_labels(period, label):
    assert period_label(period) == label
