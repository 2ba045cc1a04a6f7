"""The assessment's approval for real, in Chromium with JavaScript off and a real SMTP sink: the January run makes a
draft (the county office is asked to review it; no township head hears of it); a county staff account reads it but
cannot approve (403); the county admin approves it in the browser and the township heads' mails arrive; approving
again sends nothing; an objection after the 5 working days is refused next to its field, one within them recorded
and handled; a township office's account gets the console's 404 on the page and on the approval (as on every
county route), and sees its own result and objection on its township's page.

Writes screenshots of the assessment page (draft, approved with an objection) at a desktop's and a phone's width to
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from anquan.assessment import usecases as assessment
from anquan.cycle import usecases as cycle
from anquan.models.accounts import ConsoleAudit
from anquan.models.obligations import Obligation
from tests.support.console import desktop_and_phone, make_user, sign_in_page
from tests.support.smtp import SmtpSink
from tests.support.web import follow
from tests.web.conftest import ARTIFACTS, keyed

RUN = date(2027, 1, 15)  # the January run, and the approval: a Friday; objections until Friday 22 January
ADMIN = "huang.jie.ql@qinglan.example"  # 黄杰, 县安委办
STAFF = "zeng.cheng.ql@qinglan.example"  # 曾成, 县安委办
QL01_OFFICE = "jiang.chunying.ql01@qinglan.example"  # 蒋春英, 石门镇安监办
COUNTY_OFFICE = {ADMIN, STAFF, "zhao.hongqiang.ql@qinglan.example"}
QL01_HEAD = "li.junwei.ql01@qinglan.example"  # 李俊伟, 石门镇镇长


@pytest.fixture
def sink():
    s = SmtpSink().start()
    yield s
    s.stop()


def _a_year_handed_in(app) -> None:
    """2026 as townships keep it: by the obligation's id, seven in ten on time, two in ten three days late."""
    with app.session() as s:
        rows = s.execute(select(Obligation.id, Obligation.due_on).where(Obligation.year == 2026)).all()
        s.execute(update(Obligation), [
            {"id": oid, "status": "late" if oid % 10 >= 7 else "submitted",
             "submitted_on": due + timedelta(days=3 if oid % 10 >= 7 else -1)} for oid, due in rows if oid % 10 < 9])


