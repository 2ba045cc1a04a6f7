"""Writes the Word templates under templates/documents/ from the seed responsibility book.

The .docx files are what county IT edits in Word afterwards; this script only makes the first version.
The county↔township book is the seed (scripts/seed/responsibility-book-template.zh.txt) whole: only its
blanks become fields ({{ year }}, {{ township_name }}, the indicators, the signatories), the document
numbers whose brackets the seed lost get them back (国发〔2010〕23号), and the duty report form is its 附件.
The township↔village and township↔unit books follow the same structure with their own duties.
Layout: GB/T 9704 (anquan/reporting/docxkit.py).
Run: .venv/bin/python scripts/make_document_templates.py
"""

from __future__ import annotations

import re
from pathlib import Path

from anquan.reporting import docxkit as kit
from anquan.reporting.bookduties import BOOK_DUTIES
from anquan.reporting.docxkit import BODY, HEADING, PLAIN, SUBHEADING, SUBTITLE, TITLE, add_text

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "documents"
SEED = Path(__file__).resolve().parent / "seed" / "responsibility-book-template.zh.txt"

# The seed's document numbers lost their 〔〕 (and one its year, to the year blank): the documents' real numbers.
DOCUMENT_NUMBERS = {"国发20__23号": "国发〔2010〕23号", "国发201140号": "国发〔2011〕40号",
                    "桂政发201112号": "桂政发〔2011〕12号", "桂政发201140号": "桂政发〔2011〕40号"}
INDICATORS = ("{{ township_name }}{{ year }}年度控制考核指标：事故起数不超过{{ indicators.max_accidents }}起，"
              "死亡人数不超过{{ indicators.max_deaths }}人{% if indicators.max_injuries is not none %}，"
              "受伤人数不超过{{ indicators.max_injuries }}人{% endif %}。")
SIGNED_ON = "签章时间：{{ year }}年2月　日"


def fill(line: str) -> str:
    """A seed line with its blanks as template fields."""
    for seed, number in DOCUMENT_NUMBERS.items():
        line = line.replace(seed, number)
    line = line.replace("20__年7月5日前和20__年1月5日前", "{{ year }}年7月5日前和{{ year + 1 }}年1月5日前")
    return line.replace("20__", "{{ year }}")


def look_of(line: str):
    """A seed line's place in the document: a 一、 heading, a (一) heading (short, no sentence), or a clause."""
    if re.match(r"^[一二三四五六七八九十]+、", line):
        return HEADING
    if re.match(r"^\([一二三四五六七八九十]+\)", line) and "。" not in line and len(line) <= 30:
        return SUBHEADING
    return BODY


def seed_book() -> tuple[list[str], list[str]]:
    """The seed's clauses (title left out) and its signature lines."""
    lines = [x.strip() for x in SEED.read_text(encoding="utf-8").splitlines() if x.strip()]
    first_signature = next(i for i, x in enumerate(lines) if x.startswith("签字人："))
    return lines[1:first_signature], lines[first_signature:]


def duty_form(doc, *, clause_rows: list[tuple[str, str]], title: str, unit: str) -> None:
    """The duty report form (履职报告书) as the book's 附件: one row per duty, left for the township to fill in."""
    kit.page_break(doc)
    add_text(doc, "附件", kit.Look(kit.HEADING_FONT, align="left"))
    add_text(doc, title, TITLE)
    add_text(doc, f"填报单位：{unit}（盖章）", PLAIN)
    add_text(doc, "报告期间：□上半年　□全年", PLAIN)
    rows = [[str(i), f"{clause} {about}", "", ""] for i, (clause, about) in enumerate(clause_rows, start=1)]
    kit.grid_table(doc, ["序号", "责任书条款", "履职情况", "佐证材料（名称、日期）"], rows, [12, 56, 50, 38])
    add_text(doc, "存在问题及下一步措施：", PLAIN)
    for _ in range(3):
        add_text(doc, "", PLAIN)
    add_text(doc, "行政主要负责人（签字）：", PLAIN)
    add_text(doc, "日期：　　年　　月　　日", PLAIN)


