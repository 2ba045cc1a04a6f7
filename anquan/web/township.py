"""The township safety office's pages (乡镇监管): its enterprises' and villages' reports, returning one (退回),
recording one on an organisation's behalf (代报).

Each route parses, calls one use case (anquan.cycle.usecases for the view, a report and a return;
anquan.records.usecases.report_on_behalf for a report on behalf) and renders a page. Whatever the person
does not oversee — another township's, the township's own duties, anything for a person who oversees
nothing — is a 404, however it is asked for.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from anquan.cycle.mine import NotYours
from anquan.cycle.returns import REASON_MAX, NotReturnable
from anquan.cycle.usecases import evidence_file, overseen_report, return_report, township_page
from anquan.errors import AnquanError
from anquan.models.directory import Contact
from anquan.records.usecases import report_on_behalf
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS
from anquan.web.app import page
from anquan.web.mypage import FINDINGS, NOTE_MAX, _check_date, _obligation_id, _signed_in, _signin_page, client_addr
from anquan.web.security import PageSession, csrf_ok
from anquan.web.uploads import ACCEPTED_LABEL, UploadRejected, save_uploads

router = APIRouter()
# What an evidence file is served as, by the suffix it was stored under (its type as read from its content).
MEDIA_TYPES = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ofd": "application/ofd",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _number(text: str | None, default: int | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 9 else default


def _busy(request: Request) -> HTMLResponse:
    return page(request, "error.html.j2", {"title": "操作过于频繁", "message": "请稍后再试。"}, 429)


def _expired(request: Request) -> HTMLResponse:
    return page(request, "error.html.j2", {"title": "页面已过期", "message": "请返回乡镇监管页面，刷新后重新提交。"}, 403)


@router.get("/township")
def township(request: Request, t: str | None = None, month: str | None = None, show: str = "all",
             p: str | None = None) -> Response:
    """The month's enterprise reports (a page of them) and the villages' and units' duties of the year."""
    signed = _signed_in(request)
    if signed is None:
        return _signin_page(request)
    ps, contact = signed
    a = request.app.state.anquan
    if t is not None and _number(t, None) is None:
        raise HTTPException(404)
    try:
        view = township_page(a, contact=contact, township_id=_number(t, None), month=month, show=show,
                             page=_number(p, 1))
    except NotYours:
        raise HTTPException(404) from None

    def link(**change) -> str:
        values = {"t": view.township.id, "month": f"{view.year}-{view.month:02d}", "show": view.show, "p": view.page}
        values.update(change)
        return "/township?" + urlencode(values)

    return page(request, "township.html.j2", {"view": view, "today": a.today(), "csrf": ps.csrf, "link": link})


def _report_page(request: Request, ps: PageSession, contact: Contact, oid: int, *, errors: dict | None = None,
                 form: dict | None = None, status: int = 200, done: str | None = None) -> HTMLResponse:
    a = request.app.state.anquan
    try:
        row, township = overseen_report(a, contact=contact, obligation_id=oid)
    except NotYours:
        raise HTTPException(404) from None
    return page(request, "overseen.html.j2", {
        "row": row, "township": township, "today": a.today(), "csrf": ps.csrf, "errors": errors or {},
        "form": form or {}, "done": done, "reason_max": REASON_MAX, "accepted": ACCEPTED_LABEL,
        "max_files": a.settings.upload_max_files, "max_mb": a.settings.upload_max_mb,
        "month": _month_of(row),
    }, status)


def _month_of(row) -> str | None:
    """The township page's month for a row (the enterprise's month; a village's book: none, this month)."""
    return row.due_on.strftime("%Y-%m") if row.kind == MONTHLY_RISK_ANALYSIS else None


@router.get("/township/{obligation}")
def overseen(request: Request, obligation: str, done: str | None = None) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _signin_page(request)
    return _report_page(request, *signed, _obligation_id(obligation), done=done if done in ("returned", "proxy") else None)


@router.get("/township/{obligation}/files/{submission}")
def evidence(request: Request, obligation: str, submission: str) -> Response:
    """An evidence file of an overseen report, as a download under the name it came with."""
    signed = _signed_in(request)
    if signed is None:
        return _signin_page(request)
    oid, sid = _obligation_id(obligation), _obligation_id(submission)
    try:
        path, name = evidence_file(request.app.state.anquan, contact=signed[1], obligation_id=oid, submission_id=sid)
    except NotYours:
        raise HTTPException(404) from None
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
                        filename=name, content_disposition_type="attachment")


