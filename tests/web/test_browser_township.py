"""The township returns a report, for real: the enterprise reports in Chromium, the safety office opens its link,
sees the report and returns it with a reason, delivery sends the return mail to the SMTP sink, the enterprise
follows the mail's link and finds the duty open again.

Also writes screenshots of the township page at a phone's and a desktop's width, the one-report page with its
return form, and the return mail's HTML, to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from anquan.models.obligations import Obligation, SubmissionReturn
from anquan.models.outbox import Notice
from tests.support.web import follow, link_path
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import BOSS, _deliver, _feb_id, _mail_to, _mailed, _tick, sink  # noqa: F401  (fixture)

SO = "so1@t1.example"
REASON = "未附风险分析记录表，请补充2月风险分析记录和现场检查照片。"


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_township_returns_a_report_and_the_enterprise_gets_the_mail(served_county, sink, chromium):
    a, base = _mailed(served_county, sink)
    feb = _feb_id(a)
    link = re.search(rf"{re.escape(base)}/l/\S+", _body(_mail_to(sink, BOSS)[0])).group(0)
    ARTIFACTS.mkdir(exist_ok=True)

    # The enterprise reports its February analysis on its page.
    page = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(link)
    follow(page, f'a.button[href="/my/{feb}"]')
    page.fill("#note", "已组织开展2月风险分析，未发现事故征兆。")
    follow(page, "button.primary")
    assert "已报告完成" in page.locator(".flash").inner_text()
    page.close()

    # The township's safety office opens its personal link: my page leads to the township page.
    office = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    office.goto(base + link_path(a, SO))
    assert office.url == f"{base}/my"
    follow(office, "a.oversee")
    assert office.locator("h1").inner_text() == "东山镇 · 企业报告情况"
    card = office.locator("li.card", has_text="东山建筑公司")
    assert "已按时报告" in card.inner_text() and "网上报告" in card.inner_text()
    assert "2026年2月23日" in card.inner_text()
    office.screenshot(path=str(ARTIFACTS / "township-phone.png"), full_page=True)
    office.set_viewport_size({"width": 1280, "height": 900})
    office.screenshot(path=str(ARTIFACTS / "township-desktop.png"), full_page=True)
    office.set_viewport_size({"width": 390, "height": 844})

    follow(office, card.locator("a.button"))
    assert office.url == f"{base}/township/{feb}"
    office.click("button.danger")  # the browser's own check: a reason is required (nothing sent)
    assert office.url == f"{base}/township/{feb}"
    office.fill("#reason", REASON)
    office.screenshot(path=str(ARTIFACTS / "township-return-form-phone.png"), full_page=True)
    follow(office, "button.danger")
    assert office.url == f"{base}/township/{feb}?done=returned"
    assert "已退回" in office.locator(".flash").inner_text()
    assert REASON in office.inner_text("main") and "确认代报" in office.inner_text("main")
    office.screenshot(path=str(ARTIFACTS / "township-after-return-phone.png"), full_page=True)
    office.close()

    # Delivery sends the return mail over SMTP; the enterprise's mail has the reason and its link.
    before = len(sink.received)
    assert _deliver(a).sent == 2
    mails = {r.rcpt_tos[0]: r.message for r in sink.received[before:]}
    assert set(mails) == {BOSS, "safety@e1.example"}
    mail = mails[BOSS]
    text = _body(mail)
    assert "退回" in str(mail["Subject"]) and "企业每月安全生产风险分析（2026年2月）" in str(mail["Subject"])
    assert REASON in text and "东山镇安监办王安监" in text and "2026年2月23日" in text
    returned_link = re.search(rf"{re.escape(base)}/l/\S+", text).group(0)
    html = mail.get_body(("html",)).get_content()
    shot = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    shot.set_content(html)
    shot.screenshot(path=str(ARTIFACTS / "mail-report-returned-phone.png"), full_page=True)
    shot.close()

    # The link opens the enterprise's page: the duty is open again, with the reason.
    again = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    again.goto(returned_link)
    assert again.url == f"{base}/my"
    assert again.locator(f'a.button[href="/my/{feb}"]').count() == 1  # among its own duties to report
    assert "报告已被退回" in again.locator("li.card", has_text="2026年2月").inner_text()
    again.screenshot(path=str(ARTIFACTS / "my-page-returned-phone.png"), full_page=True)
    follow(again, f'a.button[href="/my/{feb}"]')
    assert REASON in again.locator("p.error").inner_text() and "王安监" in again.locator("p.error").inner_text()
    again.screenshot(path=str(ARTIFACTS / "duty-returned-phone.png"), full_page=True)
    again.close()

    with a.session() as s:
        ob = s.get(Obligation, feb)
        assert (ob.status, ob.submitted_on, ob.next_action_on) == ("open", None, date(2026, 3, 1))
        [ret] = s.execute(select(SubmissionReturn)).scalars().all()
        assert (ret.reason, ret.client_addr) == (REASON, "127.0.0.1")
    # The tick takes it up where its schedule stands: the first escalation on 1 March, the reminder not again.
    _tick(a, date(2026, 3, 1))
    with a.session() as s:
        stages = sorted(s.execute(select(Notice.stage, Notice.recipient_email)
                                  .where(Notice.obligation_id == feb)).all())
    assert stages == [("escalation-1", BOSS), ("escalation-1", "safety@e1.example"),
                      ("reminder-5", BOSS), ("reminder-5", "safety@e1.example")]
