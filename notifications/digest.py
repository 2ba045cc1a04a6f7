"""A digest an official can use: a summary by kind and township, one compact row per item, the full list as .xlsx.

The tick sends one mail per recipient a day; for a township head or a county clerk that can be hundreds of
items. The mail opens with how many of each kind are due or late in each township and the worst delay, then
lists every item as one row (单位 | 事项 | 截止 | 逾期 | 责任人 | 电话), the recipient's own duties before the ones
they urge or supervise; past ATTACH_OVER items the same rows go along as a workbook to sort and filter.
Nothing is cut off. Works on the tick's MailItem (any object with its attributes); names are written as text
(append_row), never as formulas.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from anquan.tabular import append_row

ATTACH_OVER = 30  # a digest with more items than this carries the full list as .xlsx
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ("单位", "所属乡镇", "事项", "期间", "截止日期", "状态", "责任人", "电话", "报送")


@dataclass
class SummaryLine:
    """How many items of one kind are due in one township, and the worst delay among them."""

    township: str
    title: str
    count: int = 0
    late: int = 0
    worst: int = 0  # the most days late (0: none late)


def short_date(d: date, today: date) -> str:
    """4月5日 within the year of `today`, 2025年12月31日 otherwise: a table column stays narrow."""
    return f"{d.month}月{d.day}日" if d.year == today.year else f"{d.year}年{d.month}月{d.day}日"


def order(items: list) -> list:
    """Own duties first, then those urged or supervised; in each the late before the due, the latest first."""
    return sorted(items, key=lambda i: (not i.own, not i.late, -i.days if i.late else i.days, i.township_name,
                                        i.org_name, i.obligation_id))


def summary(items: list) -> list[SummaryLine]:
    """One line per (township, kind), the townships with the worst delay first."""
    lines: dict[tuple[str, str], SummaryLine] = {}
    for i in items:
        line = lines.setdefault((i.township_name, i.title), SummaryLine(i.township_name, i.title))
        line.count += 1
        if i.late:
            line.late += 1
            line.worst = max(line.worst, i.days)
    worst_of: dict[str, int] = defaultdict(int)
    for line in lines.values():
        worst_of[line.township] = max(worst_of[line.township], line.worst)
    return sorted(lines.values(), key=lambda l: (-worst_of[l.township], l.township, -l.worst, l.title))


def digest_values(items: list, today: date) -> dict:
    """The digest template's values: the ordered items split into own and supervised, and the summary."""
    ordered = order(items)
    return {
        "items": ordered,
        "own_items": [i for i in ordered if i.own],
        "other_items": [i for i in ordered if not i.own],
        # The county supervises (督办) what townships and enterprises leave late; a township urges (督促).
        "urge_word": "督办" if any(i.audience == "county" for i in ordered) else "督促",
        "summary": summary(items),
        "worst": max((i.days for i in items if i.late), default=0),
        "short_date": lambda d: short_date(d, today),
        "attached": None,
    }


def digest_workbook(items: list, today: date) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of the whole list: a header row and one row per item, in the mail's order."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "待办事项"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i in order(items):
        append_row(ws, (i.org_name, i.township_name, i.title, i.period_label,
                   f"{i.due_on.year}年{i.due_on.month}月{i.due_on.day}日", i.when_label, i.owner_person or "",
                   i.owner_phone or "", i.report_to or ""))
    for column, width in zip("ABCDEFGHI", (28, 10, 28, 16, 14, 10, 10, 14, 16)):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    name = f"安全生产待办事项清单（{today.year}年{today.month}月{today.day}日）.xlsx"
    return name, XLSX_TYPE, buf.getvalue()
