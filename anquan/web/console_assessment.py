"""The year's assessment in the console (/console/assessment?y=YEAR): the January run's draft with every township's
result, its workbook and notice to download; a county admin's approval (which mails the township heads and issues
the notice, once); the objections (异议) received within the 5 working days after the results were mailed, and their
handling. County accounts only: a township office's account gets a 404 on every route, as elsewhere in the
console; approving takes a county admin (county staff: 403)."""

from __future__ import annotations

from datetime import date
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from anquan.assessment import usecases as assessment
from anquan.assessment.approval import (NAME_MAX, OBJECTION_WORKING_DAYS, OUTCOME_LABELS, TEXT_MAX, AlreadyApproved,
                                        ObjectionInput, ObjectionTooLate)
from anquan.assessment.notice_text import (COPIED_TO_LONGEST, MOST_REQUIREMENTS, REQUIREMENT_LONGEST,
                                           REQUIREMENT_SHORTEST, TEXT_LONGEST)
from anquan.errors import AnquanError, NotFound
from anquan.notifications.render import cn_date
from anquan.web.console import XLSX, console_page, download_response, expired, form_ok, posted_form, require
from anquan.web.console_year import _number, _year

router = APIRouter()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DONE = {"approved": "已审定。考核结果已发送至各乡镇主要负责人，考核结果通报已编号印发。",
        "already": "该年度考核结果此前已经审定，本次未重复发送任何邮件。",
        "objection": "异议已登记。", "decided": "异议办理结果已保存。",
        "notice": "考核结果通报（草稿）的下一步要求和抄送已保存，下载的草稿和审定后印发的通报均按此文字。"}
FIELD_MESSAGES = {
    "org_code": "请选择提出异议的乡镇。",
    "raised_by": f"请填写提出人（单位和姓名，2至{NAME_MAX}个字）。",
    "content": f"请填写异议内容（4至{TEXT_MAX}个字）。",
    "received_on": "请填写收到异议的日期（不能早于考核结果发出之日，也不能晚于今天）。",
    "outcome": "请选择办理结果：维持或调整。",
    "note": f"请填写办理说明（4至{TEXT_MAX}个字）。",
    "objection": "该异议已办理，不能重复办理。",
    "requirements": f"请填写下一步要求，每行一条，共1至{MOST_REQUIREMENTS}条，每条{REQUIREMENT_SHORTEST}至{REQUIREMENT_LONGEST}个字，"
                    "不能含有制表符等控制字符。",
    "copied_to": f"请填写抄送单位，写在一行内，2至{COPIED_TO_LONGEST}个字，不能含有控制字符。",
}
NOTICE_ISSUED = "该年度考核结果已经审定，考核结果通报已编号印发，其下一步要求和抄送不能再修改。"


def _page(request: Request, staff, chosen: int, *, done: str | None = None, errors: dict | None = None,
          values: dict | None = None, status: int = 200) -> Response:
    a = request.app.state.anquan
    return console_page(request, "assessment.html.j2", staff, {
        "v": assessment.recorded(a, year=chosen), "year": chosen, "years": _years(a), "today": a.today(),
        "done": DONE.get(done or ""), "errors": errors or {}, "values": values or {}, "outcomes": OUTCOME_LABELS,
        "window": OBJECTION_WORKING_DAYS, "text_max": TEXT_MAX, "name_max": NAME_MAX,
        "requirements_max": TEXT_LONGEST, "copied_to_max": COPIED_TO_LONGEST, "most_requirements": MOST_REQUIREMENTS},
        status)


def _years(a) -> list[int]:
    from anquan.console import usecases as console

    return console.years(a)


@router.get("/console/assessment")
def assessment_page(request: Request, y: str | None = None, done: str | None = None) -> Response:
    staff = require(request, county=True)
    a = request.app.state.anquan
    return _page(request, staff, _year(request, y) if y else a.today().year - 1, done=done)


@router.get("/console/assessment/{which}")
def download(request: Request, which: str, y: str | None = None) -> Response:
    """The recorded year's workbook (考核汇总表) or notice (考核结果通报), as drafted or as issued."""
    require(request, county=True)
    if which not in ("workbook.xlsx", "notice.docx"):
        raise HTTPException(404)
    chosen = _year(request, y)
    found = assessment.recorded_documents(request.app.state.anquan, year=chosen)
    if found is None:
        raise HTTPException(404)
    workbook, notice, draft = found
    mark = "（草稿）" if draft else ""
    data, media, name = ((workbook, XLSX, f"{chosen}年度乡镇安全生产履职考核汇总表{mark}.xlsx") if which == "workbook.xlsx"
                         else (notice, DOCX, f"{chosen}年度乡镇安全生产履职考核结果通报{mark}.docx"))
    return download_response(data, name, media)


async def _county_form(request: Request):
    staff, form, refused = await posted_form(request, county=True, max_fields=8, max_part_size=8192)
    return staff, form, None if refused else _year(request, str(form.get("y") or "")), refused


