"""The quarter's round is complete (issue 11): every duty of the quarter to the township, a self-check with a deadline
and a sector checklist to each enterprise, a supervision plan with proposed dates and open problems to the county."""

from __future__ import annotations

import re
from datetime import date
from email import message_from_bytes, policy

from anquan.reporting import usecases as reporting
from tests.support import outbox


def _texts(app) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in outbox(app):
        body = message_from_bytes(m.raw, policy=policy.default).get_body(("plain",)).get_content()
        out.setdefault(m.to_addr, []).append(f"{m.subject}\n{body}")
    return out


def test_the_third_quarter_lists_every_duty_deadlines_checklists_and_a_plan(planned_county):
    result = reporting.quarterly_round(planned_county, year=2026, quarter=3, today=date(2026, 7, 1))
    assert result["mails_queued"] > 0
    texts = [t for ts in _texts(planned_county).values() for t in ts]
    township = next(t for t in texts if t.startswith("【季度检查】石门镇2026年第3季度"))
    # The quarter's own duties and those falling due in it: the Q2 summary and the mid-year report by 5 July,
    # the National Day inspection, the meeting, the Q3 inspection, and the monthly follow-up of enterprises.
    for duty in ("季度安全生产大检查及总结报送（2026年第2季度）", "半年安全生产履职报告书及自检自评（2026年）",
                 "（2026年国庆节前）", "季度安全生产工作会议（2026年第3季度）", "季度安全生产大检查及总结报送（2026年第3季度）",
                 "每月督促辖区"):
        assert duty in township, duty
    assert "于2026年9月15日前完成自查自纠" in township and township.split("\n")[1].startswith("石门镇")
    enterprise = next(t for t in texts if t.startswith("【自查自纠】") and "烟花爆竹" in t.split("\n")[0])
    assert "于2026年9月15日前完成" in enterprise and "储存仓库定量、分类存放情况" in enterprise
    county = next(t for t in texts if t.startswith("【督查计划】青岚县2026年第3季度"))
    proposed = [date(int(y), int(m), int(d)) for y, m, d in re.findall(r"建议督查日期：(\d{4})年(\d+)月(\d+)日", county)]
    assert len(proposed) == 8 and len(set(proposed)) == 8
    assert all(not planned_county.calendar.is_rest_day(d) and d.month == 8 for d in proposed)
    assert county.count("现存问题：") == 8 and county.count("本季度应完成：") == 8


def test_the_self_check_deadline_comes_from_the_rules(planned_county, tmp_path):
    """A county that wants the self-check done by the 10th changes config/cycle.yaml, not the code."""
    from anquan.resources import config_file
    from anquan.rules.cycle import load_rules

    shipped = config_file("cycle.yaml").read_text(encoding="utf-8")
    assert "\nenterprise_self_check_day: 15\n" in shipped
    mine = tmp_path / "cycle.yaml"
    mine.write_text(shipped.replace("\nenterprise_self_check_day: 15\n", "\nenterprise_self_check_day: 10\n"), encoding="utf-8")
    planned_county.rules = load_rules(mine)  # what ANQUAN_CYCLE_FILE pointing there would load
    reporting.quarterly_round(planned_county, year=2026, quarter=2, today=date(2026, 4, 1))
    texts = [t for ts in _texts(planned_county).values() for t in ts]
    township = next(t for t in texts if t.startswith("【季度检查】石门镇2026年第2季度"))
    enterprise = next(t for t in texts if t.startswith("【自查自纠】"))
    assert "于2026年6月10日前完成自查自纠" in township and "于2026年6月10日前完成" in enterprise
    assert "6月15日" not in township + enterprise