async def _form_of(request: Request, oid: int, *, max_files: int = 0, max_bytes: int = 0):
    """The signed-in overseer, the form and its CSRF check; or the response that ends the request."""
    signed = await run_in_threadpool(_signed_in, request)
    if signed is None:
        return None, _signin_page(request)
    ps, contact = signed
    a = request.app.state.anquan
    try:  # not theirs: a 404 before anything is read or counted
        row, _township = await run_in_threadpool(lambda: overseen_report(a, contact=contact, obligation_id=oid))
    except NotYours:
        raise HTTPException(404) from None
    if max_files and int(request.headers.get("content-length") or 0) > max_files * max_bytes + (1 << 20):
        return None, await run_in_threadpool(_report_page, request, ps, contact, oid, status=413,
                                             errors={"files": "上传内容过大。"})
    if not request.app.state.oversight_limit.allow(f"contact:{contact.id}"):
        return None, _busy(request)
    try:
        form = await request.form(max_files=max_files + 1 if max_files else 0, max_fields=12,
                                  max_part_size=64 * 1024)
    except Exception:  # malformed multipart, or more parts than allowed
        return None, await run_in_threadpool(_report_page, request, ps, contact, oid, status=400,
                                             errors={"files": f"无法读取表单：一次最多上传 {max_files} 个文件。"})
    if not csrf_ok(ps, form.get("csrf")):
        await form.close()
        return None, _expired(request)
    return (ps, contact, form, row), None


@router.post("/township/{obligation}/return")
async def return_it(request: Request, obligation: str) -> Response:
    """退回: the reason is required; the duty opens again and its responsible people are mailed."""
    oid = _obligation_id(obligation)
    got, response = await _form_of(request, oid)
    if response is not None:
        return response
    ps, contact, form, _row = got
    reason = str(form.get("reason") or "")[:NOTE_MAX]
    text = " ".join(reason.split())
    problem = ("请填写退回原因（至少4个字）。" if len(text) < 4 else
               f"退回原因不能超过{REASON_MAX}个字。" if len(text) > REASON_MAX else None)
    if problem:
        return await run_in_threadpool(_report_page, request, ps, contact, oid, status=400,
                                       errors={"reason": problem}, form={"reason": reason})
    a = request.app.state.anquan
    try:
        await run_in_threadpool(lambda: return_report(a, contact=contact, obligation_id=oid, reason=text,
                                                      client_addr=client_addr(request)[:64]))
    except NotYours:
        raise HTTPException(404) from None
    except NotReturnable:
        return await run_in_threadpool(_report_page, request, ps, contact, oid, status=409,
                                       errors={"reason": "此事项目前未处于已报告状态（可能已被退回），无需退回。"})
    return RedirectResponse(f"/township/{oid}?done=returned", status_code=303)


def _proxy_problems(values: dict, analysis: bool, on_problem: str | None) -> dict:
    errors = {}
    if on_problem:
        errors["done_on"] = on_problem
    if analysis and values["finding"] not in FINDINGS:
        errors["finding"] = "请选择本月风险分析的结果。"
    elif analysis and values["finding"] in FINDINGS[1:] and len(values["finding_text"].strip()) < 4:
        errors["finding_text"] = "请描述发现的事故征兆或重大危险源（至少4个字）。"
    return errors


@router.post("/township/{obligation}/proxy")
async def proxy(request: Request, obligation: str) -> Response:
    """代报: the report recorded on the organisation's behalf, through the same submit, marked as such."""
    oid = _obligation_id(obligation)
    a = request.app.state.anquan
    max_bytes, max_files = a.settings.upload_max_mb << 20, a.settings.upload_max_files
    got, response = await _form_of(request, oid, max_files=max_files, max_bytes=max_bytes)
    if response is not None:
        return response
    ps, contact, form, row = got
    today = a.today()
    values = {k: str(form.get(k) or "")[:NOTE_MAX] for k in ("done_on", "note", "finding", "finding_text", "measures")}
    seen = str(form.get("seen") or "")
    on, on_problem = _check_date(values["done_on"], today, row.year)
    errors = _proxy_problems(values, row.kind == MONTHLY_RISK_ANALYSIS, on_problem)
    if errors:
        await form.close()
        return await run_in_threadpool(_report_page, request, ps, contact, oid, status=400, errors=errors, form=values)
    with tempfile.TemporaryDirectory(prefix="anquan-upload-") as folder:
        try:
            uploads = await save_uploads(form.getlist("files"), Path(folder), max_bytes=max_bytes, max_files=max_files)
        except UploadRejected as exc:
            return await run_in_threadpool(_report_page, request, ps, contact, oid, status=exc.status,
                                           errors={"files": str(exc)}, form=values)
        finally:
            await form.close()
        try:
            await run_in_threadpool(lambda: report_on_behalf(
                a, contact=contact, obligation_id=oid, submitted_on=on, note=values["note"].strip() or None,
                finding=values["finding"], finding_text=values["finding_text"], measures=values["measures"].strip(),
                files=[(u.path, u.name) for u in uploads], client_addr=client_addr(request)[:64],
                seen=int(seen) if seen.isdigit() and len(seen) <= 12 else None, today=today))
        except NotYours:
            raise HTTPException(404) from None
        except AnquanError:
            return await run_in_threadpool(_report_page, request, ps, contact, oid, status=400, form=values,
                                           errors={"done_on": "无法记录：此事项已免除或日期不符合要求。"})
    return RedirectResponse(f"/township/{oid}?done=proxy", status_code=303)
