"""Writes the Word templates under templates/documents/ from the seed responsibility book.

The .docx files are what county IT edits in Word afterwards; this script only
makes the first version. Fields are Jinja2 (docxtpl): {{ year }}, {{ county_name }},
{{ township_name }}, {{ township_head }}, the indicators table, and so on.
Run: .venv/bin/python scripts/make_document_templates.py
"""

from __future__ import annotations

from pathlib import Path

from anquan.reporting.docxkit import add_paragraph as _p
from anquan.reporting.docxkit import chinese_document as _doc

OUT = Path(__file__).resolve().parent.parent / "templates" / "documents"

DUTIES = [
    "认真履行乡(镇)人民政府安全生产属地管理和分级管理的职责，依法加强对安全生产工作的组织领导，将安全生产纳入本级国民经济和社会发展规划，与经济社会发展各项工作同时规划、同时部署、同步推进、同时总结。",
    "乡(镇)长对本乡(镇)安全生产工作负全面领导责任。主持或者委托分管领导人召开本级人民政府年度和季度安全生产工作会议，并适时召开专题会议，及时研究部署和协调解决本乡(镇)安全生产工作中存在的突出问题。组织指挥事故应急救援。",
    "分管安全生产工作的副乡(镇)长负责领导和支持本级人民政府安监办履行安全生产综合监管职责，督促、检查安全生产法律法规、方针政策和上级工作部署的落实情况。",
    "乡(镇)人民政府领导班子其他成员严格按照“一岗双责”的要求，督促检查、指导所分管部门、行业(领域)落实监管责任，加强安全大检查和安全专项检查，强化隐患排查治理。",
    "持续深入开展安全生产专项整治行动，夯实筑牢安全生产基层基础防线，着力提高企业本质安全水平和事故防范能力。",
    "大力支持、加强乡(镇)安全生产监管机构和执法队伍建设，配备专(兼)职安监人员2人以上。辖区内每个村配备1名兼职安全员，着力提高群防群治能力。",
    "乡(镇)本级财政要建立与本地经济发展规模相适应的安全生产专项资金，保证安全生产监督管理工作的正常经费。",
    "每季度组织开展一次安全生产大检查活动。重要会议、重大活动期间和节日长假期间，组织开展安全专项检查活动和督导各类企业加强自查自纠工作。按时向县人民政府和县安委会报送季度安全生产大检查和各类专项行动工作总结，半年、全年履职报告和自检自评考核情况等材料。",
    "认真落实隐患排查治理分级管理制度，及时确定{{ year }}年度乡(镇)政府挂牌督办治理的隐患项目，落实整改责任、措施、资金、期限、应急预案抓紧整改。隐患整改工程竣工后，要做好整改效果评价，并及时向县安委办报送重大隐患整改进度等信息。",
    "深化重点行业(领域)的安全专项整治。重点是非煤矿山、水上交通、道路交通、人员密集场所消防、建筑施工、烟花爆竹和危险化学品等领域的安全专项整治，严防重特大事故发生。",
    "进一步加强安全生产宣传教育工作，充分利用媒体和开展“安全生产月”活动等，广泛开展安全生产、应急避险和职业健康知识宣传教育活动。",
]
ENTERPRISE_DUTIES = [
    "督促企业依法设立安全管理机构并配齐专(兼)职安全生产管理人员。矿山、建筑施工单位和危险物品的生产、经营、储存单位及从业人员超过300人的企业，要设置安全生产管理专职机构或者配备专职安全生产管理人员。",
    "督促企业建立健全严格的安全生产规章制度，杜绝违章指挥、违规作业、违反劳动纪律的行为。",
    "督促高危行业企业落实安全生产费用提取及使用和安全风险抵押、责任保险等制度。",
    "督促企业经常性开展安全生产隐患自查自纠活动，建档立卡，并组织实施整改工作。",
    "督促企业建立完善安全生产动态监控及预警预报体系，每月进行一次安全生产风险分析。发现事故征兆要立即发布预警信息，落实防范和应急处置措施。对重大危险源和重大隐患要报有关部门备案。",
    "督促企业落实主要负责人和领导班子成员轮流现场带班制度。",
    "督促企业加强安全教育培训。企业主要负责人、安全生产管理人员、特殊工种人员必须经培训考试合格持证上岗。",
    "督促企业按规定配备安全技术人员，落实企业负责人安全生产技术管理负责制。",
]


