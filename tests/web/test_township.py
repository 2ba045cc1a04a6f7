"""The township safety office's pages: the view, returning a report, recording one on behalf; and every way
of asking for what is not theirs answered with a 404."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from anquan.cycle import usecases as cycle
from anquan.cycle.planning import plan_year
from anquan.directory.importer import import_directory
from anquan.models.directory import Organisation
from anquan.models.obligations import Obligation, Submission, SubmissionReturn
from anquan.models.outbox import OutboxMessage
from anquan.web.app import create_app
from anquan.web.security import Limits
from tests.support.web import PDF, contact, link_path, obligation_id, sign_in
from tests.web.conftest import keyed

SO = "so1@t1.example"  # 王安监, 东山镇安监办
BOSS = "boss@e1.example"  # 孙经理, 东山建筑公司
DAY = date(2026, 3, 6)


@pytest.fixture
def county(app, small_dir):
    a = keyed(app)
    a.today = lambda: DAY
    with a.session() as s:
        import_directory(session=s, path=small_dir)
        plan_year(session=s, rules=a.rules, calendar=a.calendar, year=2026)
    return a


@pytest.fixture
def web(county):
    with TestClient(create_app(county, limits=Limits(links=1000, reports=1000)), follow_redirects=False) as c:
        yield c





def _reported(a, org_code="E1", email=BOSS) -> int:
    oid = obligation_id(a, org_code)
    cycle.submit(a, obligation_id=oid, submitted_on=date(2026, 2, 26), today=DAY, source="web",
                 contact_id=contact(a, email).id, note="已完成2月风险分析")
    return oid


def test_my_page_leads_the_safety_office_to_its_township_and_nobody_else(county, web):
    sign_in(web, county, SO)
    assert 'href="/township?t=' in web.get("/my").text and "乡镇监管：东山镇" in web.get("/my").text
    other = TestClient(web.app, follow_redirects=False)
    sign_in(other, county, BOSS)
    assert "/township" not in other.get("/my").text


def test_the_township_page_counts_and_lists_who_to_call(county, web):
    sign_in(web, county, SO)
    page = web.get("/township?month=2026-02")
    assert page.status_code == 200
    text = page.text
    assert "东山镇 · 企业报告情况" in text and "东山建筑公司" in text and "西河百货店" not in text
    assert "<b>0<span class=\"of\"> / 1</span></b>" in text and "未报 · 已逾期 6 天" in text and "孙经理" in text
    assert "上村" in text and "钱安全员" in text and "东山中心小学" in text  # the villages' and units' books
    _reported(county)
    text = web.get("/township?month=2026-02").text
    assert "<b>1<span class=\"of\"> / 1</span></b>" in text and "已按时报告" in text and "网上报告" in text and "未发现事故征兆或重大危险源" in text
    assert "本月企业均已报告" in web.get("/township?month=2026-02&show=open").text
    assert web.get("/township?p=abc&show=nonsense&month=junk").status_code == 200


def test_return_through_the_page_reopens_and_mails(county, web):
    oid = _reported(county)
    csrf = sign_in(web, county, SO)
    page = web.get(f"/township/{oid}")
    assert page.status_code == 200 and "确认退回" in page.text
    empty = web.post(f"/township/{oid}/return", data={"csrf": csrf, "reason": "  "})
    assert empty.status_code == 400
    # The error stands next to the reason field, before its textarea.
    assert empty.text.index('id="reason-error"') < empty.text.index('<textarea id="reason"')
    assert "请填写退回原因" in empty.text
    r = web.post(f"/township/{oid}/return", data={"csrf": csrf, "reason": "附件缺失，请补充风险分析记录表。"})
    assert r.status_code == 303 and r.headers["location"] == f"/township/{oid}?done=returned"
    after = web.get(r.headers["location"]).text
    assert "已退回" in after and "附件缺失，请补充风险分析记录表。" in after and "确认代报" in after
    with county.session() as s:
        assert s.get(Obligation, oid).status == "open"
        [ret] = s.execute(select(SubmissionReturn)).scalars().all()
        assert (ret.client_addr, ret.contact_id) == ("testclient", contact(county, SO).id)
        assert s.execute(select(func.count()).select_from(OutboxMessage)
                         .where(OutboxMessage.template == "report_returned")).scalar_one() == 2
    again = web.post(f"/township/{oid}/return", data={"csrf": csrf, "reason": "再退一次试试看"})
    assert again.status_code == 409
    # The enterprise sees it open again, with the reason.
    boss = TestClient(web.app, follow_redirects=False)
    sign_in(boss, county, BOSS)
    duty = boss.get(f"/my/{oid}").text
    assert "被退回" in duty and "附件缺失，请补充风险分析记录表。" in duty and "王安监" in duty


def test_proxy_through_the_page_is_marked_everywhere(county, web):
    oid = obligation_id(county, "E1")
    csrf = sign_in(web, county, SO)
    bad = web.post(f"/township/{oid}/proxy", data={"csrf": csrf, "done_on": "2026-03-07", "finding": "warning_sign",
                                                  "finding_text": ""})
    assert bad.status_code == 400
    assert bad.text.index('id="done_on-error"') < bad.text.index('<input id="done_on"')
    assert "完成日期不能晚于今天" in bad.text
    r = web.post(f"/township/{oid}/proxy", data={"csrf": csrf, "done_on": "2026-02-27", "finding": "none",
                                                "note": "企业报送纸质材料"},
                 files=[("files", ("二月分析.pdf", PDF, "application/pdf"))])
    assert r.status_code == 303
    with county.session() as s:
        [sub] = s.execute(select(Submission).where(Submission.obligation_id == oid)).scalars().all()
        assert (sub.source, sub.contact_id, sub.file_name) == ("proxy", contact(county, SO).id, "二月分析.pdf")
    assert "代报</strong>（王安监）" in web.get("/township?month=2026-02").text
    boss = TestClient(web.app, follow_redirects=False)
    sign_in(boss, county, BOSS)
    assert "代报</strong>（王安监）" in boss.get(f"/my/{oid}").text


def test_what_is_not_theirs_is_a_404_however_asked(county, web):
    e1, e2 = _reported(county), _reported(county, "E2", "boss@e2.example")
    t1_book = obligation_id(county, "T1", kind="book_signing", period="2026")
    with county.session() as s:
        t2 = s.execute(select(Organisation.id).where(Organisation.code == "T2")).scalar_one()
    csrf = sign_in(web, county, SO)
    for path in (f"/township/{e2}", f"/township/{t1_book}", "/township/999999999", "/township/abc",
                 f"/township?t={t2}", "/township?t=x"):
        assert web.get(path).status_code == 404, path
    for path in (f"/township/{e2}/return", f"/township/{t1_book}/return", f"/township/{e2}/proxy"):
        assert web.post(path, data={"csrf": csrf, "reason": "不符合要求，请重报", "done_on": "2026-03-01",
                                    "finding": "none"}).status_code == 404, path
    # An enterprise's session and a township head's (who urges but does not oversee).
    for email in (BOSS, "head@t1.example"):
        other = TestClient(web.app, follow_redirects=False)
        token = sign_in(other, county, email)
        assert other.get("/township").status_code == 404
        assert other.get(f"/township/{e1}").status_code == 404
        assert other.post(f"/township/{e1}/return", data={"csrf": token, "reason": "不符合要求，请重报"}).status_code == 404
        assert other.post(f"/township/{e1}/proxy", data={"csrf": token, "done_on": "2026-03-01"}).status_code == 404
    # No session at all: the page that says to use the mail's link.
    assert TestClient(web.app).get("/township").status_code == 401
    with county.session() as s:
        assert s.execute(select(func.count()).select_from(SubmissionReturn)).scalar_one() == 0
        assert s.get(Obligation, e2).status == "submitted" and s.get(Obligation, e1).status == "submitted"


def test_forms_need_the_sessions_csrf_token(county, web):
    oid = _reported(county)
    sign_in(web, county, SO)
    for data in ({"reason": "不符合要求，请重报"}, {"reason": "不符合要求，请重报", "csrf": "forged"}):
        assert web.post(f"/township/{oid}/return", data=data).status_code == 403
    assert web.post(f"/township/{obligation_id(county, 'E1', period='2026-01')}/proxy",
                    data={"done_on": "2026-01-30", "finding": "none"}).status_code == 403
    with county.session() as s:
        assert s.get(Obligation, oid).status == "submitted"


def test_returns_and_reports_on_behalf_are_rate_limited(county):
    with TestClient(create_app(county, limits=Limits(links=1000, oversight=2)), follow_redirects=False) as c:
        csrf = sign_in(c, county, SO)
        oid = obligation_id(county, "E1")
        assert c.post(f"/township/{oid}/return", data={"csrf": csrf, "reason": "x"}).status_code == 400
        assert c.post(f"/township/{oid}/return", data={"csrf": csrf, "reason": "x"}).status_code == 400
        assert c.post(f"/township/{oid}/return", data={"csrf": csrf, "reason": "x"}).status_code == 429


def test_evidence_files_download_for_the_overseer_only(county, web):
    from sqlalchemy import update

    oid = obligation_id(county, "E1")
    boss = TestClient(web.app, follow_redirects=False)
    token = sign_in(boss, county, BOSS)
    assert boss.post(f"/my/{oid}/report", data={"csrf": token, "done_on": "2026-02-27", "finding": "none"},
                     files=[("files", ("二月分析.pdf", PDF, "application/pdf"))]).status_code == 303
    with county.session() as s:
        sid = s.execute(select(Submission.id).where(Submission.obligation_id == oid)).scalar_one()
    sign_in(web, county, SO)
    assert f'href="/township/{oid}/files/{sid}"' in web.get("/township?month=2026-02").text
    got = web.get(f"/township/{oid}/files/{sid}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment;") and "%E4%BA%8C%E6%9C%88" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"
    for path in (f"/township/{oid}/files/{sid + 1}", f"/township/{obligation_id(county, 'E2')}/files/{sid}",
                 f"/township/{oid}/files/x"):
        assert web.get(path).status_code == 404, path
    assert boss.get(f"/township/{oid}/files/{sid}").status_code == 404  # the enterprise is no overseer
    with county.session() as s:  # a stored path pointing outside the folder of submitted files is never served
        s.execute(update(Submission).where(Submission.id == sid).values(file_path="/etc/passwd"))
    assert web.get(f"/township/{oid}/files/{sid}").status_code == 404
