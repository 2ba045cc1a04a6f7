"""The console's tables as .xlsx workbooks (openpyxl; every text kept as text, never a formula)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from anquan.console.ranking import Ranking
from anquan.console.yearview import STATE_LABELS, STATES, Matrix
from anquan.tabular import append_row


def _bytes(wb: Workbook) -> bytes:
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def cell_summary(cell) -> str:
    if cell is None:
        return "—"
    if cell.total == 1:
        return STATE_LABELS[cell.state]
    text = f"{cell.done}/{cell.tracked}"
    return text + (f"，逾期未报{cell.n('overdue')}" if cell.n("overdue") else "")


def matrix_workbook(m: Matrix) -> bytes:
    """Two sheets: the matrix as the page shows it, and one row per township and duty with each state's count."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"{m.year}年全年概览"
    append_row(ws, ["乡镇", *(title for _, title in m.kinds)])
    for t in m.townships:
        append_row(ws, [t.name, *(cell_summary(m.cell(t.id, k)) for k, _ in m.kinds)])
    ws.column_dimensions["A"].width = 14
    detail = wb.create_sheet("明细")
    append_row(detail, ["乡镇", "责任事项", "合计", *(STATE_LABELS[s] for s in STATES)])
    for t in m.townships:
        for kind, title in m.kinds:
            c = m.cell(t.id, kind)
            if c is not None:
                append_row(detail, [t.name, title, c.total, *(c.n(s) for s in STATES)])
    detail.column_dimensions["B"].width = 30
    return _bytes(wb)


def ranking_workbook(r: Ranking) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{r.year}年考核{'预估' if r.provisional else ''}排名"
    append_row(ws, ["名次", "乡镇", "得分", "等次", "一票否决", "扣分项数", "企业风险分析已报", "企业风险分析应报",
                    "完成率（%）"])
    for row in r.rows:
        res = row.result
        append_row(ws, [row.rank, res.org_name, float(res.score), res.grade, "；".join(res.veto_reasons) or "否",
                        len(res.deductions), row.analyses_done, row.analyses_due, row.percent])
    deductions = wb.create_sheet("扣分明细")
    append_row(deductions, ["乡镇", "考核项目", "分值", "依据"])
    for row in r.rows:
        for d in row.result.deductions:
            append_row(deductions, [row.result.org_name, d.item, float(d.points), d.evidence])
    deductions.column_dimensions["D"].width = 60
    return _bytes(wb)
