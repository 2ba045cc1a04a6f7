"""My page (我的待办): the personal link, the list of duties, one duty, and the report that it is done.

Each route parses, calls one domain function (anquan.cycle.mine for what the person may see,
anquan.cycle.obligations.submit — the same function as `anquan submit` — to record a report) and
renders a page. Whatever is not the person's own or theirs to urge is a 404, however it is asked for.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from anquan.assessment import usecases as assessing
from anquan.assessment.duty_report import DOCX
from anquan.cycle.mine import NotYours, duty_for, my_page
from anquan.cycle.usecases import overseen_townships, submit
from anquan.directory.links import current_contact
from anquan.errors import AnquanError
from anquan.models.records import AlertKind
from anquan.records.usecases import submit_risk_analysis
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS, REPORT_KINDS
from anquan.models.directory import Contact
from anquan.notifications.links import LinkRefused
from anquan.web.app import page
from anquan.web.security import SESSION_COOKIE, PageSession, csrf_ok
from anquan.web.uploads import ACCEPTED_LABEL, UploadRejected, save_uploads

router = APIRouter()
NOTE_MAX = 2000
# What a monthly risk analysis found: nothing, or one of the alerts (mailed at once, as from the command line).
FINDINGS = ("none", AlertKind.warning_sign.value, AlertKind.major_hazard_source.value)
REFUSED = {
    "forged": (403, "链接无效", "这个链接不完整或已被改动，无法打开。请直接点击邮件中的链接，不要手工修改。"),
    "expired": (410, "链接已过期", "这个链接已超过有效期。您收到的下一封提醒邮件会带有新的链接。"),
    "revoked": (410, "链接已停用", "这个链接已被县安委办停用（例如人员变动）。"),
}


def client_addr(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in(request: Request) -> tuple[PageSession, Contact] | None:
    """The session cookie's contact, if the cookie is genuine, unexpired and its links not revoked since."""
    state = request.app.state
    ps = state.sessions.read(request.cookies.get(SESSION_COOKIE))
    if ps is None:
        return None
    with state.anquan.session() as s:
        try:
            return ps, current_contact(s, contact_id=ps.contact_id, epoch=ps.epoch)
        except LinkRefused:
            return None


def _signin_page(request: Request) -> HTMLResponse:
    return page(request, "error.html.j2", {"title": "请通过邮件中的链接打开",
                                          "message": "本页面只能通过您收到的提醒邮件中的专属链接打开；"
                                                     "如链接已失效，请等待下一封提醒邮件或联系县安委办。"}, 401)


def _obligation_id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise HTTPException(404)
    return int(text)


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/my", status_code=303)


@router.get("/l/{token}")
def open_link(request: Request, token: str) -> Response:
    """Exchange a personal link for a session cookie, then go to the clean address /my (303)."""
    state, addr = request.app.state, client_addr(request)
    if state.link_limit.full(addr) or not state.opening_limit.allow(addr):
        return page(request, "error.html.j2", {"title": "操作过于频繁", "message": "请稍后再试。"}, 429)
    try:
        contact_id, epoch = state.signer.read(token)
        with state.anquan.session() as s:
            current_contact(s, contact_id=contact_id, epoch=epoch)
    except LinkRefused as exc:
        state.link_limit.allow(addr)  # count the refusal
        status, title, message = REFUSED[exc.reason]
        return page(request, "error.html.j2", {"title": title, "message": message}, status)
    _, cookie = state.sessions.new(contact_id=contact_id, epoch=epoch)
    response = RedirectResponse("/my", status_code=303)
    response.set_cookie(value=cookie, **state.sessions.cookie_args())
    return response


@router.get("/my")
def mine(request: Request, done: str | None = None) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _signin_page(request)
    ps, contact = signed
    a = request.app.state.anquan
    today = a.today()
    with a.session() as s:
        view = my_page(session=s, rules=a.rules, contact=contact, today=today)
    just_done = next((d for d in view.done if done and str(d.obligation_id) == done), None)
    return page(request, "my.html.j2", {"view": view, "today": today, "csrf": ps.csrf, "just_done": just_done,
                                        "oversees": overseen_townships(a, contact=contact, person=view.person)})


