"""The assessment as documents: the county's notice (通报); the workbook is in anquan.assessment.workbook."""

from __future__ import annotations

import io
from datetime import date

from anquan.assessment.scoring import EXCELLENT, FAIL, GOOD, PASS, Assessment
from anquan.assessment.workbook import assessment_workbook

__all__ = ["assessment_notice", "assessment_workbook"]


def assessment_notice(assessment: Assessment, *, county_name: str, issued_on: date) -> bytes:
    """The county's notice of the results: the commendation list (合格 or better) and the criticism list (不合格)."""
    from anquan.reporting.docxkit import add_paragraph, chinese_document

    doc = chinese_document()

    def para(text: str, **kw):
        return add_paragraph(doc, text, **kw)

    y = assessment.year
    ranked = assessment.ranked()
    para(f"{county_name}安全生产委员会", bold=True, size=22, center=True)
    para(f"关于{y}年度乡镇安全生产履职考核结果的通报", bold=True, size=16, center=True)
    para("各乡（镇）人民政府，县安委会各成员单位：", indent=False)
    para(
        f"根据《乡镇安全生产目标责任书》和县政府下发的考核细则，按照“季度检查、阶段督查、年终考核”的方式，"
        f"县安委会于{issued_on.year}年{issued_on.month}月对各乡（镇）{y}年度安全生产履职情况进行了全面考评。考核实行量化计分，基本分100分，"
        f"90分及以上为优秀，80分至90分以下为良好，70分至80分以下为合格，低于70分为不合格；"
        f"对发生一票否决情形的，确定为不合格。现将考核结果通报如下："
    )
    para("一、考核结果", bold=True, indent=False)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["排名", "乡（镇）", "得分", "等次", "备注"]):
        cell.text = text
    for i, r in assessment.ranks():
        cells = table.add_row().cells
        for cell, text in zip(cells, [str(i), r.org_name, f"{float(r.score):g}", r.grade, "一票否决" if r.vetoed else ""]):
            cell.text = text
    praised = [r for r in ranked if r.grade in (EXCELLENT, GOOD, PASS)]
    criticised = [r for r in ranked if r.grade == FAIL]
    para("二、通报表扬", bold=True, indent=False)
    if praised:
        for grade in (EXCELLENT, GOOD, PASS):
            names = "、".join(r.org_name for r in praised if r.grade == grade)
            if names:
                para(f"考核等次为{grade}的乡（镇）：{names}。")
        para("对以上考核合格以上等次的乡（镇）给予通报表扬，并按规定给予奖励。")
    else:
        para("本年度无考核合格以上等次的乡（镇）。")
    para("三、通报批评", bold=True, indent=False)
    if criticised:
        for r in criticised:
            why = "；".join(r.veto_reasons) if r.vetoed else f"考核得分{float(r.score):g}分，低于70分"
            para(f"{r.org_name}：{why}。")
        para("对以上考核不合格的乡（镇）予以通报批评，责令其认真查找原因，限期整改，并将整改情况书面报县安委会。")
    else:
        para("本年度无考核不合格的乡（镇）。")
    if assessment.county_targets:
        para("四、全县控制目标完成情况", bold=True, indent=False)
        for t in assessment.county_targets:
            para(t + "。")
    para("希望各乡（镇）以先进为榜样，进一步落实安全生产属地管理责任，扎实做好各项安全生产工作，确保全县安全生产形势持续稳定好转。")
    para(f"附件：{y}年度乡镇安全生产履职考核扣分明细（见考核汇总表）", indent=False)
    para(f"{county_name}安全生产委员会", right=True)
    para(f"{issued_on.year}年{issued_on.month}月{issued_on.day}日", right=True)
    if assessment.provisional:
        para(f"（暂定结果：截至{assessment.as_of.isoformat()}，本年度尚有事项未到期。）", indent=False)
    for note in assessment.notes:
        para(f"（{note}）", indent=False)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
