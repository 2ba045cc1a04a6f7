"""The outbox for real, in Chromium with JavaScript off: a real SMTP server refuses 李镇长's address, the county
admin signs in for the first time (changes the temporary password first), opens 邮件发送, reads the failure in Chinese and that 李镇长 is to be called, the server takes the address
again, the admin presses 重新发送, the next delivery sends it, and the sink has it.

Screenshots console-outbox-desktop.png and -phone.png (390 px), console-first-password-phone.png go to
tests/artifacts/."""

from __future__ import annotations

from datetime import date

import pytest

from anquan.cycle.tick import tick
from tests.support.console import PASSWORD, make_user, sign_in_page
from tests.support.smtp import SmtpSink
from tests.support.web import follow
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import _deliver

TODAY = date(2026, 2, 20)
ADMIN = "office@county.example"  # 县安委办甲
REFUSED = "head@t1.example"  # 李镇长, 东山镇


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_office_retries_a_failed_mail_and_it_arrives(served_county, chromium):
    sink = SmtpSink().start()
    try:
        a, base = served_county(TODAY, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_security="none")
        with a.session() as s:
            tick(session=s, rules=a.rules, as_of=TODAY, mail_from=a.settings.mail_from, tz=a.settings.tz)
        sink.behaviour.refuse_recipients = {REFUSED}
        assert _deliver(a).failed >= 1
        make_user(a, ADMIN, "county_admin", temporary=True)  # new, as `anquan users add` makes it
        ARTIFACTS.mkdir(exist_ok=True)

        context = chromium.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        sign_in_page(page, base, ADMIN)
        # The first sign-in: the temporary password is changed before anything else opens.
        assert page.url == base + "/console/password" and "临时密码" in page.locator("p.error").inner_text()
        page.screenshot(path=str(ARTIFACTS / "console-first-password-phone.png"), full_page=True)
        page.goto(base + "/console/outbox")
        assert page.url == base + "/console/password"
        page.fill("#current", PASSWORD)
        page.fill("#new", "my-own-new-password")
        page.fill("#again", "my-own-new-password")
        follow(page, "button.primary")
        assert "密码已修改" in page.locator(".flash").inner_text()
        page.set_viewport_size({"width": 1280, "height": 900})
        follow(page, "nav.console-nav a:has-text('邮件发送')")
        assert page.locator("h1").inner_text() == "邮件发送情况"
        failed = page.locator("table.outbox tr.mail-failed")
        assert failed.count() >= 1 and "对方邮箱不存在或拒收" in failed.first.inner_text()
        assert "李镇长" in failed.first.inner_text() and "东山镇镇长" in failed.first.inner_text()
        assert "13800000001" in page.locator("table.unreachable").inner_text()
        page.screenshot(path=str(ARTIFACTS / "console-outbox-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(ARTIFACTS / "console-outbox-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

        sink.behaviour.refuse_recipients = set()
        before = len(sink.received)
        follow(page, "a:has-text('发送失败')")
        assert page.locator("table.outbox tbody tr").count() == failed.count()
        follow(page, page.locator("table.outbox tr.mail-failed button:has-text('重新发送')").first)
        assert "已将 1 封邮件重新排队" in page.locator(".flash").inner_text()
        _deliver(a)  # the next scheduled delivery (in a thread: Playwright holds this one's event loop)
        arrived = [r for r in sink.received[before:] if REFUSED in r.rcpt_tos]
        assert len(arrived) == 1 and arrived[0].message["Subject"]
        follow(page, "a:has-text('已发送')")
        sent = page.locator("table.outbox tr.mail-sent").all_inner_texts()
        assert any(REFUSED in row and arrived[0].message["Subject"] in row for row in sent)
        context.close()
    finally:
        sink.stop()