def county_township_book() -> None:
    doc = kit.official_document()
    clauses, _signature = seed_book()
    add_text(doc, "{{ county_name }}乡镇安全生产目标责任书", TITLE)
    add_text(doc, "（{{ year }}年度　{{ township_name }}）", SUBTITLE)
    add_text(doc, "", PLAIN)
    for line in clauses:
        add_text(doc, fill(line), look_of(line))
        if line.startswith("杜绝一次死亡10人以上"):  # the township's own indicators, when the county set them
            add_text(doc, "{%p if indicators %}", BODY)
            add_text(doc, INDICATORS, BODY)
            add_text(doc, "{%p endif %}", BODY)
    kit.signature_block(doc, ["{{ county_name }}人民政府（盖章）", "签字人：{{ county_head }}", SIGNED_ON],
                        ["{{ township_name }}人民政府（盖章）", "签字人：{{ township_head }}", SIGNED_ON])
    duty_form(doc, clause_rows=BOOK_DUTIES, title="{{ year }}年乡(镇)级人民政府安全生产工作履职报告书",
              unit="{{ township_name }}人民政府")
    doc.save(OUT / "book_county_township.docx")


VILLAGE_DUTIES = [
    "村民委员会主任对本村安全生产工作负全面责任，村委会其他成员按“一岗双责”要求落实安全生产责任。",
    "配备1名兼职安全员{% if safety_officer %}（{{ safety_officer }}）{% endif %}，协助{{ township_name }}人民政府开展安全生产宣传教育和隐患排查，发现隐患及时报告{{ township_name }}安监办。",
    "配合{{ township_name }}人民政府开展每季度安全生产大检查和节日长假、重要会议期间的安全专项检查，督促本村企业和经营户开展自查自纠。",
    "落实{{ township_name }}人民政府挂牌督办隐患中涉及本村的整改责任，按期完成整改并配合开展整改效果评价。",
    "配合开展非煤矿山、水上交通、道路交通、人员密集场所消防、建筑施工、烟花爆竹和危险化学品等重点行业(领域)专项整治。",
    "发生生产安全事故时，立即报告{{ township_name }}人民政府，并做好先期处置和善后工作。",
]
UNIT_DUTIES = [
    "单位主要负责人对本单位安全生产工作负全面责任，领导班子其他成员按“一岗双责”要求落实安全生产责任。",
    "建立健全本单位安全生产规章制度和岗位安全责任，明确安全管理人员，落实安全生产经费。",
    "每季度开展一次本单位安全检查，节日长假、重要会议和重大活动前开展专项检查，隐患建档立卡并及时整改，检查情况报{{ township_name }}安监办。",
    "加强本单位人员安全教育培训和应急演练；学校、卫生院等人员密集场所落实消防安全措施，保持疏散通道畅通。",
    "落实{{ township_name }}人民政府挂牌督办隐患中涉及本单位的整改责任，按期完成整改。",
    "发生生产安全事故时，立即报告{{ township_name }}人民政府和行业主管部门，并做好先期处置和善后工作。",
]