def _duty_page(request: Request, ps: PageSession, contact: Contact, obligation_id: int, *, error: str | None = None,
               errors: dict[str, str] | None = None, form: dict | None = None, status: int = 200) -> HTMLResponse:
    """The duty's page; `errors` maps a form input's name to what is wrong with it (shown next to the input)."""
    a = request.app.state.anquan
    today = a.today()
    with a.session() as s:
        try:
            duty = duty_for(session=s, rules=a.rules, contact=contact, obligation_id=obligation_id, today=today)
        except NotYours:
            raise HTTPException(404) from None
    return page(request, "duty.html.j2", {
        "duty": duty, "today": today, "csrf": ps.csrf, "form": form or {}, "errors": errors or {},
        "error": error or ("请按提示修改后重新提交。" if errors else None),
        "accepted": ACCEPTED_LABEL, "max_files": a.settings.upload_max_files, "max_mb": a.settings.upload_max_mb,
        "form_url": f"/my/{obligation_id}/form.docx" if duty.own and duty.kind in REPORT_KINDS else None,
    }, status)


@router.get("/my/{obligation}/form.docx")
def duty_report_form(request: Request, obligation: str) -> Response:
    """The duty report form (履职报告书) of one's own mid-year or year-end report, made now from the records."""
    signed = _signed_in(request)
    if signed is None:
        return _signin_page(request)
    a = request.app.state.anquan
    with a.session() as s:
        try:
            duty = duty_for(session=s, rules=a.rules, contact=signed[1], obligation_id=_obligation_id(obligation),
                            today=a.today())
        except NotYours:
            raise HTTPException(404) from None
    if not duty.own or duty.kind not in REPORT_KINDS:
        raise HTTPException(404)
    name, data = assessing.duty_report_form(a, org_code=duty.org_code, year=duty.year, kind=duty.kind)
    return Response(data, media_type=DOCX, headers={
        "Content-Disposition": f"attachment; filename=\"form.docx\"; filename*=UTF-8''{quote(name)}"})


@router.get("/my/{obligation}")
def duty(request: Request, obligation: str) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _signin_page(request)
    return _duty_page(request, *signed, _obligation_id(obligation))


def _check_date(text: str, today: date, year: int) -> tuple[date | None, str | None]:
    try:
        on = date.fromisoformat(text or "")
    except ValueError:
        return None, "请填写完成日期。"
    if on > today:
        return None, "完成日期不能晚于今天。"
    if on.year < year:
        return None, f"完成日期不能早于{year}年。"
    return on, None


@router.post("/my/{obligation}/report")
async def report(request: Request, obligation: str) -> Response:
    """Record the report: the date done, a note, evidence files; through the same submit as the command line."""
    oid = _obligation_id(obligation)
    signed = await run_in_threadpool(_signed_in, request)
    if signed is None:
        return _signin_page(request)
    ps, contact = signed
    a = request.app.state.anquan
    max_bytes, max_files = a.settings.upload_max_mb << 20, a.settings.upload_max_files
    if int(request.headers.get("content-length") or 0) > max_files * max_bytes + (1 << 20):
        return await run_in_threadpool(_duty_page, request, ps, contact, oid, status=413,
                                       errors={"files": f"上传内容过大：每个文件不超过 {a.settings.upload_max_mb} MB。"})
    if not request.app.state.report_limit.allow(f"contact:{contact.id}"):
        return page(request, "error.html.j2", {"title": "操作过于频繁", "message": "请稍后再试。"}, 429)
    try:
        form = await request.form(max_files=max_files + 1, max_fields=10, max_part_size=64 * 1024)
    except Exception:  # malformed multipart, or more parts than allowed
        return await run_in_threadpool(_duty_page, request, ps, contact, oid, status=400,
                                       errors={"files": f"无法读取表单：一次最多上传 {max_files} 个文件。"})
    if not csrf_ok(ps, form.get("csrf")):
        return page(request, "error.html.j2", {"title": "页面已过期", "message": "请返回我的待办，刷新后重新提交。"}, 403)
    return await _record_report(request, ps, contact, oid, form, max_bytes=max_bytes, max_files=max_files)


