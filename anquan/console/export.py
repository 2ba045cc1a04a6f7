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
        # Printed (or made a PDF), a sheet is as wide as a landscape page, however many pages long.
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
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


def _workbook(*sheets: tuple) -> bytes:
    """Sheets of (title, header, rows, {column: width}): a bold header, then the rows (every text kept as text)."""
    wb = Workbook()
    for i, (title, header, rows, widths) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title[:31]
        append_row(ws, header)
        for row in rows:
            append_row(ws, row)
        for column, width in widths.items():
            ws.column_dimensions[column].width = width
    return _bytes(wb)


def _sheet(title: str, header: list[str], rows, widths: dict[str, int] | None = None) -> bytes:
    return _workbook((title, header, rows, widths or {}))


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


def township_workbook(v, *, kind_label) -> bytes:
    """Every table of a township's page (anquan.console.township.TownshipPage), a sheet each."""
    duties = ((title, c.total, *(c.n(st) for st in STATES)) for kind, title in v.row.kinds
              if (c := v.row.cell(v.id, kind)) is not None)
    score = []
    if v.result:
        score = [("合计", float(v.result.score), f"等次：{v.result.grade}" + (
            "；一票否决：" + "；".join(v.result.veto_reasons) if v.result.veto_reasons else ""))]
        score += [(d.item, float(d.points), d.evidence) for d in v.result.deductions]
    months = ((f"{m.month}月", m.owed, m.n("on_time"), m.n("late"), m.n("overdue"),
               f"{m.percent}%" if m.due else "未到期") for m in v.months if m.owed)
    return _workbook(
        ("责任事项", ["责任事项", "合计", *(STATE_LABELS[st] for st in STATES)], duties, {"A": 30}),
        ("考核预估得分" if v.provisional else "考核得分", ["考核项目", "分值", "依据"], score, {"A": 30, "C": 60}),
        ("企业月度风险分析", ["月份", "应报", "按时", "逾期完成", "逾期未报", "完成率"], months, {}),
        ("挂牌督办隐患", ["企业或地点", "隐患", "责任人", "整改期限", "状态", "销号日期", "整改效果评价"],
         ((h.where, h.description, h.responsible_person, cn_date(h.deadline), h.status, cn_date(h.closed_on),
           h.evaluation or "") for h in v.hazards), {"A": 20, "B": 40, "D": 16, "E": 24, "G": 36}),
        ("控制考核指标", ["指标", "控制指标", "截至今日", "情况"],
         ((i.label, i.limit, i.value, i.words) for i in v.indicators), {"D": 28}),
        ("事故", ["日期", "类别", "死亡人数", "受伤人数", "责任事故", "经过"],
         ((cn_date(a["on"]), kind_label(a["kind"]), a["deaths"], a["injuries"], "是" if a["liability"] else "否",
           a["description"] or "") for a in v.accidents), {"A": 16, "F": 50}))


def completion_workbook(c) -> bytes:
    """Enterprises' monthly completion (anquan.console.township.Completion): the rates, and the counts behind them."""
    def rate(m) -> str:
        return "—" if not m.owed else f"{m.percent}%" if m.due else "未到期"

    return _workbook(
        (f"{c.year}年企业风险分析完成率", ["乡镇", *(f"{m}月" for m in range(1, 13))],
         ((t.name, *(rate(m) for m in c.months[t.id])) for t in c.townships), {"A": 14}),
        ("明细", ["乡镇", "月份", "应报", "按时", "逾期完成", "逾期未报", "完成率"],
         ((t.name, f"{m.month}月", m.owed, m.n("on_time"), m.n("late"), m.n("overdue"), rate(m))
          for t in c.townships for m in c.months[t.id] if m.owed), {"A": 14}))


def users_workbook(users, *, role_labels: dict, tz) -> bytes:
    """The console's accounts (anquan.accounts.accounts.UserRow)."""
    return _sheet("工作台账户", ["姓名", "单位", "角色", "账号", "状态", "最近登录"],
                  ((u.name, u.organisation, role_labels.get(u.role, u.role), u.login, "启用" if u.active else "已停用",
                    moment_text(u.last_login_at, tz) or "从未登录") for u in users),
                  {"B": 20, "C": 18, "D": 30, "F": 18})
