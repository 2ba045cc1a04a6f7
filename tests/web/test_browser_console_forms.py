"""The county office's forms for real, in Chromium with JavaScript off: county staff sign in, open 业务办理 from the
navigation, send the campaign form with a bad field and see the error beside that input, then start the campaign
and see its mail arrive at a real SMTP server.

Writes screenshots of each form at a desktop's (1280) and a phone's (390) width, and of the campaign form with its
errors, to tests/artifacts/console-form-*.png (git-ignored)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from anquan.notifications.delivery import deliver
from anquan.records import usecases as records
from tests.support.console import desktop_and_phone, make_user, sign_in_page
from tests.support.smtp import SmtpSink
from tests.support.web import follow
from tests.web.conftest import ARTIFACTS

TODAY = date(2026, 2, 20)
STAFF = "office@county.example"  # 县安委办甲, county staff


@pytest.mark.parametrize("backend", ["sqlite"])
def test_county_staff_start_a_campaign_in_the_browser_and_its_mail_arrives(served_county, chromium):
    sink = SmtpSink().start()
    try:
        a, base = served_county(TODAY, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_security="none")
        make_user(a, STAFF, "county_staff")
        records.add_hazard(a, org_code="T1", year=2026, description="塔吊基础沉降", responsible_person="孙经理",
                           measures="加固基础", deadline=date(2026, 3, 31), emergency_plan="停用塔吊", funds="5万元",
                           enterprise_code="E1")
        accepted = records.add_hazard(a, org_code="T2", year=2026, description="仓库消防通道堵塞",
                                      responsible_person="郑老板",
                                      measures="清理通道", deadline=date(2026, 2, 28), emergency_plan="专人值守",
                                      funds="0.5万元", enterprise_code="E2")
        records.close_hazard(a, hazard_id=accepted["id"], closed_on=date(2026, 2, 18), today=TODAY)
        ARTIFACTS.mkdir(exist_ok=True)
        context = chromium.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in_page(page, base, STAFF)
        follow(page, "nav.console-nav a:has-text('业务办理')")
        assert page.locator("h1").inner_text() == "业务办理"
        desktop_and_phone(page, ARTIFACTS / "console-form-index")
        for name in ("event", "accident", "adjustment", "hazard", "evaluation"):
            page.goto(f"{base}/console/forms/{name}")
            desktop_and_phone(page, ARTIFACTS / f"console-form-{name}")

        # A bad field: no sector chosen. The message stands beside the sector boxes; nothing is started.
        page.goto(base + "/console/forms/campaign")
        desktop_and_phone(page, ARTIFACTS / "console-form-campaign")
        page.fill("#name", "建筑施工安全专项整治")
        page.fill("#from_date", "2026-03-01")
        page.fill("#to_date", "2026-04-30")
        page.fill("#summary_due", "2026-04-01")
        follow(page, "button.primary")
        assert page.locator("#sectors-error").inner_text() == "请至少选择一个行业领域。"
        assert page.locator("#summary_due-error").inner_text() == "请填写有效的总结报送截止日期，且不早于结束日期。"
        assert page.locator("#sectors").get_attribute("aria-describedby") == "sectors-error"
        assert page.input_value("#name") == "建筑施工安全专项整治"  # what was typed stays
        desktop_and_phone(page, ARTIFACTS / "console-form-campaign-errors")

        page.check("input[name=sectors][value=construction]")
        page.fill("#summary_due", "2026-05-10")
        follow(page, "button.primary")
        assert page.url == base + "/console/forms/campaign?done=1"
        assert "专项整治已启动" in page.locator(".flash").inner_text()
        context.close()

        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop running in this thread
            sent = pool.submit(deliver, engine=a.engine, settings=a.settings).result()
        to = {addr: r.message for r in sink.received for addr in r.rcpt_tos}
        assert {"so1@t1.example", "so2@t1.example", "boss@e1.example", "safety@e1.example"} <= set(to)
        assert sent.sent >= 4 and "boss@e2.example" not in to  # 西河百货店 is not in construction
        assert "建筑施工安全专项整治" in to["boss@e1.example"].get_body(("plain",)).get_content()
    finally:
        sink.stop()
