"""A township's console page with its listed hazards (整改期限, status, overdue in words) and its accidents against
the county's control indicators; the page's tables as one workbook; a township office sees only its own."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from anquan.models.records import ControlIndicator
from anquan.records import usecases as records
from tests.support.console import make_user, signed_in
from tests.support.web import obligation

ADMIN = "office@county.example"
T1_OFFICE = "so1@t1.example"  # 东山镇 (T1)


def _records(app) -> int:
    """东山镇: a hazard 6 days past its deadline, one closed, one still in time; one road accident (1 dead, 2 hurt)
    against indicators of 1 accident and 1 death (both reached) and 5 injuries. The closed hazard's id."""
    late = records.add_hazard(app, org_code="T1", year=2026, description="=SUM(A1)边坡松动", responsible_person="李镇长",
                              measures="削坡减载", deadline=date(2026, 2, 14), emergency_plan="撤离预案", funds="3万元",
                              place="石场村采石场")
    records.add_hazard(app, org_code="T1", year=2026, description="仓库消防通道堵塞", responsible_person="王安监",
                       measures="清理通道", deadline=date(2026, 3, 31), emergency_plan="疏散预案", funds="0.5万元",
                       enterprise_code="E1")
    closed = records.add_hazard(app, org_code="T1", year=2026, description="配电箱老化", responsible_person="王安监",
                                measures="更换配电箱", deadline=date(2026, 2, 10), emergency_plan="断电预案", funds="1万元",
                                place="镇农贸市场")
    records.close_hazard(app, hazard_id=closed["id"], closed_on=date(2026, 2, 9), note="已更换")
    records.record_accident(app, org_code="T1", occurred_on=date(2026, 1, 18), kind="road_traffic", deaths=1,
                            injuries=2, description="镇道货车侧翻", today=date(2026, 1, 18))
    with app.session() as s:
        s.add(ControlIndicator(org_id=obligation(app, "T1", "book_signing").org_id, year=2026, max_accidents=1,
                               max_deaths=1, max_injuries=5))
    assert late["deadline"] == "2026-02-14"
    return closed["id"]


def test_the_township_page_lists_hazards_and_accidents_against_the_indicators(web_county, client):
    closed = _records(web_county)
    make_user(web_county, ADMIN, "county_admin")
    make_user(web_county, T1_OFFICE, "township_office")
    t1, t2 = obligation(web_county, "T1", "book_signing").org_id, obligation(web_county, "T2", "book_signing").org_id
    signed_in(client, ADMIN)
    html = client.get(f"/console/township?y=2026&t={t1}").text
    hazards = html.split("<h2>挂牌督办隐患</h2>")[1].split("</section>")[0]
    assert hazards.index("配电箱老化") < hazards.index("=SUM(A1)边坡松动") < hazards.index("仓库消防通道堵塞")  # by deadline
    assert '<span class="late-text">逾期未整改（已逾期6天）</span>' in hazards  # 20 February: 6 days
    assert "已整改销号（2026年2月9日）" in hazards and "整改中" in hazards and "2026年3月31日" in hazards
    assert hazards.count("待整改效果评价（") == 1  # the accepted one: its effect evaluation is still to do
    accidents = html.split("<h2>事故与控制考核指标</h2>")[1].split("</section>")[0]
    assert accidents.count("已达到控制指标") == 2 and "在控制指标以内" in accidents
    assert "2026年1月18日" in accidents and "道路交通" in accidents and "镇道货车侧翻" in accidents
    records.evaluate_hazard(web_county, hazard_id=closed, note="整改有效", evaluated_on=date(2026, 2, 19))
    assert "已完成整改效果评价（2026年2月19日）" in client.get(f"/console/township?y=2026&t={t1}").text
    other = client.get(f"/console/township?y=2026&t={t2}").text
    assert "没有挂牌督办隐患" in other and "尚未下达2026年控制考核指标" in other and "没有事故记录" in other

    r = client.get(f"/console/township.xlsx?y=2026&t={t1}")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == ["责任事项", "考核预估得分", "企业月度风险分析", "挂牌督办隐患", "控制考核指标", "事故"]
    rows = list(wb["挂牌督办隐患"].iter_rows(values_only=True))
    assert rows[2][:5] == ("石场村采石场", "=SUM(A1)边坡松动", "李镇长", "2026年2月14日", "逾期未整改（已逾期6天）")
    assert wb["挂牌督办隐患"]["B3"].data_type == "s"  # text, never a formula
    assert list(wb["事故"].iter_rows(values_only=True))[1][:4] == ("2026年1月18日", "道路交通", 1, 2)
    assert list(wb["控制考核指标"].iter_rows(values_only=True))[1] == ("事故起数", 1, 1, "已达到控制指标")

    client.cookies.clear()
    signed_in(client, T1_OFFICE)
    assert "逾期未整改（已逾期6天）" in client.get("/console/township").text
    assert client.get("/console/township.xlsx").status_code == 200
    assert client.get(f"/console/township.xlsx?t={t2}").status_code == 404