async def _record_report(request: Request, ps: PageSession, contact: Contact, oid: int, form, *, max_bytes: int,
                         max_files: int) -> Response:
    a = request.app.state.anquan
    today = a.today()
    values = {key: str(form.get(key) or "")[:NOTE_MAX] for key in ("done_on", "note", "finding", "finding_text", "measures")}
    seen = str(form.get("seen") or "")
    with a.session() as s:  # the duty must be the person's own (404 otherwise, before anything is read)
        try:
            duty = duty_for(session=s, rules=a.rules, contact=contact, obligation_id=oid, today=today)
        except NotYours:
            raise HTTPException(404) from None
    if not duty.own:
        raise HTTPException(404)
    errors: dict[str, str] = {}
    on, problem = _check_date(values["done_on"], today, duty.year)
    if problem:
        errors["done_on"] = problem
    analysis = duty.kind == MONTHLY_RISK_ANALYSIS  # its form also asks what the analysis found
    if analysis and values["finding"] not in FINDINGS:
        errors["finding"] = "请选择本月风险分析的结果。"
    if analysis and values["finding"] in FINDINGS[1:] and len(values["finding_text"].strip()) < 4:
        errors["finding_text"] = "请描述发现的事故征兆或重大危险源（至少4个字）。"
    if errors:
        await form.close()
        return await run_in_threadpool(_duty_page, request, ps, contact, oid, errors=errors, form=values, status=400)
    with tempfile.TemporaryDirectory(prefix="anquan-upload-") as folder:
        try:
            uploads = await save_uploads(form.getlist("files"), Path(folder), max_bytes=max_bytes, max_files=max_files)
        except UploadRejected as exc:
            return await run_in_threadpool(_duty_page, request, ps, contact, oid, errors={"files": str(exc)},
                                           form=values, status=exc.status)
        finally:
            await form.close()

        def record():
            recorded = dict(note=values["note"].strip() or None, files=[(u.path, u.name) for u in uploads],
                            source="web", contact_id=contact.id, client_addr=client_addr(request)[:64],
                            seen=int(seen) if seen.isdigit() and len(seen) <= 12 else None)
            if not analysis:
                return submit(a, obligation_id=oid, today=today, submitted_on=on, **recorded)
            found = values["finding_text"].strip()
            return submit_risk_analysis(
                a, obligation_id=oid, today=today, submitted_on=on, measures=values["measures"].strip() or None,
                warning=found if values["finding"] == AlertKind.warning_sign.value else None,
                major_hazard=found if values["finding"] == AlertKind.major_hazard_source.value else None, **recorded)

        try:
            await run_in_threadpool(record)
        except AnquanError as exc:  # the duty changed meanwhile (waived), or the date does not fit it
            field = {"submitted_on": "done_on"}.get(exc.field or "")
            message = "无法记录：此事项已免除或日期不符合要求，请联系县安委办。"
            return await run_in_threadpool(_duty_page, request, ps, contact, oid, status=400, form=values,
                                           **({"errors": {field: message}} if field else {"error": message}))
    return RedirectResponse(f"/my?done={oid}", status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    signed = await run_in_threadpool(_signed_in, request)
    if signed is not None:
        form = await request.form(max_files=0, max_fields=2)
        if not csrf_ok(signed[0], form.get("csrf")):
            return page(request, "error.html.j2", {"title": "页面已过期", "message": "请返回我的待办重新操作。"}, 403)
    response = page(request, "error.html.j2", {"title": "已退出", "message": "如需再次查看，请点击提醒邮件中的链接。"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