def county_township_book() -> None:
    doc = _doc()
    _p(doc, "{{ county_name }}乡镇安全生产目标责任书", bold=True, size=20, center=True)
    _p(doc, "（{{ year }}年度 · {{ township_name }}）", size=14, center=True)
    _p(doc, "为加强对安全生产工作的领导，落实安全生产行政责任，强化安全生产目标管理，确保完成{{ year }}年安全生产工作任务，"
            "根据《中华人民共和国安全生产法》和有关规定要求，{{ county_name }}人民政府与{{ township_name }}人民政府签订此责任书。"
            "{{ township_name }}各村民委、乡直有关单位必须履行、完成本责任书中明确的安全生产工作职责、目标任务。具体内容如下：")
    _p(doc, "一、工作职责", bold=True, indent=False)
    _p(doc, "（一）乡(镇)人民政府安全生产综合管理职责", bold=True, indent=False)
    for i, text in enumerate(DUTIES, start=1):
        _p(doc, f"{i}、{text}")
    _p(doc, "（二）督促、指导企业全面加强安全生产管理", bold=True, indent=False)
    for i, text in enumerate(ENTERPRISE_DUTIES, start=1):
        _p(doc, f"{i}、{text}")
    _p(doc, "二、控制目标", bold=True, indent=False)
    _p(doc, "杜绝一次死亡10人以上的重特大事故，有效防范一次死亡3人以上的较大事故。继续降低事故总量和伤亡人数，"
            "年度内各类事故控制在县人民政府下达的控制考核指标以内。{{ township_name }}{{ year }}年度控制考核指标：")
    _p(doc, "{% if indicators %}事故起数不超过{{ indicators.max_accidents }}起；死亡人数不超过{{ indicators.max_deaths }}人"
            "{% if indicators.max_injuries is not none %}；受伤人数不超过{{ indicators.max_injuries }}人{% endif %}。"
            "{% else %}（《{{ year }}年全县安全生产控制考核指标》另行行文下达。）{% endif %}")
    _p(doc, "三、履职考核", bold=True, indent=False)
    _p(doc, "（一）{{ township_name }}人民政府履行安全生产工作职责的情况，作为本乡(镇)安全生产工作绩效的考核内容。")
    _p(doc, "（二）县政府组织督查和考核以本责任书规定的工作职责和控制目标为依据。考核细则另行下发。")
    _p(doc, "（三）安全生产履职考核实行量化计分考核，考评等次分为优秀、良好、合格、不合格4个等次。考核基本分为100分，"
            "考评分90分及以上为优秀，90分以下至80分为良好，80分以下至70分为合格，低于70分不合格。")
    _p(doc, "（四）对有下列情况之一的实行“一票否决”，确定为不合格：1.年度内发生一次死亡10人以上重特大道路交通安全责任事故"
            "或发生两起以上一次死亡5人以上道路交通安全责任事故；2.年度内发生一次死亡5人以上道路交通以外行业安全生产责任事故"
            "或发生两起以上一次死亡3人以上道路交通以外行业安全生产责任事故；3.发生社会影响特别恶劣的事故。")
    _p(doc, "（五）检查考核以“季度检查、阶段督查，年终考核”的方式进行。县每个季度组织督查组对各乡(镇)履职情况进行督查，"
            "次年1月上、中旬对各乡(镇)进行全面考评。")
    _p(doc, "（六）经考核达到合格以上等次的要给予奖励，不合格的要通报批评。")
    _p(doc, "（七）{{ township_name }}人民政府要分别于{{ year }}年7月5日前和{{ year + 1 }}年1月5日前填写好"
            "《{{ year }}年乡(镇)级人民政府安全生产工作履职报告书》，并由行政主要负责人审查签字，分别上报县人民政府和县安全生产委员会。")
    _p(doc, "")
    _p(doc, "{{ county_name }}人民政府（盖章）", indent=False)
    _p(doc, "签字人：________________", indent=False)
    _p(doc, "签章时间：{{ year }}年2月____日", indent=False)
    _p(doc, "")
    _p(doc, "{{ township_name }}人民政府（盖章）", indent=False)
    _p(doc, "签字人：{{ township_head }}________________", indent=False)
    _p(doc, "签章时间：{{ year }}年2月____日", indent=False)
    doc.save(OUT / "book_county_township.docx")


