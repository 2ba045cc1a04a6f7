"""The digest: a summary by township and kind, one compact row per item, own duties first, no cut-off, and the
full list as an .xlsx attachment when long (issue 11)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from anquan.notifications.digest import ATTACH_OVER, HEADER
from anquan.notifications.render import MailContext, render
from tests.support.mail import mail_item

TOWNSHIPS = ("石门镇", "龙潭乡", "青峰乡", "松岭乡")


def _big_digest(n: int = 800) -> list:
    """n items for a township head: two of his own duties, the rest enterprises' he urges, some late."""
    items = [mail_item(obligation_id=1, stage="escalation-1", stage_kind="escalation", days=3),
             mail_item(obligation_id=2, title="季度安全生产工作会议", period="2026-Q3", due_on=date(2026, 9, 30), days=5)]
    for k in range(3, n + 1):
        late = k % 3 == 0
        items.append(mail_item(
            obligation_id=k, kind="monthly_risk_analysis", title="企业每月安全生产风险分析", period="2026-08",
            org_code=f"E{k}", org_name=f"青岚县第{k}号企业", owner_name=f"青岚县第{k}号企业",
            township_name=TOWNSHIPS[k % 4], due_on=date(2026, 8, 31) if late else date(2026, 9, 30),
            stage="escalation-1" if late else "reminder-7", stage_kind="escalation" if late else "reminder",
            days=(k % 40) + 1 if late else 5, audience="supervise", owner_person=f"负责人{k}",
            owner_phone=f"1380000{k:04d}", report_to="石门镇安监办"))
    return items


def test_an_800_item_digest_is_a_summary_a_table_and_a_workbook_with_every_item():
    r = render(MailContext("李明", "li@q.example", date(2026, 9, 25), _big_digest(), to_title="石门镇镇长"))
    assert r.template == "digest"
    assert r.subject == "【安全生产待办】800项事项，其中逾期267项（最长40天）"
    # The summary: one line per township and kind with how many and the worst delay.
    assert "一、汇总" in r.text and "松岭乡｜企业每月安全生产风险分析｜200项，逾期67项，最长40天" in r.text
    # Own duties first, then the ones urged; every item is listed (no cut-off).
    own, urged = r.text.index("二、本单位应办事项（2项）"), r.text.index("三、督促事项（798项）")
    assert own < urged
    assert all(f"青岚县第{k}号企业｜" in r.text for k in range(3, 801))
    assert "未列出" not in r.text and "未列出" not in r.html
    assert r.html.count("<tr><td") == 800 + 6  # every item's row and the 6 summary lines (4 townships, 3 kinds)
    # The compact table has six columns and fits a phone: the page asks for the device's width.
    assert "<th style=\"border:1px solid #ccc;padding:3px 4px;vertical-align:top\">电话</th>" in r.html
    assert 'name="viewport" content="width=device-width' in r.html
    # The whole list as .xlsx: a header row and one row per item, own duties first.
    [(name, mime, data)] = r.attachments
    assert name == "安全生产待办事项清单（2026年9月25日）.xlsx" and mime.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 800 + 1 and rows[0] == HEADER
    assert rows[1][0] == "石门镇" and rows[1][5] == "已逾期3天"
    assert {r[0] for r in rows[3:]} == {f"青岚县第{k}号企业" for k in range(3, 801)}
    assert rows[3][5] == "已逾期40天" and rows[3][6].startswith("负责人") and rows[3][7].startswith("1380000")  # worst first
    assert f"完整清单见附件《{name}》" in r.text


def test_a_short_digest_has_no_attachment_and_says_what_to_do_with_each_part():
    items = _big_digest(ATTACH_OVER)
    r = render(MailContext("李明", "li@q.example", date(2026, 9, 25), items, to_title="石门镇镇长"))
    assert r.attachments == [] and "附件" not in r.text
    assert r.text.startswith("石门镇镇长 李明同志：")
    assert "本单位应办2项，请按时完成，逾期的请立即补报；需您督促28项，请督促责任单位按时报送。" in r.text


def test_digest_dates_are_short_and_chinese():
    items = _big_digest(40)
    r = render(MailContext("李明", "li@q.example", date(2026, 9, 25), items))
    assert "｜8月31日｜逾期" in r.text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", r.text + r.html)
    assert not re.search(r"\d \u5929|逾期 \d", r.text)


def test_the_county_s_own_duty_reads_as_its_own_not_as_a_late_township():
    """Issue 11: the county's supervision of a township is the county's duty: not 督办 of the township."""
    item = mail_item(kind="county_supervision", title="县督查组季度督查", org_name="青峰乡", owner_name="青岚县",
                     period="2026-Q3", due_on=date(2026, 9, 30), stage="escalation-1", stage_kind="escalation", days=1,
                     recipient_role="county_office", audience="own", township_name="青峰乡", report_to=None)
    r = render(MailContext("赵强", "z@q.example", date(2026, 10, 1), [item], to_title="青岚县安委办"))
    assert r.subject == "【逾期未办】县督查组季度督查（青峰乡）已逾期1天"
    assert "以下本级事项已超过截止日期仍未完成，请尽快办理并记录办理结果" in r.text
    assert "督办" not in r.subject and "补报" not in r.text
