"""The assessment workbook prints: frozen filtered header, borders, widths, A4 landscape fitted to the width,
the header repeated on each page, Chinese labels only, subtotals per item; and text stays text."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from anquan.assessment.scoring import Assessment, Deduction, TownshipResult
from anquan.assessment.workbook import assessment_workbook


def _assessment() -> Assessment:
    good = TownshipResult(1, "QL01", "石门镇", Decimal(100))
    good.deductions.append(Deduction("季度安全生产大检查", Decimal(-2), "2026年第2季度安全生产大检查总结，逾期3天"))
    poor = TownshipResult(2, "QL02", "=HYPERLINK(\"http://evil.example\",\"龙潭乡\")", Decimal(100))
    for q in (1, 2, 3):
        poor.deductions.append(Deduction("责任书未按时签订", Decimal(-2), f"@第{q}份责任书未按时签订"))
    poor.deductions.append(Deduction("+督查发现问题", Decimal("-1.5"), "县督查组发现问题未整改"))
    poor.veto_reasons.append("2026年3月2日在龙潭乡发生非煤矿山事故，死亡3人")
    return Assessment(2026, date(2027, 1, 15), False, [poor, good], [], notes=["2026年11月30日前到期的事项未纳入系统管理。"])


def _workbook():
    return load_workbook(io.BytesIO(assessment_workbook(_assessment(), county_name="青岚县")))


def test_each_sheet_is_set_up_to_print():
    wb = _workbook()
    assert wb.sheetnames == ["考核汇总", "扣分明细"]
    for ws, header_row, columns in ((wb["考核汇总"], 2, 6), (wb["扣分明细"], 1, 4)):
        assert ws.freeze_panes == f"A{header_row + 1}"
        assert ws.auto_filter.ref.startswith(f"A{header_row}:")
        assert ws.print_title_rows == f"${header_row}:${header_row}"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        header = ws[header_row]
        assert all(c.font.bold and c.fill.fgColor.rgb.endswith("D9D9D9") for c in header[:columns])
        for row in ws.iter_rows(min_row=header_row, max_row=header_row + 2, max_col=columns):
            assert all(c.border.left.style == c.border.bottom.style == "thin" for c in row)
        assert all(ws.column_dimensions[chr(65 + i)].width >= 6 for i in range(columns))
    assert [c.value for c in wb["考核汇总"][2]] == ["排名", "乡（镇）", "得分", "等次", "一票否决", "否决原因"]
    assert [c.value for c in wb["扣分明细"][1]] == ["乡（镇）", "考核项目", "扣分", "依据"]


def test_chinese_labels_only_and_every_formula_like_text_stays_text():
    wb = _workbook()
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.value for c in texts if "QL0" in c.value], "township codes printed"
    assert not [c.value for c in texts if c.value.isascii()], "a label that is not Chinese"
    formula_like = [c for c in texts if c.value.startswith(("=", "+", "-", "@"))]
    assert len(formula_like) >= 5 and all(c.data_type == "s" for c in formula_like)


def test_deductions_have_subtotals_per_item_and_a_total_per_township():
    rows = list(_workbook()["扣分明细"].iter_rows(min_row=2, values_only=True))
    # Ranked: 石门镇 first; the vetoed township last, its three book deductions under one subtotal.
    assert rows[0][:3] == ("石门镇", "季度安全生产大检查", -2) and rows[1][1:3] == ("合计", -2)
    poor = [r for r in rows if r[0].startswith("=HYPERLINK")]
    assert [r[1] for r in poor] == ["责任书未按时签订"] * 3 + ["责任书未按时签订小计（3项）", "+督查发现问题", "合计"]
    assert poor[3][2] == -6 and poor[-1][2] == -7.5
    summary = list(_workbook()["考核汇总"].iter_rows(min_row=3, values_only=True))
    assert summary[0][:5] == (1, "石门镇", 98, "优秀", "否") and summary[1][4:] == ("是", "2026年3月2日在龙潭乡发生非煤矿山事故，死亡3人")
    assert summary[2][0] == "2026年11月30日前到期的事项未纳入系统管理。"
