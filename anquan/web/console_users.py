"""The county admin's account pages (/console/users): the accounts, making one from a contact, disabling and
enabling one, resetting its password (the new one is shown once), the audit log. Other accounts: 404."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from anquan.accounts import usecases as accounts
from anquan.accounts.accounts import ROLE_LABELS, ROLES
from anquan.console.export import users_workbook
from anquan.errors import AnquanError
from anquan.vocabulary import role_label
from anquan.web.console import Staff, console_page, posted_form, require, xlsx_response

router = APIRouter()
FIELD_MESSAGES = {
    "contact": "请选择县安委办或乡镇的人员；该人员须在通讯录中、尚无账户，且所在单位与角色相符。",
    "role": "请选择角色。",
    "login": "没有这个账户。",
}
ACTIONS = {"login": "登录", "login_failed": "登录失败", "logout": "退出", "user_add": "新建账户", "user_disable": "停用账户",
           "user_enable": "启用账户", "password_reset": "重置密码", "password_change": "修改本人密码",
           "obligation_waive": "免除事项", "mail_retry": "重新发送邮件", "campaign_start": "启动专项整治",
           "event_add": "录入重大活动", "accident_add": "录入事故", "adjustment_add": "录入督查发现问题",
           "hazard_close": "隐患整改验收", "hazard_evaluate": "隐患整改效果评价",
           "assessment_approve": "审定考核结果", "objection_add": "登记考核异议", "objection_decide": "办理考核异议"}


def _users_page(request: Request, staff: Staff, *, errors: dict | None = None, made=None, done: str | None = None,
                status: int = 200) -> HTMLResponse:
    a = request.app.state.anquan
    return console_page(request, "users.html.j2", staff, {
        "users": accounts.list_users(a), "candidates": [c for c in accounts.candidates(a) if not c.has_account],
        "roles": [(r, ROLE_LABELS[r]) for r in ROLES], "role_labels": ROLE_LABELS, "contact_role": role_label,
        "audit": accounts.audit_log(a, limit=30), "actions": ACTIONS, "errors": errors or {}, "made": made, "done": done}, status)


@router.get("/console/users")
def users(request: Request, done: str | None = None) -> Response:
    staff = require(request, admin=True)
    return _users_page(request, staff, done=done if done in ("disabled", "enabled") else None)


@router.get("/console/users.xlsx")
def users_xlsx(request: Request) -> Response:
    require(request, admin=True)
    a = request.app.state.anquan
    return xlsx_response(users_workbook(accounts.list_users(a), role_labels=ROLE_LABELS, tz=a.settings.tz),
                         "工作台账户.xlsx")


async def _admin_form(request: Request):
    return await posted_form(request, admin=True)


@router.post("/console/users")
async def add(request: Request) -> Response:
    staff, form, refused = await _admin_form(request)
    if refused:
        return refused
    contact, role = str(form.get("contact") or ""), str(form.get("role") or "")
    if not (contact.isdigit() and len(contact) <= 9):
        return await run_in_threadpool(lambda: _users_page(request, staff, errors={"contact": FIELD_MESSAGES["contact"]},
                                                           status=400))
    a = request.app.state.anquan
    try:
        made = await run_in_threadpool(lambda: accounts.add_user(a, contact_id=int(contact), role=role,
                                                                 actor=staff.actor(request)))
    except AnquanError as exc:
        field = exc.field if exc.field in FIELD_MESSAGES else "contact"
        return await run_in_threadpool(lambda: _users_page(request, staff, errors={field: FIELD_MESSAGES[field]},
                                                           status=400))
    return await run_in_threadpool(lambda: _users_page(request, staff, made=made))


@router.post("/console/users/{action}")
async def change(request: Request, action: str) -> Response:
    if action not in ("disable", "enable", "reset"):
        return RedirectResponse("/console/users", status_code=303)
    staff, form, refused = await _admin_form(request)
    if refused:
        return refused
    login = str(form.get("login") or "")[:254]
    a = request.app.state.anquan
    if action == "disable" and login.strip().lower() == staff.login:
        return await run_in_threadpool(lambda: _users_page(request, staff, errors={"login": "不能停用本人正在使用的账户。"},
                                                           status=400))
    try:
        if action == "reset":
            made = await run_in_threadpool(lambda: accounts.reset_password(a, login=login, actor=staff.actor(request)))
            return await run_in_threadpool(lambda: _users_page(request, staff, made=made))
        await run_in_threadpool(lambda: accounts.set_active(a, login=login, active=action == "enable",
                                                            actor=staff.actor(request)))
    except AnquanError:
        return await run_in_threadpool(lambda: _users_page(request, staff, errors={"login": FIELD_MESSAGES["login"]},
                                                           status=400))
    return RedirectResponse(f"/console/users?done={action}d", status_code=303)
