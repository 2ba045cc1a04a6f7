"""The county office's console (/console): signing in and out, and what every console page shares.

Accounts, passwords, the lock-out and the sessions are anquan.accounts; this module only reads the form, calls
a use case and sets or clears the cookie. The console's cookie (`anquan_console`, path /console) holds a random
session token kept server-side, distinct from the officials' link sessions (`anquan_session`): a personal link
never opens the console, a console session never opens my page. The sign-in form carries its own CSRF token
(a signed cookie and the same value in the form), every form after it the session's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from anquan.accounts import usecases as accounts
from anquan.accounts.accounts import COUNTY_ROLES, ROLE_LABELS, Actor
from anquan.accounts.passwords import PASSWORD_MAX, PASSWORD_MIN
from anquan.accounts.signin import IDLE_MINUTES
from anquan.web.app import page
from anquan.web.mypage import client_addr
from anquan.web.security import PageSession, csrf_ok

router = APIRouter()
COOKIE = "anquan_console"
LOGIN_COOKIE = "anquan_console_login"
LOGIN_SALT = "anquan.console-login.v1"
LOGIN_FORM_SECONDS = 3600


@dataclass(frozen=True)
class Staff:
    """The signed-in account, as the console's pages need it."""

    user_id: int
    login: str
    name: str
    role: str
    township_id: int | None
    csrf: str
    token: str
    must_change_password: bool = False

    @property
    def only(self) -> int | None:
        """The township this account is limited to (None: the county's accounts see every township)."""
        return None if self.role in COUNTY_ROLES else self.township_id

    @property
    def is_admin(self) -> bool:
        return self.role == "county_admin"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def actor(self, request: Request) -> Actor:
        return Actor(self.user_id, self.login, client_addr(request)[:64])


def cookie_args(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.app.state.sessions.secure, "path": "/console"}


def current(request: Request) -> Staff | None:
    """The account of the request's console cookie, if its session is live."""
    token = request.cookies.get(COOKIE)
    found = accounts.signed(request.app.state.anquan, token=token)
    if found is None:
        return None
    u = found.user
    return Staff(u.id, u.login, found.name, u.role, u.township_id, found.csrf, token, u.must_change_password)


def require(request: Request, *, admin: bool = False, county: bool = False, password_page: bool = False) -> Staff:
    """The signed-in account, or the request ends: to the sign-in page (303), to the password page (303) while the
    account still has the temporary password it was given, or 404 for a page the account's role does not open (a
    township office's account never learns what the county's pages are)."""
    staff = current(request)
    if staff is None:
        raise _ToLogin()
    if staff.must_change_password and not password_page:
        raise HTTPException(303, headers={"Location": PASSWORD_PAGE})
    if (admin and not staff.is_admin) or (county and staff.only is not None):
        raise HTTPException(404)
    return staff


class _ToLogin(HTTPException):
    def __init__(self):
        super().__init__(303, headers={"Location": "/console/login"})


PASSWORD_PAGE = "/console/password"


def console_page(request: Request, template: str, staff: Staff | None, values: dict, status: int = 200) -> HTMLResponse:
    return page(request, f"console/{template}", {"staff": staff, "csrf": staff.csrf if staff else None, **values},
                status)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, name: str) -> Response:
    """A workbook of anquan.console.export as a download named in Chinese (年度考核排名.xlsx)."""
    return download_response(data, name, XLSX)


def download_response(data: bytes, name: str, media_type: str) -> Response:
    """A file to download, named in Chinese (RFC 6266's filename*; a plain ASCII name for old clients)."""
    from urllib.parse import quote

    suffix = name.rsplit(".", 1)[-1]
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"export.{suffix}\"; filename*=UTF-8''{quote(name)}"})


def form_ok(staff: Staff, form) -> bool:
    return csrf_ok(PageSession(0, 0, staff.csrf), form.get("csrf"))


async def posted_form(request: Request, *, admin: bool = False, county: bool = False, password_page: bool = False,
                      max_fields: int = 6, max_part_size: int = 1024):
    """(the account, the form, None) for a console form sent with the session's token; (the account, None, the
    "page expired" answer) without it. Not signed in, or a page the role does not open: as `require`."""
    staff = await run_in_threadpool(lambda: require(request, admin=admin, county=county, password_page=password_page))
    form = await request.form(max_files=0, max_fields=max_fields, max_part_size=max_part_size)
    if not form_ok(staff, form):
        return staff, None, await run_in_threadpool(expired, request, staff)
    return staff, form, None


def expired(request: Request, staff: Staff | None) -> HTMLResponse:
    return console_page(request, "message.html.j2", staff, {"title": "页面已过期",
                                                            "message": "请返回上一页，刷新后重新提交。"}, 403)


