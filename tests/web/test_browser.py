"""The whole loop for real, in Chromium: a reminder mailed over SMTP, its link opened, a PDF uploaded, mail stops.

Also writes screenshots of my page at a phone's and a desktop's width to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from anquan.cycle.tick import tick
from anquan.models.obligations import Obligation, Submission
from anquan.models.outbox import Notice
from anquan.notifications.delivery import deliver
from tests.support.smtp import SmtpSink
from tests.support.web import PDF, follow
from tests.web.conftest import ARTIFACTS

BOSS = "boss@e1.example"
MAIL_DAY = date(2026, 2, 23)  # the February risk analysis's reminder (5 days before 28 February)


@pytest.fixture
def sink():
    s = SmtpSink().start()
    yield s
    s.stop()


def _mail_to(sink: SmtpSink, addr: str):
    return [r.message for r in sink.received if addr in r.rcpt_tos]


def _deliver(a):
    """Delivery in a thread of its own: Playwright's sync API keeps an event loop running in this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(deliver, engine=a.engine, settings=a.settings).result()


def _tick(a, day: date) -> None:
    with a.session() as s:
        tick(session=s, rules=a.rules, as_of=day, mail_from=a.settings.mail_from, tz=a.settings.tz)


def _mailed(served_county, sink):
    """The pages served on loopback, the small county planned and ticked on MAIL_DAY, its mail delivered to `sink`."""
    a, base = served_county(MAIL_DAY, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_security="none")
    _tick(a, MAIL_DAY)
    assert _deliver(a).sent > 0
    return a, base


@pytest.mark.parametrize("backend", ["sqlite"])
def test_reminder_link_upload_and_no_more_mail(served_county, sink, chromium, tmp_path):
    a, base = _mailed(served_county, sink)
    [mail] = _mail_to(sink, BOSS)
    text = mail.get_body(("plain",)).get_content()
    assert "2026年2月" in text and "请登录" not in text
    link = re.search(rf"{re.escape(base)}/l/\S+", text).group(0)
    with a.session() as s:
        february = s.execute(select(Obligation).where(Obligation.id == _feb_id(a))).scalar_one()
    # The mail names the item by what and when, never by its internal id (issue 11).
    assert f"#{february.id}" not in text and "企业每月安全生产风险分析（2026年2月）" in text

    page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    page.goto(link)
    assert page.url == f"{base}/my"  # the token left the address bar
    assert page.locator("h1").inner_text() == "孙经理，您好"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "my-page-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "my-page-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})

    follow(page, f'a.button[href="/my/{february.id}"]')
    page.fill("#note", "已组织开展2月风险分析，未发现事故征兆。")
    pdf = tmp_path / "二月风险分析.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#files", str(pdf))
    page.screenshot(path=str(ARTIFACTS / "report-form-phone.png"), full_page=True)
    follow(page, "button.primary")
    assert page.url == f"{base}/my?done={february.id}"
    assert "已报告完成" in page.locator(".flash").inner_text()
    assert "已按时报告" in page.locator(".done").inner_text()
    page.screenshot(path=str(ARTIFACTS / "my-page-after-report-phone.png"), full_page=True)
    page.close()

    # The township head's page: the enterprise's overdue January analysis, to urge, with whom to call.
    [head_mail] = _mail_to(sink, "head@t1.example")
    head_link = re.search(rf"{re.escape(base)}/l/\S+", head_mail.get_body(("plain",)).get_content()).group(0)
    head = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    head.goto(head_link)
    assert "需要督促" in head.inner_text("main") and "孙经理" in head.inner_text("main")
    head.screenshot(path=str(ARTIFACTS / "my-page-township-head-phone.png"), full_page=True)
    head.close()

    with a.session() as s:
        assert s.get(Obligation, february.id).status == "submitted"
        [sub] = s.execute(select(Submission).where(Submission.obligation_id == february.id)).scalars().all()
        assert (sub.source, sub.file_name, sub.client_addr) == ("web", "二月风险分析.pdf", "127.0.0.1")
    # Without the report, 1 March would bring the owner the first escalation about it: now nothing comes.
    before = len(sink.received)
    for day in (date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 10)):
        _tick(a, day)
    _deliver(a)
    with a.session() as s:
        later = s.execute(select(Notice).where(Notice.obligation_id == february.id, Notice.tick_date > MAIL_DAY)).all()
    assert later == []
    assert all("2026年2月" not in m.get_body(("plain",)).get_content() for m in
               [r.message for r in sink.received[before:] if BOSS in r.rcpt_tos])


def _feb_id(a) -> int:
    from anquan.models.directory import Organisation

    with a.session() as s:
        return s.execute(select(Obligation.id).join(Organisation, Organisation.id == Obligation.org_id)
                         .where(Organisation.code == "E1", Obligation.kind == "monthly_risk_analysis",
                                Obligation.period == "2026-02")).scalar_one()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_enterprise_reports_a_warning_sign_and_the_alert_arrives(served_county, sink, chromium):
    """The risk-analysis form in Chromium: a warning sign reaches the township safety office and the county office
    over SMTP before the page answers."""
    a, base = _mailed(served_county, sink)
    [mail] = _mail_to(sink, BOSS)
    link = re.search(rf"{re.escape(base)}/l/\S+", mail.get_body(("plain",)).get_content()).group(0)
    before = len(sink.received)

    page = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(link)
    follow(page, f'a.button[href="/my/{_feb_id(a)}"]')
    page.check('input[name="finding"][value="warning_sign"]')
    page.fill("#finding_text", "3号储罐区可燃气体报警两次")
    page.fill("#measures", "停用3号储罐，已报修，专人值守")
    page.screenshot(path=str(ARTIFACTS / "risk-analysis-warning-phone.png"), full_page=True)
    follow(page, "button.primary")
    assert "已报告完成" in page.locator(".flash").inner_text()
    page.close()

    alerts = [r for r in sink.received[before:]]
    assert {r.rcpt_tos[0] for r in alerts} == {"so1@t1.example", "so2@t1.example", "office@county.example"}
    subject = str(alerts[0].message["Subject"])
    assert "事故征兆" in subject and "东山建筑公司" in subject
    assert "3号储罐区可燃气体报警两次" in alerts[0].message.get_body(("plain",)).get_content()