@router.post("/console/assessment/approve")
async def approve(request: Request) -> Response:
    """A county admin approves the year's draft: the township heads are mailed, the notice numbered. Once."""
    staff = await run_in_threadpool(lambda: require(request, county=True))
    if not staff.is_admin:
        return await run_in_threadpool(lambda: console_page(request, "message.html.j2", staff, {
            "title": "无权审定", "message": "考核结果须由县安委办管理员审定。"}, 403))
    form = await request.form(max_files=0, max_fields=4, max_part_size=1024)
    if not form_ok(staff, form):
        return await run_in_threadpool(expired, request, staff)
    chosen = _year(request, str(form.get("y") or ""))
    a = request.app.state.anquan
    try:
        await run_in_threadpool(lambda: assessment.approve_year(a, year=chosen, login=staff.login,
                                                                actor=staff.actor(request)))
    except AlreadyApproved:
        return RedirectResponse(f"/console/assessment?y={chosen}&done=already", status_code=303)
    except AnquanError as exc:
        message = ("尚无该年度的考核草稿，请先运行年度考核。" if isinstance(exc, NotFound) else
                   "草稿是在年度事项尚未全部到期时生成的暂定结果，不能审定；请在次年1月5日以后重新生成考核草稿。")
        return await run_in_threadpool(lambda: _page(request, staff, chosen, errors={"approve": message}, status=400))
    return RedirectResponse(f"/console/assessment?y={chosen}&done=approved", status_code=303)


@router.post("/console/assessment/notice")
async def edit_notice(request: Request) -> Response:
    """County staff or admin edit the draft notice's 下一步要求 and 抄送 line; refused once the notice was issued."""
    staff, form, refused = await posted_form(request, county=True, max_fields=4, max_part_size=TEXT_LONGEST * 4)
    if refused:
        return refused
    chosen = _year(request, str(form.get("y") or ""))
    values = {"requirements": str(form.get("requirements") or "")[:TEXT_LONGEST + 100],
              "copied_to": str(form.get("copied_to") or "")[:COPIED_TO_LONGEST + 100]}
    a = request.app.state.anquan
    try:
        await run_in_threadpool(lambda: assessment.edit_notice(a, year=chosen, actor=staff.actor(request), **values))
    except AlreadyApproved:
        return await run_in_threadpool(lambda: _page(request, staff, chosen, errors={"notice": NOTICE_ISSUED},
                                                     status=409))
    except AnquanError as exc:
        if exc.field not in ("requirements", "copied_to"):
            raise HTTPException(404) from None
        return await run_in_threadpool(lambda: _page(request, staff, chosen, errors={exc.field: FIELD_MESSAGES[exc.field]},
                                                     values=values, status=400))
    return RedirectResponse(f"/console/assessment?y={chosen}&done=notice#notice", status_code=303)


def _received(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.post("/console/assessment/objection")
async def record_objection(request: Request) -> Response:
    staff, form, chosen, refused = await _county_form(request)
    if refused:
        return refused
    values = {k: str(form.get(k) or "")[:TEXT_MAX + 10] for k in ("org_code", "raised_by", "content", "received_on")}
    entry = ObjectionInput(values["org_code"][:32], values["raised_by"], values["content"],
                           _received(values["received_on"][:10]))
    a = request.app.state.anquan
    try:
        await run_in_threadpool(lambda: assessment.record_objection(a, year=chosen, entry=entry,
                                                                    actor=staff.actor(request)))
    except ObjectionTooLate as exc:
        message = (f"异议受理期限为考核结果发出后{OBJECTION_WORKING_DAYS}个工作日，截至{cn_date(exc.deadline)}；"
                   f"{cn_date(entry.received_on)}收到的异议已超过期限，不予登记。")
        return await run_in_threadpool(lambda: _page(request, staff, chosen, errors={"received_on": message},
                                                     values=values, status=400))
    except AnquanError as exc:
        errors = {exc.field if exc.field in FIELD_MESSAGES else "org_code":
                  FIELD_MESSAGES.get(exc.field or "", FIELD_MESSAGES["org_code"])}
        return await run_in_threadpool(lambda: _page(request, staff, chosen, errors=errors, values=values, status=400))
    return RedirectResponse(f"/console/assessment?y={chosen}&done=objection#objections", status_code=303)


@router.post("/console/assessment/objection/decide")
async def decide_objection(request: Request) -> Response:
    staff, form, chosen, refused = await _county_form(request)
    if refused:
        return refused
    oid = _number(str(form.get("objection") or ""))
    a = request.app.state.anquan
    try:
        await run_in_threadpool(lambda: assessment.decide_objection(
            a, objection_id=oid, outcome=str(form.get("outcome") or ""), note=str(form.get("note") or "")[:TEXT_MAX + 10],
            actor=staff.actor(request)))
    except AnquanError as exc:
        if exc.field not in ("outcome", "note", "objection"):
            raise HTTPException(404) from None
        return await run_in_threadpool(lambda: _page(request, staff, chosen, errors={
            f"{exc.field}-{oid}": FIELD_MESSAGES[exc.field]}, status=400))
    return RedirectResponse(f"/console/assessment?y={chosen}&done=decided#objections", status_code=303)