def township_village_book() -> None:
    """The township's book with a village committee or a township-level unit (school, clinic, station…).

    One template for both: the duties differ by `is_village` (a village committee urges and reports what happens
    in the village; a unit answers for its own premises and people), the signatory is the one the book names:
    the village committee head, or the unit head.
    """
    doc = _doc()
    _p(doc, "{{ township_name }}人民政府与{{ org_name }}安全生产目标责任书", bold=True, size=18, center=True)
    _p(doc, "（{{ year }}年度）", size=14, center=True)
    _p(doc, "为落实{{ county_name }}人民政府与{{ township_name }}人民政府签订的{{ year }}年度安全生产目标责任书，{{ township_name }}人民政府与"
            "{{ org_name }}签订此责任书，{{ org_name }}必须履行下列安全生产工作职责：")
    village = [
        "村民委员会主任对本村安全生产工作负全面责任，村委会其他成员按“一岗双责”要求落实安全生产责任。",
        "配备1名兼职安全员{% if safety_officer %}（{{ safety_officer }}）{% endif %}，协助{{ township_name }}人民政府开展安全生产宣传教育和隐患排查，发现隐患及时报告{{ township_name }}安监办。",
        "配合{{ township_name }}人民政府开展每季度安全生产大检查和节日长假、重要会议期间的安全专项检查，督促本村企业和经营户开展自查自纠。",
        "落实{{ township_name }}人民政府挂牌督办隐患中涉及本村的整改责任，按期完成整改并配合开展整改效果评价。",
        "配合开展非煤矿山、水上交通、道路交通、人员密集场所消防、建筑施工、烟花爆竹和危险化学品等重点行业(领域)专项整治。",
        "发生生产安全事故时，立即报告{{ township_name }}人民政府，并做好先期处置和善后工作。",
    ]
    unit = [
        "单位主要负责人对本单位安全生产工作负全面责任，领导班子其他成员按“一岗双责”要求落实安全生产责任。",
        "建立健全本单位安全生产规章制度和岗位安全责任，明确安全管理人员，落实安全生产经费。",
        "每季度开展一次本单位安全检查，节日长假、重要会议和重大活动前开展专项检查，隐患建档立卡并及时整改，检查情况报{{ township_name }}安监办。",
        "加强本单位人员安全教育培训和应急演练；学校、卫生院等人员密集场所落实消防安全措施，保持疏散通道畅通。",
        "落实{{ township_name }}人民政府挂牌督办隐患中涉及本单位的整改责任，按期完成整改。",
        "发生生产安全事故时，立即报告{{ township_name }}人民政府和行业主管部门，并做好先期处置和善后工作。",
    ]
    for i, (v, u) in enumerate(zip(village, unit), start=1):
        _p(doc, f"{i}、{{% if is_village %}}{v}{{% else %}}{u}{{% endif %}}")
    _p(doc, "本责任书履行情况纳入{{ township_name }}人民政府对各村（单位）的年度考核，考核结果按规定给予奖励或者惩罚。")
    _p(doc, "")
    _p(doc, "{{ township_name }}人民政府（盖章）  签字人：{{ township_head }}________", indent=False)
    _p(doc, "{{ org_name }}（盖章）  签字人：{{ signatory }}________", indent=False)
    _p(doc, "签章时间：{{ year }}年2月____日", indent=False)
    doc.save(OUT / "book_township_village.docx")


def duty_report() -> None:
    doc = _doc()
    _p(doc, "{{ year }}年乡(镇)级人民政府安全生产工作履职报告书", bold=True, size=18, center=True)
    _p(doc, "（{{ period_label }} · {{ township_name }}）", size=14, center=True)
    _p(doc, "报送对象：{{ county_name }}人民政府、{{ county_name }}安全生产委员会", indent=False)
    _p(doc, "统计期间：{{ period_from }}至{{ period_to }}（系统截至{{ as_of }}的记录，请核对补充）", indent=False)
    _p(doc, "一、履职情况（系统预填）", bold=True, indent=False)
    # docxtpl repeats the row between the {%tr for %} row and the {%tr endfor %} row.
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["事项", "完成情况", "说明"]):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for r in duties %}"
    for cell, text in zip(table.rows[2].cells, ["{{ r.title }}", "{{ r.status }}", "{{ r.note }}"]):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    _p(doc, "企业每月安全生产风险分析：应报{{ risk.due }}次，已报{{ risk.done }}次，完成率{{ risk.rate }}。")
    _p(doc, "挂牌督办隐患：共{{ hazards.total }}项，已整改销号{{ hazards.closed }}项，在办{{ hazards.open }}项，其中逾期{{ hazards.overdue }}项。")
    _p(doc, "生产安全事故：{{ accidents.count }}起，死亡{{ accidents.deaths }}人，受伤{{ accidents.injuries }}人。")
    _p(doc, "安全监管人员配备：{% if gaps %}存在{{ gaps|length }}处不足：{% for g in gaps %}{{ g }}{% if not loop.last %}；{% endif %}{% endfor %}。{% else %}符合责任书要求。{% endif %}")
    _p(doc, "二、自检自评", bold=True, indent=False)
    _p(doc, "按考核细则自评得分：{{ score }}分（{{ grade }}）{% if vetoed %}，存在一票否决情形{% endif %}。"
            "扣分项目：{% for d in deductions %}{{ d }}{% if not loop.last %}；{% endif %}{% else %}无{% endfor %}。")
    _p(doc, "三、主要工作及存在问题（由乡镇填写）", bold=True, indent=False)
    for _ in range(6):
        _p(doc, "______________________________________________________________________", indent=False)
    _p(doc, "")
    _p(doc, "行政主要负责人（签字）：{{ township_head }}________        {{ township_name }}人民政府（盖章）", indent=False)
    _p(doc, "日期：________年____月____日", indent=False)
    doc.save(OUT / "duty_report.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    county_township_book()
    township_village_book()
    duty_report()
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.docx')))} to {OUT}")
