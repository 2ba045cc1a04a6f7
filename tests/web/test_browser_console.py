"""The console for real, in Chromium with JavaScript off: the county admin signs in, reads the year's matrix of the
sample county, opens a cell with its duties' history and a township's page (duties, monthly chart, provisional
score), signs out; a township office's account sees its own row only.

Writes screenshots of the matrix, a cell and a township's page at a phone's (390×844) and a desktop's (1280×900) width to
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.console import PASSWORD, busy_year, desktop_and_phone, make_user, sign_in_page
from tests.support.web import follow
from tests.web.conftest import ARTIFACTS, keyed

TODAY = date(2026, 7, 10)
ADMIN = "huang.jie.ql@qinglan.example"  # 黄杰, 县安委办
QL01_OFFICE = "jiang.chunying.ql01@qinglan.example"  # 蒋春英, 石门镇安监办


def _hazards_and_an_accident(a) -> None:
    """石门镇: a listed hazard past its deadline and one in time; a road accident against its control indicators."""
    from anquan.models.records import ControlIndicator
    from anquan.records import usecases as records
    from tests.support.db import org_by_code

    records.add_hazard(a, org_code="QL01", year=2026, description="边坡松动，雨季有滑塌危险", responsible_person="蒋春英",
                       measures="削坡减载、设置截水沟", deadline=date(2026, 6, 30), emergency_plan="撤离预案",
                       funds="12万元", place="田心村采石场")
    records.add_hazard(a, org_code="QL01", year=2026, description="消防通道堵塞", responsible_person="蒋春英",
                       measures="清理通道、增设指示", deadline=date(2026, 9, 30), emergency_plan="疏散预案",
                       funds="0.5万元", enterprise_code="QL01E001")
    records.record_accident(a, org_code="QL01", occurred_on=date(2026, 5, 3), kind="road_traffic", deaths=1,
                            injuries=2, description="镇道货车侧翻", today=date(2026, 5, 3))
    with a.session() as s:
        s.add(ControlIndicator(org_id=org_by_code(s, "QL01").id, year=2026, max_accidents=2, max_deaths=1,
                               max_injuries=5))


def _sign_in(page, base: str, login: str) -> None:
    page.goto(base + "/console")
    assert page.url == base + "/console/login"
    sign_in_page(page, base, login)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_office_reads_the_year_and_opens_a_cell(planned_county, chromium, live_server):
    state = {}

    def make_web(base):
        from anquan.web.app import create_app

        a = keyed(planned_county, public_url=base)
        a.today = lambda: TODAY
        state["app"] = a
        return create_app(a)

    base = live_server(make_web)
    a = state["app"]
    busy_year(a, TODAY)
    _hazards_and_an_accident(a)
    make_user(a, ADMIN, "county_admin")
    make_user(a, QL01_OFFICE, "township_office")
    ARTIFACTS.mkdir(exist_ok=True)

    context = chromium.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/console/login")
    page.screenshot(path=str(ARTIFACTS / "console-login-desktop.png"))
    _sign_in(page, base, ADMIN)
    assert page.url == base + "/console/year"
    assert page.locator("h1").inner_text() == "2026年 全年概览"
    rows = page.locator("table.matrix tbody tr")
    assert rows.count() == 8 and rows.first.locator("th").inner_text() == "石门镇"
    heads = page.locator("table.matrix thead th").all_inner_texts()
    assert heads[:3] == ["乡镇", "签订安全生产目标责任书", "季度安全生产工作会议"]
    assert page.locator("td.st-overdue").count() > 0 and page.locator("td.st-on_time, td.st-late").count() > 0
    desktop_and_phone(page, ARTIFACTS / "console-year")

    follow(page, 'a[aria-label^="石门镇 企业每月安全生产风险分析"]')
    assert page.locator("h1").inner_text() == "石门镇 · 企业每月安全生产风险分析"
    first = page.locator("li.duty-card").first
    assert "逾期未报" in first.inner_text() and "督办" in first.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "console-cell-phone.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "console-cell-desktop.png"), full_page=False)
    page.locator("details.waive summary").first.click()  # <details>: opens without script
    assert page.locator("details.waive textarea").first.is_visible()
    page.locator("li.duty-card").first.screenshot(path=str(ARTIFACTS / "console-waive-form.png"))
    follow(page, "text=按时完成")
    assert all("按时完成" in t for t in page.locator("li.duty-card .tag").all_inner_texts())

    # The township's page: its duties, the enterprises' months as a server-drawn chart, the provisional score.
    follow(page, "text=‹ 返回2026年全年概览")
    follow(page, "table.matrix tbody th a:has-text('石门镇')")
    assert page.locator("h1").inner_text() == "石门镇 · 2026年"
    assert page.locator(".score .figure b").first.inner_text().replace(".", "").isdigit()
    assert page.locator("figure.chart svg rect").count() >= 12 and page.locator("table.months tbody tr").count() == 12
    assert "签订安全生产目标责任书" in page.locator("ul.duty-row").inner_text()
    assert page.locator("table.hazards span.late-text").first.inner_text() == "逾期未整改（已逾期10天）"
    assert page.locator("table.indicators td.late-text").inner_text() == "已达到控制指标"  # 1 death of 1
    desktop_and_phone(page, ARTIFACTS / "console-township")

    # The provisional ranking: eight townships best first, each a link to its page.
    follow(page, "nav.console-nav a:has-text('考核排名')")
    assert page.locator("h1").inner_text() == "2026年 考核预估排名"
    ranks = page.locator("table.ranking tbody tr td:first-child").all_inner_texts()
    assert len(ranks) == 8 and ranks[0] == "1"
    desktop_and_phone(page, ARTIFACTS / "console-ranking")

    # The enterprises' monthly completion, township by month.
    follow(page, "nav.console-nav a:has-text('企业月度完成')")
    assert page.locator("table.completion tbody tr").count() == 8
    assert page.locator("table.completion td.band-high, table.completion td.band-mid, table.completion td.band-low").count() >= 8 * 6
    desktop_and_phone(page, ARTIFACTS / "console-completion")

    # The accounts page: the two accounts, the form to make one, the audit log with the sign-ins.
    follow(page, "nav.console-nav a:has-text('账户管理')")
    assert page.locator("table.list tbody tr").count() == 2 and "登录" in page.locator("ul.done").inner_text()
    desktop_and_phone(page, ARTIFACTS / "console-users")

    follow(page, "button:has-text('退出')")
    assert page.locator("h1").inner_text() == "已退出"
    page.goto(base + "/console/year")
    assert page.url == base + "/console/login"
    context.close()

    # 石门镇's safety office: one row, its own.
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base + "/console/login")
    page.screenshot(path=str(ARTIFACTS / "console-login-phone.png"))
    _sign_in(page, base, QL01_OFFICE)
    assert page.locator("table.matrix tbody tr").all_inner_texts()[0].startswith("石门镇")
    assert page.locator("table.matrix tbody tr").count() == 1 and "账户管理" not in page.content()
    follow(page, "nav.console-nav a:has-text('本乡镇')")
    assert page.locator("h1").inner_text() == "石门镇 · 2026年"
    follow(page, "nav.console-nav a:has-text('修改密码')")
    page.fill("#current", PASSWORD)
    page.fill("#new", "my-own-new-password")
    page.fill("#again", "my-own-new-password")
    follow(page, "button.primary")
    assert "密码已修改" in page.locator(".flash").inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-password-phone.png"))
    context.close()
