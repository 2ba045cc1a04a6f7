"""Fixed values for every mail template, for the golden snapshots in tests/testdata/mail/.

No database and no clock: each case is what the code that sends the mail would hand the template, written out
by hand (rows become model instances or dicts, as in production). `render_case` renders a case through the same
function production uses: `render` for the tick's mails (reminder, escalation, digest), `render_named` for the rest.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from anquan.cycle.golive import BaselineLine
from anquan.assessment.mailing import Issue
from anquan.assessment.scoring import Assessment, Deduction, TownshipResult
from anquan.models.directory import Organisation
from anquan.models.obligations import Obligation
from anquan.models.records import Accident, Campaign, MajorEvent, RiskAlert
from anquan.reporting.roundplan import checklist
from anquan.notifications.render import Answer, MailContext, MailItem, Rendered, fill_answer, render, render_named
from anquan.vocabulary import role_title

COUNTY = Organisation(id=1, code="QL", name="青岚县", kind="county")
TOWNSHIP = Organisation(id=2, code="QL01", name="石门镇", kind="township", parent_id=1)
ENTERPRISE = Organisation(id=4, code="QL01E001", name="青岚县石门建筑工程有限公司", kind="enterprise", parent_id=2,
                          township_id=2, sector="construction", employees=120)


def mail_item(**kw) -> MailItem:
    base = dict(
        obligation_id=4045, kind="midyear_report", title="半年安全生产履职报告书及自检自评",
        action="填写半年安全生产工作履职报告书及自检自评材料，由行政主要负责人审查签字后报县人民政府和县安委会。",
        org_code="QL01", org_name="石门镇", owner_name="石门镇", period="2026", due_on=date(2026, 7, 5),
        stage="reminder-7", stage_kind="reminder", days=7, recipient_role="township_head", township_name="石门镇",
        report_to="青岚县安委办",
    )
    base.update(kw)
    return MailItem(**base)


# The tick's mails: a MailContext each, rendered by `render` (which picks the template).
TICK_CASES: dict[str, MailContext] = {
    "reminder": MailContext("李明", "li.ming@qinglan.example", date(2026, 6, 28), [mail_item()], to_title="石门镇镇长"),
    "escalation": MailContext("王芳", "wang.fang@qinglan.example", date(2026, 4, 10), [mail_item(
        obligation_id=376, kind="monthly_risk_analysis", title="企业每月安全生产风险分析", action="开展本月安全生产风险分析。",
        org_code="QL01E001", org_name="青岚县石门建筑工程有限公司", owner_name="青岚县石门建筑工程有限公司",
        period="2026-03", due_on=date(2026, 3, 31), stage="escalation-3", stage_kind="escalation", days=10,
        recipient_role="deputy_head_safety", fallback_from="safety_office", also_told="赵强（青岚县安委办）",
        audience="supervise", owner_person="孙经理", owner_phone="13800000001", report_to="石门镇安监办",
        history="4月3日已提醒企业主要负责人孙经理等2人")], to_title="石门镇分管安全副镇长"),
    "digest": MailContext("陈军", "chen.jun@qinglan.example", date(2026, 4, 20), [
        mail_item(obligation_id=10, kind="quarterly_inspection", title="季度安全生产大检查及总结报送", period="2026-Q1",
              due_on=date(2026, 4, 5), stage="escalation-3", stage_kind="escalation", days=15, action="报送检查总结。"),
        mail_item(obligation_id=11, kind="holiday_inspection", title="节日长假前安全专项检查", period="2026-labour_day",
              due_on=date(2026, 4, 30), stage="reminder-14", stage_kind="reminder", days=10, action="开展节前检查。"),
        mail_item(obligation_id=376, kind="monthly_risk_analysis", title="企业每月安全生产风险分析", period="2026-03",
              org_code="QL01E001", org_name="青岚县石门建筑工程有限公司", owner_name="青岚县石门建筑工程有限公司",
              due_on=date(2026, 3, 31), stage="escalation-2", stage_kind="escalation", days=20, audience="supervise",
              owner_person="孙经理", owner_phone="13800000001", report_to="石门镇安监办", action="开展风险分析。"),
    ], to_title="石门镇镇长"),
}


def _assessment() -> Assessment:
    t1 = TownshipResult(org_id=2, org_code="QL01", org_name="石门镇", base=Decimal(100), deductions=[
        Deduction("季度安全生产大检查及总结报送", Decimal("-2"), "2026年第2季度安全生产大检查及总结报送（2026年7月10日报告，逾期5天）"),
        Deduction("企业每月安全生产风险分析", Decimal("-1.5"), "完成率85.0%，低于90%"),
        Deduction("县安委会加分", Decimal("1"), "县安委会认定：汛期抢险表现突出"),
    ])
    t2 = TownshipResult(org_id=5, org_code="QL02", org_name="龙潭乡", base=Decimal(100), veto_reasons=[
        "发生两起以上一次死亡3人以上道路交通以外行业安全生产责任事故（事故：2026年8月3日，死亡3人；2026年9月1日，死亡4人）"])
    return Assessment(year=2026, as_of=date(2027, 1, 15), provisional=False, results=[t1, t2],
                      county_targets=["全县生产安全事故起数控制在12起以内", "死亡人数控制在6人以内"])


def named_cases() -> dict[str, dict]:
    """The other mails: template name → the values the sending code passes to `render_named`."""
    a = _assessment()
    ranked = a.ranked()
    campaign = Campaign(id=3, key="k", name="烟花爆竹安全专项整治", sectors="fireworks,hazardous_chemicals", townships="QL01",
                        starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 31), summary_due=date(2027, 2, 10))
    sectors = "烟花爆竹、危险化学品"
    hazards = [
        {"org_name": "石门镇", "description": "脚手架基础不稳", "enterprise_name": "青岚县石门建筑工程有限公司", "place": None,
         "responsible_person": "张伟", "deadline": "2026-09-30", "funds": "5万元", "status": "open", "overdue": True,
         "closed_on": None},
        {"org_name": "石门镇", "description": "河道护栏缺失", "enterprise_name": None, "place": "石门村渡口",
         "responsible_person": "刘洋", "deadline": "2026-12-31", "funds": None, "status": "open", "overdue": False,
         "closed_on": None},
        {"org_name": "龙潭乡", "description": "液化气储罐区未设防火堤", "enterprise_name": "龙潭燃气有限公司", "place": None,
         "responsible_person": "陈刚", "deadline": "2026-08-31", "funds": "12万元", "status": "closed", "overdue": False,
         "closed_on": "2026-08-20"},
    ]
    return {
        "baseline": {"to_name": "赵强", "to_title": role_title("county_office", "青岚县"), "county_name": "青岚县", "go_live": date(2026, 11, 30),
                     "tick_date": date(2026, 11, 30), "total": 27, "lines": [
                         BaselineLine("县本级", "county_supervision", "县督查组季度督查", 3, date(2026, 3, 31), date(2026, 9, 30)),
                         BaselineLine("石门镇", "book_signing", "签订安全生产目标责任书", 1, date(2026, 2, 28), date(2026, 2, 28)),
                         BaselineLine("石门镇", "monthly_risk_analysis", "企业每月安全生产风险分析", 23, date(2026, 1, 31),
                                      date(2026, 10, 31))]},
        "accident": {"to_name": "李明", "to_title": role_title("township_head", "石门镇"), "township": TOWNSHIP, "level": "一般事故",
                     "kind_label": "道路交通以外行业",
                     "a": Accident(id=12, org_id=2, occurred_on=date(2026, 3, 3), kind="other", deaths=1, injuries=2,
                                   liability=True, egregious=False, description="施工现场高处坠落")},
        "assessment_result": {"to_name": "李明", "to_title": role_title("township_head", "石门镇"), "r": ranked[0], "a": a, "rank": 1,
                              "total": len(ranked), "objections_until": date(2027, 1, 22)},
        "assessment_summary": {"to_name": "赵强", "to_title": role_title("county_office", "青岚县"), "a": a, "ranked": ranked, "county": COUNTY,
                               "issue": Issue(draft=True, review_url="https://anquan.qinglan.example/console/assessment?y=2026")},
        "book": {"to_name": "李明", "role_label": "乡镇长", "org": TOWNSHIP, "year": 2026,
                 "ob": Obligation(id=21, due_on=date(2026, 2, 28)), "to_title": "石门镇镇长", "return_to": "青岚县安委办"},
        "campaign_enterprise": {"c": campaign, "sector_labels": sectors, "to_name": "孙经理", "to_title": role_title("enterprise_principal", "青岚县石门烟花爆竹经营部"),
                                "township": TOWNSHIP, "enterprise_name": "青岚县石门烟花爆竹经营部"},
        "campaign_township": {"c": campaign, "sector_labels": sectors, "to_name": "王芳", "to_title": role_title("safety_office", "石门镇"),
                              "township": TOWNSHIP, "enterprise_count": 4, "obligation_id": 5120},
        "hazard_digest": {"to_name": "赵强", "to_title": role_title("county_office", "青岚县"), "county_name": "青岚县", "hazards": hazards,
                          "year": 2026, "month": 10, "open": 2, "overdue": 1, "closed": 1},
        "indicator_warning": {"to_name": "李明", "to_title": role_title("township_head", "石门镇"), "township": TOWNSHIP, "year": 2026,
                              "level_label": "已达到80%",
                              "s": {"metric": "deaths", "label": "死亡人数", "value": 4, "limit": 5, "share": 0.8}},
        "major_event_township": {"to_name": "王芳", "to_title": role_title("safety_office", "石门镇"), "township": TOWNSHIP,
                                 "e": MajorEvent(id=2, key="k", name="全县重点项目集中开工仪式", townships="QL01",
                                                 starts_on=date(2026, 12, 14), ends_on=date(2026, 12, 15)),
                                 "due_on": date(2026, 12, 11), "obligation_id": 5133, "enterprise_count": 17,
                                 "action": "组织开展重大活动前安全专项检查，重点检查人员密集场所、消防和用电安全。"},
        "risk_alert": {"to_name": "王芳", "to_title": role_title("safety_office", "石门镇"), "enterprise": ENTERPRISE, "township": TOWNSHIP,
                       "a": RiskAlert(id=8, key="k", org_id=4, kind="warning_sign", description="仓库温度异常升高，烟感报警两次",
                                      measures="已停止作业，组织排查", reported_on=date(2026, 11, 28)),
                       "kind_label": "事故征兆", "sector_label": "建筑施工", "also_told": "赵强（青岚县安委办）",
                       "enterprise_contacts": [
                           {"name": "孙经理", "role_label": "企业主要负责人", "phone": "13800000001", "email": "boss@e1.example"},
                           {"name": "吴安全", "role_label": "企业安全管理人员", "phone": None, "email": "safety@e1.example"}]},
        "report_returned": {"to_name": "孙经理", "to_title": role_title("enterprise_principal", "青岚县石门建筑工程有限公司"), "org_name": ENTERPRISE.name,
                            "title": "企业每月安全生产风险分析", "period_label": "2026年10月",
                            "submitted_on": date(2026, 10, 29), "returned_on": date(2026, 11, 3),
                            "reason": "未写明3号仓库温度异常的处置措施，请补充整改情况和现场照片。",
                            "due_on": date(2026, 10, 31), "days_left": -3, "by_name": "王芳", "by_title": "石门镇安监办",
                            "by_phone": "0571-8888 2345", "by_email": "wangfang@qinglan.example"},
        "risk_completion": {"to_name": "王芳", "to_title": role_title("safety_office", "石门镇"), "year": 2026, "month": 10, "t": {
            "org_code": "QL01", "org_name": "石门镇", "due": 20, "done": 18, "rate": 0.9,
            "missing": [{"code": "QL01E007", "name": "石门镇红星砖厂"}, {"code": "QL01E012", "name": "青岚县石门运输有限公司"}]}},
        "round_county": {"to_name": "赵强", "role_label": "县安委办", "county_name": "青岚县", "year": 2026, "quarter": 2,
                         "to_title": "青岚县安委办", "plan": [
                             {"township": TOWNSHIP, "enterprises": 20, "key": 6, "visit_on": date(2026, 5, 6),
                              "problems": ["企业每月安全生产风险分析逾期未报3项，最长12天", "挂牌督办隐患2项未销号，其中1项已过整改期限"],
                              "duties": [
                                 {"kind": "quarterly_meeting", "title": "季度安全生产工作会议", "due_on": date(2026, 6, 30), "id": 401},
                                 {"kind": "quarterly_inspection", "title": "季度安全生产大检查及总结报送", "due_on": date(2026, 7, 5), "id": 412}]},
                             {"township": Organisation(id=5, code="QL02", name="龙潭乡", kind="township"), "enterprises": 9,
                              "key": 0, "duties": [], "problems": [], "visit_on": date(2026, 5, 7)}]},
        "round_enterprise": {"to_name": "孙经理", "role_label": "企业主要负责人", "enterprise": ENTERPRISE,
                             "to_title": "青岚县石门建筑工程有限公司主要负责人", "township": TOWNSHIP, "year": 2026,
                             "quarter": 2, "self_check_due": date(2026, 6, 15), "checks": checklist("construction")},
        "round_township": {"to_name": "李明", "role_label": "乡镇长", "to_title": "石门镇镇长", "township": TOWNSHIP,
                           "year": 2026, "quarter": 2, "self_check_due": date(2026, 6, 15),
                           "follow_up": {"enterprises": 20, "due": [date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)]},
                           "items": [
                               {"kind": "quarterly_inspection", "title": "季度安全生产大检查及总结报送", "period_label": "2026年第1季度",
                                "due_on": date(2026, 4, 5), "id": 398},
                               {"kind": "holiday_inspection", "title": "节日长假前安全专项检查", "period_label": "2026年劳动节前",
                                "due_on": date(2026, 4, 30), "id": 405},
                               {"kind": "quarterly_meeting", "title": "季度安全生产工作会议", "period_label": "2026年第2季度",
                                "due_on": date(2026, 6, 30), "id": 401},
                               {"kind": "quarterly_inspection", "title": "季度安全生产大检查及总结报送", "period_label": "2026年第2季度",
                                "due_on": date(2026, 7, 5), "id": 412}],
                           "key_sector": {"建筑施工": ["青岚县石门建筑工程有限公司"],
                                          "烟花爆竹": ["青岚县石门烟花爆竹经营部", "石门镇鞭炮批发部"]}},
    }


# What the outbox fills into every footer: a fixed personal link and the county office to call.
ANSWER = Answer(link="https://anquan.qinglan.example/l/WzE3LDBd.aSnKcA.fixed-signature-for-snapshots",
                office_contact="赵强", office_phone="0571-8888 1234", link_days=60)


# The county office's own people are not told to call their own office.
AT_OFFICE = {"assessment_summary", "baseline", "hazard_digest", "round_county"}


def render_case(name: str) -> Rendered:
    """Render one case through production's own functions, the footer filled as the outbox fills it."""
    answer = replace(ANSWER, own_office=True) if name in AT_OFFICE else ANSWER
    if name in TICK_CASES:
        return fill_answer(render(TICK_CASES[name]), answer)
    return fill_answer(render_named(name, named_cases()[name]), answer)


def case_names() -> list[str]:
    return sorted([*TICK_CASES, *named_cases()])


def snapshot_text(r: Rendered) -> str:
    """The snapshot file's content: subject, plain text, then the HTML."""
    return f"Subject: {r.subject}\n\n{r.text}\n----- html -----\n{r.html}"
