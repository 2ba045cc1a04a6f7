"""The console's tables as .xlsx workbooks (openpyxl; every text kept as text, never a formula)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from anquan.console.outbox import STATE_LABELS as OUTBOX_LABELS
from anquan.console.ranking import Ranking
from anquan.console.yearview import STATE_LABELS, STATES, Matrix
from anquan.notifications.render import cn_date
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


def moment_text(moment, tz) -> str:
    """A recorded moment (UTC) as the county reads it: 2026年2月20日 08:00."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{cn_date(local.date())} {local:%H:%M}"


def _sheet(title: str, header: list[str], rows, widths: dict[str, int] | None = None) -> bytes:
    """One sheet: a bold header, then the rows (every text kept as text)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    append_row(ws, header)
    for row in rows:
        append_row(ws, row)
    for column, width in (widths or {}).items():
        ws.column_dimensions[column].width = width
    return _bytes(wb)


def outbox_workbook(messages, *, tz) -> bytes:
    """The outbox's messages as the page lists them (anquan.console.outbox.Message)."""
    return _sheet("邮件发送情况", ["收件人", "职务", "邮箱", "主题", "排队时间", "尝试次数", "状态", "原因", "服务器答复",
                                  "发送时间"],
                  ([m.to_name, m.roles, m.to_addr, m.subject, moment_text(m.queued_at, tz), m.attempts,
                    OUTBOX_LABELS[m.state], m.reason, m.server or "", moment_text(m.sent_at, tz)] for m in messages),
                  {"B": 24, "C": 28, "D": 40, "E": 18, "H": 40, "I": 30})


def unreachable_workbook(people, *, tz) -> bytes:
    """The people no mail reaches (anquan.console.outbox.Unreachable), with the phone to call."""
    return _sheet("无有效邮箱人员", ["姓名", "职务", "单位", "所属乡镇", "电话", "邮箱", "原因", "失败时间"],
                  ([p.name, p.title, p.organisation, p.township or "", p.phone or "", p.email, p.reason,
                    moment_text(p.failed_at, tz)] for p in people),
                  {"B": 24, "C": 24, "E": 16, "F": 28, "G": 48, "H": 18})
