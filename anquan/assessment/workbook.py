"""The assessment workbook (考核汇总表), made to be printed: the ranked summary and every deduction.

Each sheet prints on A4 landscape, fitted to the page's width, its header row repeated on every page; on
screen the header stays frozen and carries a filter. Chinese labels only (no codes). The deductions are
grouped by township and by item (考核项目), each item with its subtotal and each township with its total.
Every text is written as text: a name beginning with "=" stays a name (anquan.tabular.append_row).
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from decimal import Decimal

from anquan.assessment.scoring import Assessment
from anquan.tabular import append_row

SUMMARY_COLUMNS = [("排名", 6), ("乡（镇）", 16), ("得分", 9), ("等次", 9), ("一票否决", 10), ("否决原因", 70)]
DETAIL_COLUMNS = [("乡（镇）", 16), ("考核项目", 34), ("扣分", 9), ("依据", 80)]


def _cn_date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _points(value: Decimal) -> float | int:
    f = float(value)
    return int(f) if f.is_integer() else f


def _width(text: str) -> int:
    """A text's width in column units: a Chinese character takes two."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def _fit_rows(ws, *, first_row: int, last_row: int, columns: list[tuple[str, int]]) -> None:
    """Row heights for the wrapped text (LibreOffice and Excel keep a height the file sets, not one it omits)."""
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, max_col=len(columns)):
        lines = max((math.ceil(_width(str(c.value)) / (width * 1.1)) for c, (_, width) in zip(row, columns)
                     if c.value is not None), default=1)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines


def _print_setup(ws, *, header_row: int, last_row: int, columns: list[tuple[str, int]]) -> None:
    """Borders, widths, a frozen filtered header, and A4 landscape fitted to the width with the header repeated."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last_col = get_column_letter(len(columns))
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=header_row, max_row=last_row, max_col=len(columns)):
        for cell in row:
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    _fit_rows(ws, first_row=header_row, last_row=last_row, columns=columns)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{max(last_row, header_row)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _summary(ws, assessment: Assessment, county_name: str) -> None:
    from openpyxl.styles import Font

    title = f"{county_name}{assessment.year}年度乡镇安全生产履职考核汇总表"
    if assessment.provisional:
        title += f"（截至{_cn_date(assessment.as_of)}，暂定）"
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SUMMARY_COLUMNS))
    append_row(ws, [label for label, _ in SUMMARY_COLUMNS])
    for i, r in assessment.ranks():
        append_row(ws, [i, r.org_name, _points(r.score), r.grade, "是" if r.vetoed else "否", "；".join(r.veto_reasons)])
    last = ws.max_row
    for note in assessment.notes:  # below the table, so the filter and the borders stay on the table
        append_row(ws, [note])
    _print_setup(ws, header_row=2, last_row=last, columns=SUMMARY_COLUMNS)


def _details(ws, assessment: Assessment) -> None:
    from openpyxl.styles import Font

    append_row(ws, [label for label, _ in DETAIL_COLUMNS])
    subtotal_rows = []
    for r in assessment.ranked():
        by_item: dict[str, list] = defaultdict(list)
        for d in r.deductions:
            by_item[d.item].append(d)
        for item, ds in by_item.items():
            for d in ds:
                append_row(ws, [r.org_name, item, _points(d.points), d.evidence])
            if len(ds) > 1:
                append_row(ws, [r.org_name, f"{item}小计（{len(ds)}项）", _points(sum(d.points for d in ds)), ""])
                subtotal_rows.append(ws.max_row)
        if r.deductions:
            append_row(ws, [r.org_name, "合计", _points(sum(d.points for d in r.deductions)), ""])
            subtotal_rows.append(ws.max_row)
    _print_setup(ws, header_row=1, last_row=ws.max_row, columns=DETAIL_COLUMNS)
    for row in subtotal_rows:
        for cell in ws[row]:
            cell.font = Font(bold=True)


def assessment_workbook(assessment: Assessment, *, county_name: str) -> bytes:
    """The workbook: 考核汇总 (ranked by score) and 扣分明细 (every deduction, with subtotals)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "考核汇总"
    _summary(ws, assessment, county_name)
    _details(wb.create_sheet("扣分明细"), assessment)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
