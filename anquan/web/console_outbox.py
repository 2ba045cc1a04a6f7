"""The outbox for the county office (/console/outbox): the mail not yet delivered with the reason, 重新发送 (one
message, or every one failed since a day: `anquan mail retry`'s use case, audited), the people no mail reaches,
and both lists as .xlsx. County accounts only: a township office's account gets a 404 like every county page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from anquan.console import usecases as console
from anquan.console.export import outbox_workbook, unreachable_workbook
from anquan.console.outbox import STATE_LABELS, STATES
from anquan.web.console import Staff, console_page, posted_form, require, xlsx_response

router = APIRouter()


def _state(text: str | None) -> str | None:
    return text if text in STATES else None


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) <= 6 else 1


def _outbox_page(request: Request, staff: Staff, *, state: str | None, page: int = 1, done: int | None = None,
                 errors: dict | None = None, since: str = "", status: int = 200) -> HTMLResponse:
    a = request.app.state.anquan
    return console_page(request, "outbox.html.j2", staff, {
        "o": console.outbox(a, state=state, page=page), "people": console.unreachable(a), "labels": STATE_LABELS,
        "states": STATES, "done": done, "errors": errors or {}, "since": since, "today": a.today()}, status)


@router.get("/console/outbox")
def outbox(request: Request, s: str | None = None, p: str | None = None, done: str | None = None) -> Response:
    staff = require(request, county=True)
    return _outbox_page(request, staff, state=_state(s), page=_page_number(p),
                        done=int(done) if done and done.isdigit() and len(done) <= 9 else None)


@router.post("/console/outbox/retry")
async def retry(request: Request) -> Response:
    """One message (`message`), or every one failed since a day (`since`, YYYY-MM-DD as a date input sends it)."""
    staff, form, refused = await posted_form(request, county=True)
    if refused:
        return refused
    message, since = str(form.get("message") or ""), str(form.get("since") or "").strip()
    back = _state(str(form.get("s") or ""))
    a = request.app.state.anquan
    if message:
        if not (message.isdigit() and len(message) <= 12):
            return RedirectResponse("/console/outbox", status_code=303)
        kwargs = {"message_id": int(message)}
    else:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            return await run_in_threadpool(lambda: _outbox_page(
                request, staff, state=back, since=since[:20], status=400,
                errors={"since": "请选择日期：重新发送自该日起发送失败的全部邮件。"}))
        if day > a.today():
            return await run_in_threadpool(lambda: _outbox_page(
                request, staff, state=back, since=since, status=400, errors={"since": "日期不能晚于今天。"}))
        kwargs = {"failed_since": day}
    n = await run_in_threadpool(lambda: console.retry_mail(a, actor=staff.actor(request), **kwargs))
    return RedirectResponse(f"/console/outbox?done={n}" + (f"&s={back}" if back else ""), status_code=303)


@router.get("/console/outbox.xlsx")
def outbox_xlsx(request: Request, s: str | None = None) -> Response:
    """Every message of the state chosen (not only the page shown)."""
    require(request, county=True)
    a = request.app.state.anquan
    state = _state(s)
    messages = console.outbox(a, state=state, page=None).messages
    name = f"邮件发送情况（{STATE_LABELS[state]}）.xlsx" if state else "未送达邮件.xlsx"
    return xlsx_response(outbox_workbook(messages, tz=a.settings.tz), name)


@router.get("/console/unreachable.xlsx")
def unreachable_xlsx(request: Request) -> Response:
    require(request, county=True)
    return xlsx_response(unreachable_workbook(console.unreachable(request.app.state.anquan),
                                              tz=request.app.state.anquan.settings.tz), "无有效邮箱人员.xlsx")
