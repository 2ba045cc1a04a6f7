"""The officials' pages: `create_app(app)` builds the FastAPI application over an Anquan App.

Server-rendered Jinja2 pages in Chinese (templates/web/), one stylesheet served from the package
(no CDN, no web fonts, no script): they work on a county network that reaches nothing outside and in
a browser with JavaScript off. Routes live in anquan.web.mypage (my page), anquan.web.township (the
township's oversight) and anquan.web.console* (the county office's console, /console); what keeps them safe in
anquan.web.security.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from anquan.app import App
from anquan.notifications.links import Answers, LinkSigner, require_keys
from anquan.resources import templates_dir
from anquan.web.security import SECURITY_HEADERS, Limits, RateLimit, Sessions, install_log_redaction

WEEKDAYS = "一二三四五六日"


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@pass_context
def cn_day(context, moment: datetime) -> str:
    """The county's calendar day of a recorded moment (stored in UTC): 2026年3月6日."""
    return cn_date(moment.astimezone(context["tz"]).date())


@pass_context
def cn_moment(context, moment: datetime) -> str:
    """A recorded moment (stored in UTC) in the county's time: 2026年3月6日 08:00."""
    from anquan.console.export import moment_text

    return moment_text(moment, context["tz"])


def days_text(days_left: int) -> str:
    if days_left > 0:
        return f"还有 {days_left} 天"
    if days_left == 0:
        return "今天到期"
    return f"已逾期 {-days_left} 天"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir("web"))), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["cn_date"] = cn_date
    env.filters["cn_day"] = cn_day
    env.filters["cn_moment"] = cn_moment
    env.filters["days_text"] = days_text
    env.filters["weekday"] = lambda d: f"星期{WEEKDAYS[d.weekday()]}"
    return env


def page(request: Request, template: str, values: dict, status: int = 200) -> HTMLResponse:
    """A rendered page; every page knows the office to call and, when signed in, the CSRF token."""
    values = {"office": office(request), "csrf": None, "tz": request.app.state.anquan.settings.tz, **values}
    return HTMLResponse(environment().get_template(template).render(values), status_code=status)


def office(request: Request):
    """The county office's contact person and phone (the directory, else the settings)."""
    state = request.app.state
    with state.anquan.session() as s:
        return Answers(settings=state.anquan.settings, session=s).office()


def create_app(app: App, *, limits: Limits | None = None) -> FastAPI:
    """The pages over `app`; refuses to start without a real ANQUAN_SECRET_KEY."""
    from anquan.web import console, console_assessment, console_outbox, console_users, console_year, health, mypage, township
    from anquan.web import console_forms

    keys = require_keys(app.settings, purpose="serve the officials' pages")
    app.checked_engine()
    web = FastAPI(title="Anquan", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.anquan = app
    web.state.signer = LinkSigner.from_settings(app.settings, purpose="serve the officials' pages")
    web.state.sessions = Sessions(keys, secure=app.settings.effective_public_url.startswith("https://"))
    web.state.console_keys = keys
    limits = limits or Limits()
    web.state.link_limit = RateLimit(limits.links, limits.links_seconds)  # refused links
    web.state.opening_limit = RateLimit(limits.link_openings, limits.links_seconds)
    web.state.report_limit = RateLimit(limits.reports, limits.reports_seconds)
    web.state.oversight_limit = RateLimit(limits.oversight, limits.oversight_seconds)
    install_log_redaction()

    @web.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @web.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        titles = {404: "页面不存在", 405: "不支持的操作"}
        if 300 <= exc.status_code < 400 and exc.headers and "Location" in exc.headers:
            return RedirectResponse(exc.headers["Location"], status_code=exc.status_code)
        if request.url.path == "/console" or request.url.path.startswith("/console/"):
            return page(request, "console/message.html.j2", {
                "staff": None, "title": titles.get(exc.status_code, "出错了"),
                "message": "您要找的页面不存在，或不在您的账户权限之内。" if exc.status_code == 404 else "请返回工作台重新操作。"},
                exc.status_code)
        return page(request, "error.html.j2", {"title": titles.get(exc.status_code, "出错了"),
                                              "message": "您要找的页面不存在，或不属于您的待办事项。"
                                              if exc.status_code == 404 else "请返回我的待办重新操作。"},
                    exc.status_code)

    web.mount("/static", StaticFiles(directory=str(templates_dir("web") / "static")), name="static")
    web.include_router(mypage.router)
    web.include_router(township.router)
    web.include_router(console.router)
    web.include_router(console_year.router)
    web.include_router(console_users.router)
    web.include_router(console_outbox.router)
    web.include_router(console_forms.router)
    web.include_router(console_assessment.router)
    web.include_router(health.router)
    return web