def _in_thread(fn):
    """Playwright's sync API keeps an event loop running in this thread; delivery runs one of its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def _to(sink) -> list[str]:
    return [r.rcpt_tos[0] for r in sink.received]


def _sign_in(chromium, base: str, login: str, width: int = 1280):
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in_page(page, base, login)
    assert page.url == base + "/console/year"
    return context, page


def _csrf(page) -> str:
    return page.locator('form.logout input[name="csrf"]').get_attribute("value")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_draft_is_approved_once_in_the_browser_and_only_then_mailed(planned_county, chromium, live_server, sink):
    state = {"today": RUN}

    def make_web(base):
        from anquan.web.app import create_app

        a = keyed(planned_county, public_url=base, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_security="none")
        a.today = lambda: state["today"]
        state["app"] = a
        return create_app(a)

    base = live_server(make_web)
    a = state["app"]
    for email, role in ((ADMIN, "county_admin"), (STAFF, "county_staff"), (QL01_OFFICE, "township_office")):
        make_user(a, email, role)
    _a_year_handed_in(a)
    ARTIFACTS.mkdir(exist_ok=True)

    # The January run: a draft. The county office is asked to review it; no township head is mailed.
    assessment.draft_year(a, year=2026, on=RUN)
    assert _in_thread(lambda: cycle.deliver_mail(a)).sent == 3
    assert set(_to(sink)) == COUNTY_OFFICE and all("草稿" in str(r.message["Subject"]) for r in sink.received)

    # County staff reads the draft, has no approve button, and a POST is refused.
    context, page = _sign_in(chromium, base, STAFF)
    follow(page, "nav.console-nav a:has-text('年度考核')")
    assert page.url == base + "/console/assessment" and page.locator("h1").inner_text() == "2026年度乡镇安全生产履职考核"
    assert page.locator("table.ranking tbody tr").count() == 8 and page.locator("form.approve").count() == 0
    refused = context.request.post(base + "/console/assessment/approve", form={"csrf": _csrf(page), "y": "2026"},
                                   max_redirects=0)
    assert refused.status == 403
    context.close()

    # The county admin reviews the draft (every deduction in words) and approves it.
    context, page = _sign_in(chromium, base, ADMIN)
    page.goto(base + "/console/assessment?y=2026")
    assert "草稿" in page.locator(".approval .figure").first.inner_text()
    assert page.locator("ol.deductions li").count() > 8 and "分：" in page.locator("ol.deductions li").first.inner_text()
    assert page.locator("a:has-text('下载考核结果通报（草稿）')").count() == 1
    desktop_and_phone(page, ARTIFACTS / "console-assessment-draft")
    # Before approving, the office rewrites the notice's 下一步要求 (one a line) and its 抄送 line.
    page.fill("#requirements", "切实抓好汛期安全防范，落实巡查值守和人员转移避险措施。\n组织开展“安全生产月”活动，6月底前报送活动总结。")
    page.fill("#copied_to", "县委办公室，县政府办公室，县应急管理局")
    follow(page, "button:has-text('保存通报文字')")
    assert page.locator(".flash").inner_text().startswith("考核结果通报（草稿）的下一步要求和抄送已保存")
    assert page.locator("#copied_to").input_value() == "县委办公室，县政府办公室，县应急管理局。"
    page.locator("#notice").scroll_into_view_if_needed()
    desktop_and_phone(page, ARTIFACTS / "console-assessment-notice")
    assert len(sink.received) == 3
    follow(page, "button:has-text('审定并发布考核结果')")
    assert page.locator(".flash").inner_text().startswith("已审定")
    assert "青安委〔2027〕1号" in page.locator(".approval").inner_text()
    heads = [to for to in _to(sink) if to not in COUNTY_OFFICE]
    assert len(heads) == 8 and QL01_HEAD in heads and len(sink.received) == 3 + 8 + 3
    mine = next(r.message for r in sink.received if r.rcpt_tos[0] == QL01_HEAD)
    assert str(mine["Subject"]).startswith("【履职考核】石门镇2026年度安全生产履职考核")
    assert "（截至2027年1月22日）" in mine.get_body(("plain",)).get_content()

    # Approving again: nothing more is sent.
    again = context.request.post(base + "/console/assessment/approve", form={"csrf": _csrf(page), "y": "2026"},
                                 max_redirects=0)
    assert again.status == 303 and again.headers["location"].endswith("done=already")
    assert len(sink.received) == 14
    with a.session() as s:
        assert s.execute(select(ConsoleAudit.actor).where(ConsoleAudit.action == "assessment_approve")).scalars().all() == [ADMIN]

    # Objections: 25 January is past the 5 working days (until 22 January) and is refused next to the field.
    state["today"] = date(2027, 1, 26)
    page.goto(base + "/console/assessment?y=2026")
    page.select_option("#org_code", label="石门镇")
    page.fill("#raised_by", "石门镇人民政府 李俊伟")
    page.fill("#content", "三季度风险分析已于期限内报送，请复核扣分。")
    page.fill("#received_on", "2027-01-25")
    follow(page, "button:has-text('登记异议')")
    error = page.locator("#received_on-error")
    assert "截至2027年1月22日" in error.inner_text() and page.locator("#received_on").get_attribute("aria-invalid") == "true"
    assert page.locator("#content").input_value().startswith("三季度风险分析")
    page.fill("#received_on", "2027-01-20")
    follow(page, "button:has-text('登记异议')")
    assert page.locator(".flash").inner_text() == "异议已登记。"
    page.locator("details.waive summary").first.click()
    page.check("input[name=outcome][value=upheld]")
    page.fill("textarea[name=note]", "经核查，三季度风险分析为逾期补报，维持原扣分。")
    follow(page, "button:has-text('保存办理结果')")
    assert "办理结果：维持" in page.locator("li.objection").inner_text()
    desktop_and_phone(page, ARTIFACTS / "console-assessment-approved")
    context.close()

    # 石门镇's safety office: not the county's page nor its approval (the console's 404 for every county route); its
    # own result and objection on its township's page.
    context, page = _sign_in(chromium, base, QL01_OFFICE, width=390)
    assert page.goto(base + "/console/assessment?y=2026").status == 404
    page.goto(base + "/console/year")
    refused = context.request.post(base + "/console/assessment/approve", form={"csrf": _csrf(page), "y": "2026"},
                                   max_redirects=0)
    assert refused.status == 404 and len(sink.received) == 14
    page.goto(base + "/console/township?y=2026")
    assert "青安委〔2027〕1号" in page.locator("section.recorded").inner_text()
    assert "维持原扣分" in page.locator("section.recorded li.objection").inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-assessment-township-phone.png"), full_page=True)
    context.close()