def township_book(filename: str, *, duties: list[str], own: str) -> None:
    """The township's book with a village committee (own="本村") or a township-level unit (own="本单位").

    The same structure as the county's: preamble, 一、工作职责, 二、控制目标, 三、履职考核, the parties side by side;
    the signatory is the one the book names: the village committee head, or the unit head."""
    doc = kit.official_document()
    add_text(doc, "{{ township_name }}人民政府与{{ org_name }}安全生产目标责任书", TITLE)
    add_text(doc, "（{{ year }}年度）", SUBTITLE)
    add_text(doc, "", PLAIN)
    add_text(doc, "为落实{{ county_name }}人民政府与{{ township_name }}人民政府签订的{{ year }}年度乡镇安全生产目标责任书，"
                  f"加强{own}安全生产工作，落实安全生产责任，{{{{ township_name }}}}人民政府与{{{{ org_name }}}}签订此责任书。"
                  "{{ org_name }}必须履行、完成本责任书中明确的安全生产工作职责、目标任务。具体内容如下：")
    add_text(doc, "一、工作职责", HEADING)
    for i, text in enumerate(duties, start=1):
        add_text(doc, f"{i}、{text}")
    add_text(doc, "二、控制目标", HEADING)
    add_text(doc, f"杜绝较大以上生产安全事故，继续降低事故总量和伤亡人数，{own}年度内各类事故控制在"
                  "{{ township_name }}人民政府下达的控制考核指标以内。")
    add_text(doc, "三、履职考核", HEADING)
    add_text(doc, f"(一){{{{ org_name }}}}履行安全生产工作职责的情况，纳入{{{{ township_name }}}}人民政府年度考核。")
    add_text(doc, "(二){{ township_name }}人民政府每季度结合安全生产大检查对履职情况进行督查，次年1月进行考评，"
                  "做到奖惩兑现。经考核达到合格以上等次的要给予奖励，不合格的要通报批评。")
    add_text(doc, f"(三){own}发生“一票否决”情形的安全生产责任事故或者社会影响特别恶劣的事故，确定为不合格。")
    kit.signature_block(doc, ["{{ township_name }}人民政府（盖章）", "签字人：{{ township_head }}", SIGNED_ON],
                        ["{{ org_name }}（盖章）", "签字人：{{ signatory }}", SIGNED_ON])
    doc.save(OUT / filename)


def duty_report() -> None:
    """The duty report form as sent: one row per duty of the book, what the system knows filled in, room for the rest."""
    doc = kit.official_document()
    add_text(doc, "{{ year }}年乡(镇)级人民政府安全生产工作履职报告书", TITLE)
    add_text(doc, "（{{ period_label }}　{{ township_name }}）", SUBTITLE)
    add_text(doc, "报送对象：{{ county_name }}人民政府、{{ county_name }}安全生产委员会", PLAIN)
    add_text(doc, "报告期间：{{ period_from }}至{{ period_to }}", PLAIN)
    add_text(doc, "一、履职情况", HEADING)
    add_text(doc, "“系统记录”为截至{{ as_of }}系统中的记录，请核对；“工作情况及佐证材料”由乡(镇)填写。")
    # docxtpl repeats the row between the {%tr for %} row and the {%tr endfor %} row.
    kit.grid_table(doc, ["序号", "责任书条款", "系统记录", "工作情况及佐证材料"],
                   [["{%tr for r in rows %}", "", "", ""], ["{{ r.no }}", "{{ r.clause }}", "{{ r.record }}", ""],
                    ["{%tr endfor %}", "", "", ""]], [12, 44, 56, 44], split_rows=True)
    add_text(doc, "二、自检自评", HEADING)
    add_text(doc, "按考核细则自评得分：{{ score }}分（{{ grade }}）{% if vetoed %}，存在一票否决情形{% endif %}。")
    add_text(doc, "扣分项目：{% for d in deductions %}{{ d }}{% if not loop.last %}；{% endif %}{% else %}无{% endfor %}。")
    add_text(doc, "三、存在问题及下一步措施（由乡镇填写）", HEADING)
    for _ in range(4):
        add_text(doc, "", PLAIN)
    kit.signature_block(doc, ["行政主要负责人（签字）：{{ township_head }}", "日期：　　年　　月　　日"],
                        ["{{ township_name }}人民政府（盖章）"])
    doc.save(OUT / "duty_report.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    county_township_book()
    township_book("book_township_village.docx", duties=VILLAGE_DUTIES, own="本村")
    township_book("book_township_unit.docx", duties=UNIT_DUTIES, own="本单位")
    duty_report()
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.docx')))} to {OUT}")