# -- signing in and out --------------------------------------------------------------------------------------

def _login_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.console_keys, salt=LOGIN_SALT)


def _login_page(request: Request, *, error: str | None = None, login: str = "", status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    response = console_page(request, "login.html.j2", None, {"login_csrf": nonce, "error": error, "login": login,
                                                            "idle": IDLE_MINUTES}, status)
    response.set_cookie(LOGIN_COOKIE, _login_serializer(request).dumps(nonce), max_age=LOGIN_FORM_SECONDS,
                        **cookie_args(request))
    return response


@router.get("/console", include_in_schema=False)
def console_home(request: Request) -> Response:
    return RedirectResponse("/console/year" if current(request) else "/console/login", status_code=303)


@router.get("/console/login")
def login_form(request: Request) -> Response:
    if current(request) is not None:
        return RedirectResponse("/console/year", status_code=303)
    return _login_page(request)


@router.post("/console/login")
async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
    try:
        nonce = _login_serializer(request).loads(request.cookies.get(LOGIN_COOKIE) or "", max_age=LOGIN_FORM_SECONDS)
    except BadSignature:
        nonce = None
    if not nonce or not csrf_ok(PageSession(0, 0, nonce), form.get("csrf")):
        return await run_in_threadpool(lambda: _login_page(request, error="页面已过期，请重新输入。", status=403))
    name, password = str(form.get("login") or "")[:254], str(form.get("password") or "")[:200]
    a = request.app.state.anquan
    old = request.cookies.get(COOKIE)
    result = await run_in_threadpool(lambda: accounts.sign_in(a, login=name, password=password,
                                                              client_addr=client_addr(request)))
    if result.outcome != "ok":
        error = ("登录失败次数过多，已暂时锁定，请15分钟后再试或联系县安委办管理员。" if result.outcome == "locked"
                 else "账号或密码不正确。")
        return await run_in_threadpool(lambda: _login_page(request, error=error, login=name, status=401))
    if old:  # whatever session the browser had before is ended, never carried on
        await run_in_threadpool(lambda: accounts.sign_out(a, token=old, client_addr=client_addr(request)))
    response = RedirectResponse(PASSWORD_PAGE if result.must_change_password else "/console/year", status_code=303)
    response.set_cookie(COOKIE, result.token, **cookie_args(request))
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    staff = await run_in_threadpool(current, request)
    if staff is not None:
        form = await request.form(max_files=0, max_fields=2, max_part_size=1024)
        if not form_ok(staff, form):
            return await run_in_threadpool(expired, request, staff)
        await run_in_threadpool(lambda: accounts.sign_out(request.app.state.anquan, token=staff.token,
                                                          client_addr=client_addr(request)))
    response = console_page(request, "message.html.j2", None, {"title": "已退出", "message": "您已安全退出工作台。",
                                                               "again": True})
    response.delete_cookie(COOKIE, path="/console")
    return response


# -- the account's own password ------------------------------------------------------------------------------

def _password_page(request: Request, staff: Staff, *, errors: dict | None = None, done: bool = False,
                   status: int = 200) -> HTMLResponse:
    return console_page(request, "password.html.j2", staff, {"errors": errors or {}, "done": done,
                                                              "minimum": PASSWORD_MIN}, status)


@router.get("/console/password")
def password_form(request: Request, done: str | None = None) -> Response:
    return _password_page(request, require(request, password_page=True), done=done == "1")


@router.post("/console/password")
async def change_password(request: Request) -> Response:
    staff, form, refused = await posted_form(request, password_page=True, max_fields=5)
    if refused:
        return refused
    current, new, again = (str(form.get(k) or "")[:PASSWORD_MAX + 1] for k in ("current", "new", "again"))
    errors = {}
    if not PASSWORD_MIN <= len(new) <= PASSWORD_MAX:
        errors["new"] = f"新密码须为{PASSWORD_MIN}至{PASSWORD_MAX}个字符。"
    elif new != again:
        errors["again"] = "两次输入的新密码不一致。"
    elif new == current:
        errors["new"] = "新密码不能与当前密码相同。"
    if not errors:
        changed = await run_in_threadpool(lambda: accounts.change_password(
            request.app.state.anquan, user_id=staff.user_id, current=current, new=new, token=staff.token,
            client_addr=client_addr(request)))
        if changed:
            return RedirectResponse("/console/password?done=1", status_code=303)
        errors["current"] = "当前密码不正确（连续输错将暂时锁定账号）。"
    return await run_in_threadpool(lambda: _password_page(request, staff, errors=errors, status=400))
