"""The county office's forms (/console/forms): each refuses bad input beside the input concerned, every error at
once where the inputs can be read together, and writes nothing then; done, it has called the same use case as the
command line and the audit log names who did it. (Township offices: tests/web/test_console_security.py.)"""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from anquan.models.accounts import ConsoleAudit
from anquan.models.obligations import Obligation
from anquan.models.outbox import OutboxMessage
from anquan.models.records import Accident, Adjustment, Campaign, Hazard, MajorEvent
from anquan.records import usecases as records
from tests.support.console import form_csrf, make_user, signed_in
from tests.support.web import field_error

STAFF = "office@county.example"  # 县安委办甲


def _count(app, model, *where) -> int:
    with app.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _audit(app, action: str) -> list[ConsoleAudit]:
    with app.session() as s:
        return list(s.execute(select(ConsoleAudit).where(ConsoleAudit.action == action)).scalars())


def _open(client, name: str) -> str:
    page = client.get(f"/console/forms/{name}")
    assert page.status_code == 200, page.text
    return form_csrf(page.text)


def test_starting_a_campaign_shows_every_error_at_once_then_starts_it_audited(web_county, client):
    make_user(web_county, STAFF, "county_staff")
    signed_in(client, STAFF)
    index = client.get("/console/forms").text
    assert all(t in index for t in ("启动专项整治", "录入重大活动", "录入事故", "录入督查发现问题", "挂牌隐患整改验收", "整改效果评价"))
    assert 'href="/console/forms"' in client.get("/console/year").text  # in the navigation
    csrf = _open(client, "campaign")
    bad = {"csrf": csrf, "name": "整", "from_date": "2026-03-01", "to_date": "2026-02-01", "summary_due": ""}
    r = client.post("/console/forms/campaign", data=bad)
    assert r.status_code == 400
    assert {k: field_error(r.text, k) for k in ("name", "sectors", "townships", "to_date", "summary_due")} == {
        "name": "请填写专项整治名称（2至200个字，不换行）。", "sectors": "请至少选择一个行业领域。",
        "townships": "请至少选择一个乡镇。", "to_date": "请填写有效的结束日期，且不早于开始日期。",
        "summary_due": "请填写有效的总结报送截止日期，且不早于结束日期。"}
    assert field_error(r.text, "from_date") is None and 'value="整"' in r.text  # what was typed stays
    assert _count(web_county, Campaign) == 0 and _count(web_county, OutboxMessage, OutboxMessage.stage == "campaign") == 0
    good = {"csrf": csrf, "name": "建筑施工安全专项整治", "sectors": ["construction"], "townships": ["T1", "T2"],
            "from_date": "2026-03-01", "to_date": "2026-04-30", "summary_due": "2026-05-10"}
    r = client.post("/console/forms/campaign", data=good)
    assert r.status_code == 303 and r.headers["location"] == "/console/forms/campaign?done=1"
    assert "专项整治已启动" in client.get(r.headers["location"]).text
    assert _count(web_county, Obligation, Obligation.kind == "campaign_task") == 2
    mails = _count(web_county, OutboxMessage, OutboxMessage.stage == "campaign")
    assert mails == 4  # T1's two safety officers, E1's principal and safety manager (T2 has neither)
    [entry] = _audit(web_county, "campaign_start")
    assert (entry.actor, entry.target, entry.detail, entry.client_addr) == (
        STAFF, "建筑施工安全专项整治", "2026年3月1日至2026年4月30日，2个乡镇", "testclient")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_major_event_in_the_past_is_refused_with_the_other_errors(web_county, client):
    make_user(web_county, STAFF, "county_admin")
    signed_in(client, STAFF)
    csrf = _open(client, "event")
    r = client.post("/console/forms/event", data={"csrf": csrf, "name": "", "townships": ["T1"],
                                                  "from_date": "2026-02-20", "to_date": "2026-02-21"})
    assert r.status_code == 400
    assert field_error(r.text, "name") == "请填写活动名称（2至200个字，不换行）。"
    assert field_error(r.text, "from_date") == "请填写有效的开始日期，且须晚于今天（重大活动须在开始前录入）。"
    assert _count(web_county, MajorEvent) == 0
    r = client.post("/console/forms/event", data={"csrf": csrf, "name": "全县重点项目集中开工仪式", "townships": ["T1"],
                                                  "from_date": "2026-03-10", "to_date": "2026-03-10"})
    assert r.status_code == 303
    assert _count(web_county, Obligation, Obligation.kind == "event_inspection") == 1
    [entry] = _audit(web_county, "event_add")
    assert (entry.target, entry.detail) == ("全县重点项目集中开工仪式", "2026年3月10日至2026年3月10日，1个乡镇")
    assert "录入重大活动 · 全县重点项目集中开工仪式" in client.get("/console/users").text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_recording_an_accident_and_a_supervision_finding(web_county, client):
    make_user(web_county, STAFF, "county_staff")
    signed_in(client, STAFF)
    csrf = _open(client, "accident")
    r = client.post("/console/forms/accident", data={"csrf": csrf, "org_code": "", "occurred_on": "",
                                                     "kind": "road_traffic", "deaths": "两", "injuries": "1"})
    assert r.status_code == 400
    assert [k for k in ("org_code", "occurred_on", "kind", "deaths", "injuries") if field_error(r.text, k)] == [
        "org_code", "occurred_on", "deaths"]
    r = client.post("/console/forms/accident", data={"csrf": csrf, "org_code": "T1", "occurred_on": "2026-02-21",
                                                     "kind": "road_traffic", "deaths": "1", "liability": "1"})
    assert r.status_code == 400 and field_error(r.text, "occurred_on") == "请填写有效的事故发生日期，且不晚于今天。"
    assert _count(web_county, Accident) == 0
    r = client.post("/console/forms/accident", data={"csrf": csrf, "org_code": "T1", "occurred_on": "2026-02-18",
                                                     "kind": "road_traffic", "deaths": "1", "injuries": "2",
                                                     "liability": "1", "description": "货车与摩托车相撞"})
    assert r.status_code == 303
    with web_county.session() as s:
        a = s.execute(select(Accident)).scalar_one()
    assert (a.deaths, a.injuries, a.liability, a.egregious, a.description) == (1, 2, True, False, "货车与摩托车相撞")
    assert _count(web_county, OutboxMessage, OutboxMessage.stage == "accident") == 2  # 李镇长 and 县安委办甲, at once
    [entry] = _audit(web_county, "accident_add")
    assert (entry.target, entry.detail) == ("东山镇 2026年2月18日", "道路交通事故，死亡1人，受伤2人")

    csrf = _open(client, "adjustment")
    r = client.post("/console/forms/adjustment", data={"csrf": csrf, "org_code": "T2", "year": "2026", "points": "0",
                                                       "item": "督查发现问题", "reason": ""})
    assert r.status_code == 400 and field_error(r.text, "reason") and not field_error(r.text, "points")
    r = client.post("/console/forms/adjustment", data={"csrf": csrf, "org_code": "T2", "year": "2026", "points": "0",
                                                       "item": "督查发现问题", "reason": "三季度督查台账不全"})
    assert r.status_code == 400 and field_error(r.text, "points").startswith("请填写分值")
    assert _count(web_county, Adjustment) == 0
    r = client.post("/console/forms/adjustment", data={"csrf": csrf, "org_code": "T2", "year": "2026", "points": "-2",
                                                       "item": "督查发现问题", "reason": "三季度督查台账不全"})
    assert r.status_code == 303
    with web_county.session() as s:
        adj = s.execute(select(Adjustment)).scalar_one()
    assert (adj.points, adj.item, adj.reason, adj.source) == (-2.0, "督查发现问题", "三季度督查台账不全", "console")
    [entry] = _audit(web_county, "adjustment_add")
    assert (entry.target, entry.detail) == ("西河乡 2026年 督查发现问题", "-2分：三季度督查台账不全")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_accepting_a_listed_hazards_rectification_opens_its_evaluation(web_county, client):
    make_user(web_county, STAFF, "county_staff")
    signed_in(client, STAFF)
    assert "目前没有待验收的挂牌督办隐患" in client.get("/console/forms/hazard").text
    h = records.add_hazard(web_county, org_code="T1", year=2026, description="东山建筑公司塔吊基础沉降",
                           responsible_person="孙经理", measures="加固基础", deadline=__import__("datetime").date(2026, 3, 31),
                           emergency_plan="停用塔吊", funds="5万元", enterprise_code="E1")
    page = client.get("/console/forms/hazard").text
    assert "东山镇 · 东山建筑公司：东山建筑公司塔吊基础沉降（整改期限2026年3月31日）" in page
    csrf = form_csrf(page)
    r = client.post("/console/forms/hazard", data={"csrf": csrf, "hazard": str(h["id"]), "closed_on": "2026-03-01"})
    assert r.status_code == 400 and field_error(r.text, "closed_on") == "请填写有效的验收日期，且不晚于今天。"
    r = client.post("/console/forms/hazard", data={"csrf": csrf, "hazard": str(h["id"]), "closed_on": "2026-02-19",
                                                   "note": "基础已加固，验收合格"})
    assert r.status_code == 303
    with web_county.session() as s:
        row = s.get(Hazard, h["id"])
        evaluation = s.get(Obligation, row.evaluation_id)
    assert (row.status, row.close_note, evaluation.kind, evaluation.status) == (
        "closed", "基础已加固，验收合格", "hazard_evaluation", "open")
    [entry] = _audit(web_county, "hazard_close")
    assert entry.detail == "2026年2月19日整改验收：基础已加固，验收合格"
    r = client.post("/console/forms/hazard", data={"csrf": csrf, "hazard": str(h["id"]), "closed_on": "2026-02-19"})
    assert r.status_code == 400 and "该隐患已整改验收，无需重复办理。" in r.text
    assert len(_audit(web_county, "hazard_close")) == 1

    # The effect evaluation: its page offers the accepted hazard; a conclusion is required, a date not before
    # the acceptance; recorded once.
    page = client.get("/console/forms/evaluation").text
    assert "东山镇 · 东山建筑公司：东山建筑公司塔吊基础沉降（2026年2月19日验收，评价期限2026年3月21日）" in page
    r = client.post("/console/forms/evaluation", data={"csrf": csrf, "hazard": str(h["id"]), "evaluated_on": "",
                                                       "note": " "})
    assert r.status_code == 400 and field_error(r.text, "evaluated_on") and field_error(r.text, "note")
    r = client.post("/console/forms/evaluation", data={"csrf": csrf, "hazard": str(h["id"]),
                                                       "evaluated_on": "2026-02-18", "note": "复查未见沉降，整改效果良好"})
    assert r.status_code == 400 and field_error(r.text, "evaluated_on").startswith("请填写有效的评价日期")
    r = client.post("/console/forms/evaluation", data={"csrf": csrf, "hazard": str(h["id"]),
                                                       "evaluated_on": "2026-02-20", "note": "复查未见沉降，整改效果良好"})
    assert r.status_code == 303
    with web_county.session() as s:
        assert s.get(Obligation, row.evaluation_id).status == "submitted"
    [entry] = _audit(web_county, "hazard_evaluate")
    assert entry.detail == "2026年2月20日评价：复查未见沉降，整改效果良好"
    assert "目前没有待评价整改效果的挂牌督办隐患" in client.get("/console/forms/evaluation").text
