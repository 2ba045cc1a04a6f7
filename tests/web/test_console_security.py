"""Every protection of the console's sign-in, each test failing if its protection is removed: the password, the
lock-out (per account and per address), CSRF, session fixation, logout, the township office's limits, the audit."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from anquan.accounts import usecases as accounts
from anquan.accounts.signin import ADDR_FAILURES, LOCK_FAILURES, LOCK_MINUTES, token_hash
from anquan.models.accounts import ConsoleAudit, ConsoleSession, ConsoleUser
from anquan.web.app import create_app
from anquan.web.console import COOKIE, LOGIN_COOKIE
from anquan.web.console_forms import FORMS
from anquan.web.security import SESSION_COOKIE
from tests.support.console import PASSWORD, form_csrf, login, make_user, signed_in
from tests.support.web import PDF, link_path, obligation

ADMIN = "office@county.example"  # 县安委办甲, at the county
T1_OFFICE = "so1@t1.example"  # 王安监, 东山镇's safety office
T2_HEAD = "head@t2.example"  # 周乡长, 西河乡


def _audit(app, action: str | None = None) -> list[ConsoleAudit]:
    with app.session() as s:
        q = select(ConsoleAudit).order_by(ConsoleAudit.id)
        if action:
            q = q.where(ConsoleAudit.action == action)
        return list(s.execute(q).scalars())


def _sessions(app) -> list[ConsoleSession]:
    with app.session() as s:
        return list(s.execute(select(ConsoleSession)).scalars())


# -- the password --------------------------------------------------------------------------------------------

def test_right_password_signs_in_with_a_console_cookie_of_its_own(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    r = login(client, ADMIN)
    assert r.status_code == 303 and r.headers["location"] == "/console/year"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie and "Path=/console" in cookie and "samesite=lax" in cookie.lower()
    assert COOKIE != SESSION_COOKIE
    page = client.get("/console/year")
    assert page.status_code == 200 and "县安委办甲" in page.text and "东山镇" in page.text and "西河乡" in page.text
    with web_county.session() as s:
        stored = s.execute(select(ConsoleUser)).scalar_one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    [row] = _sessions(web_county)
    assert client.cookies.get(COOKIE) not in (row.token_sha256, None)  # the table keeps only the token's hash


def test_wrong_password_is_refused_and_audited(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    r = login(client, ADMIN, "not-the-password")
    assert r.status_code == 401 and "账号或密码不正确" in r.text
    assert COOKIE not in client.cookies
    assert client.get("/console/year").status_code == 303
    r = login(client, "nobody@county.example", PASSWORD)  # an unknown name: the same answer
    assert r.status_code == 401 and "账号或密码不正确" in r.text
    failed = _audit(web_county, "login_failed")
    assert [(a.target, a.detail, a.client_addr) for a in failed] == [
        (ADMIN, "wrong password", "testclient"), ("nobody@county.example", "no such account", "testclient")]


def test_a_personal_link_session_does_not_open_the_console_nor_a_console_session_my_page(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    assert client.get(link_path(web_county, ADMIN)).status_code == 303  # the officials' session cookie
    assert client.get("/console/year").status_code == 303
    client.cookies.clear()
    signed_in(client, ADMIN)
    assert client.get("/my").status_code == 401


def test_disabled_account_and_reset_password_end_the_sessions(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    signed_in(client, ADMIN)
    accounts.set_active(web_county, login=ADMIN, active=False)
    assert client.get("/console/year").status_code == 303
    assert login(client, ADMIN).status_code == 401
    accounts.set_active(web_county, login=ADMIN, active=True)
    signed_in(client, ADMIN)
    made = accounts.reset_password(web_county, login=ADMIN)
    assert made.generated and len(made.password) >= 16
    assert client.get("/console/year").status_code == 303
    assert login(client, ADMIN).status_code == 401  # the old password no longer works
    r = login(client, ADMIN, made.password)
    assert r.status_code == 303 and r.headers["location"] == "/console/password"  # a reset password is temporary
    assert [a.action for a in _audit(web_county) if a.client_addr is None] == [
        "user_add", "user_disable", "user_enable", "password_reset"]  # from the command line


# -- the lock-out --------------------------------------------------------------------------------------------

def test_repeated_failures_lock_the_account_even_against_the_right_password(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    for _ in range(LOCK_FAILURES):
        assert login(client, ADMIN, "guess-guess-guess").status_code == 401
    r = login(client, ADMIN)
    assert r.status_code == 401 and "锁定" in r.text and COOKIE not in client.cookies
    # Another account from the same address is not locked by it.
    make_user(web_county, T1_OFFICE, "township_office")
    signed_in(client, T1_OFFICE)
    # The window passes: the right password works again.
    real_now = web_county.now
    web_county.now = lambda: real_now() + timedelta(minutes=LOCK_MINUTES + 1)
    client.cookies.clear()
    signed_in(client, ADMIN)


def test_a_success_clears_the_count(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    for _ in range(LOCK_FAILURES - 1):
        login(client, ADMIN, "guess-guess-guess")
    signed_in(client, ADMIN)
    client.cookies.clear()
    for _ in range(LOCK_FAILURES - 1):
        login(client, ADMIN, "guess-guess-guess")
    signed_in(client, ADMIN)


def test_an_address_that_tries_many_names_is_locked_for_every_name(web_county):
    make_user(web_county, ADMIN, "county_admin")
    web = create_app(web_county)
    with TestClient(web, follow_redirects=False, client=("203.0.113.9", 40000)) as guesser:
        for i in range(ADDR_FAILURES):
            assert login(guesser, f"guess{i}@county.example", "guess-guess-guess").status_code == 401
        r = login(guesser, ADMIN)
        assert r.status_code == 401 and "锁定" in r.text
    with TestClient(web, follow_redirects=False, client=("198.51.100.4", 40000)) as colleague:
        signed_in(colleague, ADMIN)


# -- CSRF ----------------------------------------------------------------------------------------------------

def test_sign_in_needs_the_forms_token(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    client.get("/console/login")
    r = client.post("/console/login", data={"login": ADMIN, "password": PASSWORD})
    assert r.status_code == 403 and COOKIE not in client.cookies
    r = login(client, ADMIN, csrf="forged-token-forged-token")
    assert r.status_code == 403 and COOKIE not in client.cookies
    # A token read from another browser's form does not go with this browser's cookie.
    with TestClient(create_app(web_county), follow_redirects=False) as other:
        theirs = form_csrf(other.get("/console/login").text)
    client.cookies.clear()
    client.get("/console/login")
    assert login(client, ADMIN, csrf=theirs).status_code == 403
    assert _sessions(web_county) == []


def test_logout_needs_the_sessions_token(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    signed_in(client, ADMIN)
    r = client.post("/console/logout", data={"csrf": "forged"})
    assert r.status_code == 403
    assert client.get("/console/year").status_code == 200 and len(_sessions(web_county)) == 1


# -- sessions ------------------------------------------------------------------------------------------------

def _new_token(response) -> str:
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE + "="))
    return cookie.split(";")[0].split("=", 1)[1]


def test_signing_in_never_keeps_the_session_the_browser_brought(web_county):
    make_user(web_county, ADMIN, "county_admin")
    web = create_app(web_county)
    planted = "attacker-chosen-session-token-0123456789"
    with TestClient(web, follow_redirects=False, cookies={COOKIE: planted}) as victim:
        assert victim.get("/console/year").status_code == 303  # an unknown token opens nothing
        r = login(victim, ADMIN)
    assert r.status_code == 303 and _new_token(r) != planted
    with TestClient(web, follow_redirects=False, cookies={COOKIE: planted}) as attacker:
        assert attacker.get("/console/year").status_code == 303
    # Signing in again from a signed-in browser ends the earlier session rather than keeping two.
    first = _new_token(r)
    with TestClient(web, follow_redirects=False) as fresh:
        form = fresh.get("/console/login")
        form_cookie = form.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    with TestClient(web, follow_redirects=False, cookies={COOKIE: first, LOGIN_COOKIE: form_cookie}) as again:
        assert again.get("/console/year").status_code == 200
        second = _new_token(login(again, ADMIN, csrf=form_csrf(form.text)))
    assert second != first and [s.token_sha256 for s in _sessions(web_county)] == [token_hash(second)]
    with TestClient(web, follow_redirects=False, cookies={COOKIE: first}) as old:
        assert old.get("/console/year").status_code == 303


def test_logout_ends_the_session_on_the_server(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    csrf = signed_in(client, ADMIN)
    token = client.cookies.get(COOKIE)
    r = client.post("/console/logout", data={"csrf": csrf})
    assert r.status_code == 200 and "已退出" in r.text
    assert f'{COOKIE}=""' in r.headers["set-cookie"] and _sessions(web_county) == []
    with TestClient(create_app(web_county), follow_redirects=False, cookies={COOKIE: token}) as replay:
        assert replay.get("/console/year").status_code == 303
    assert [a.action for a in _audit(web_county) if a.client_addr == "testclient"] == ["login", "logout"]


def test_an_idle_session_expires(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    signed_in(client, ADMIN)
    real_now = web_county.now
    web_county.now = lambda: real_now() + timedelta(hours=3)
    assert client.get("/console/year").status_code == 303 and _sessions(web_county) == []


# -- a township office sees its township only ----------------------------------------------------------------

def _t2_submission_with_a_file(app, client) -> int:
    """西河百货店 (E2, in 西河乡) reports February with a PDF on its page; the submission's id."""
    oid = obligation(app, "E2", "monthly_risk_analysis").id
    client.get(link_path(app, "boss@e2.example"))
    page = client.get(f"/my/{oid}")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(f"/my/{oid}/report", data={"csrf": csrf, "done_on": "2026-02-19", "note": "已完成",
                                               "finding": "none"},
                    files=[("files", ("风险分析.pdf", PDF, "application/pdf"))])
    assert r.status_code == 303, r.text
    client.cookies.clear()
    from anquan.models.obligations import Submission
    with app.session() as s:
        return s.execute(select(Submission.id).where(Submission.obligation_id == oid)).scalar_one()


def test_a_township_office_sees_its_own_township_and_nothing_else(web_county, client):
    make_user(web_county, T1_OFFICE, "township_office")
    make_user(web_county, ADMIN, "county_admin")
    sub = _t2_submission_with_a_file(web_county, client)
    t1, t2 = obligation(web_county, "T1", "book_signing").org_id, obligation(web_county, "T2", "book_signing").org_id
    signed_in(client, T1_OFFICE)
    year = client.get("/console/year").text
    assert "东山镇" in year and "西河乡" not in year and "账户管理" not in year
    completion = client.get("/console/completion").text
    assert "东山镇" in completion and "西河乡" not in completion
    assert client.get(f"/console/year/cell?y=2026&t={t1}&k=book_signing").status_code == 200
    assert "东山镇 · 2026年" in client.get("/console/township").text  # its own, without asking
    assert client.get(f"/console/township?t={t1}").status_code == 200
    for path in (f"/console/year/cell?y=2026&t={t2}&k=book_signing", f"/console/year/cell?y=2026&t={t2}&k=monthly_risk_analysis",
                 f"/console/files/{sub}", "/console/users", f"/console/township?t={t2}", f"/console/township?y=2026&t={t2}", "/console/ranking",
                 "/console/outbox", "/console/outbox.xlsx", "/console/unreachable.xlsx", "/console/users.xlsx",
                 f"/console/township.xlsx?t={t2}", "/console/ranking.xlsx",
                 "/console/assessment", "/console/assessment?y=2026", "/console/assessment/workbook.xlsx?y=2026",
                 "/console/assessment/notice.docx?y=2026"):
        r = client.get(path)
        assert r.status_code == 404 and "西河" not in r.text, path
    csrf = form_csrf(client.get("/console/year").text)
    for path in ("/console/assessment/objection", "/console/assessment/objection/decide", "/console/assessment/approve"):
        assert client.post(path, data={"csrf": csrf, "y": "2026"}).status_code == 404, path
    # The county's account opens the same cell and file.
    client.cookies.clear()
    signed_in(client, ADMIN)
    assert client.get(f"/console/year/cell?y=2026&t={t2}&k=monthly_risk_analysis").status_code == 200
    assert "西河乡 · 2026年" in client.get(f"/console/township?t={t2}").text
    ranking = client.get("/console/ranking").text
    assert "东山镇" in ranking and "西河乡" in ranking and "考核预估排名" in ranking
    assert "尚未制定年度计划" in client.get("/console/ranking?y=2027").text
    r = client.get(f"/console/files/{sub}")
    assert r.status_code == 200 and r.content == PDF


def test_every_console_page_asks_to_sign_in_first(web_county, client):
    t1 = obligation(web_county, "T1", "book_signing").org_id
    for path in ("/console", "/console/year", "/console/year?y=2026", f"/console/year/cell?y=2026&t={t1}&k=book_signing",
                 "/console/files/1", "/console/users", f"/console/township?t={t1}", "/console/password", "/console/ranking", "/console/year.xlsx", "/console/ranking.xlsx", "/console/completion",
                 "/console/outbox", "/console/outbox?s=failed", "/console/outbox.xlsx", "/console/unreachable.xlsx",
                 f"/console/township.xlsx?t={t1}", "/console/completion.xlsx", "/console/users.xlsx",
                 "/console/forms", *(f"/console/forms/{name}" for name in FORMS),
                 "/console/assessment", "/console/assessment?y=2026", "/console/assessment/notice.docx?y=2026"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/console/login", path
    for path in ("/console/outbox/retry", "/console/year/cell/waive", "/console/users", "/console/password",
                 "/console/assessment/approve", "/console/assessment/objection", "/console/assessment/objection/decide"):
        r = client.post(path, data={"since": "2026-02-01", "message": "1"})
        assert r.status_code == 303 and r.headers["location"] == "/console/login", path


# -- the account's own password ------------------------------------------------------------------------------

def test_changing_ones_password_needs_the_current_one_and_ends_the_other_sessions(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    web = create_app(web_county)
    with TestClient(web, follow_redirects=False) as other_device:
        signed_in(other_device, ADMIN)
        csrf = signed_in(client, ADMIN)
        new = "a-new-password-of-mine"
        r = client.post("/console/password", data={"current": PASSWORD, "new": new, "again": new})
        assert r.status_code == 403  # no token
        r = client.post("/console/password", data={"csrf": csrf, "current": "wrong-wrong-wrong", "new": new, "again": new})
        assert r.status_code == 400 and "当前密码不正确" in r.text
        r = client.post("/console/password", data={"csrf": csrf, "current": PASSWORD, "new": new, "again": new + "x"})
        assert r.status_code == 400 and "不一致" in r.text
        r = client.post("/console/password", data={"csrf": csrf, "current": PASSWORD, "new": "short", "again": "short"})
        assert r.status_code == 400 and "新密码须为" in r.text
        r = client.post("/console/password", data={"csrf": csrf, "current": PASSWORD, "new": new, "again": new})
        assert r.status_code == 303 and client.get("/console/year").status_code == 200  # this session stays
        assert other_device.get("/console/year").status_code == 303  # the other one ended
    client.cookies.clear()
    assert login(client, ADMIN).status_code == 401
    signed_in(client, ADMIN, new)
    assert [a.detail for a in _audit(web_county, "login_failed")] == ["wrong current password", "wrong password"]
    assert len(_audit(web_county, "password_change")) == 1


def test_a_temporary_password_must_be_changed_before_any_other_page_opens(web_county, client):
    make_user(web_county, ADMIN, "county_admin", temporary=True)  # as `anquan users add` makes it
    t1 = obligation(web_county, "T1", "book_signing").org_id
    r = login(client, ADMIN)
    assert r.status_code == 303 and r.headers["location"] == "/console/password"
    page = client.get("/console/password")
    assert page.status_code == 200 and "临时密码" in page.text and "全年概览" not in page.text  # no menu
    csrf = form_csrf(page.text)
    for path in ("/console/year", f"/console/year/cell?y=2026&t={t1}&k=book_signing", "/console/files/1",
                 "/console/users", f"/console/township?t={t1}", "/console/ranking", "/console/completion",
                 "/console/outbox", "/console/year.xlsx", "/console/users.xlsx", "/console/unreachable.xlsx",
                 "/console/forms", "/console/forms/accident"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/console/password", path
    for path in ("/console/outbox/retry", "/console/users", "/console/year/cell/waive", "/console/forms/accident"):
        r = client.post(path, data={"csrf": csrf, "since": "2026-02-01", "contact": "1", "role": "county_staff"})
        assert r.status_code == 303 and r.headers["location"] == "/console/password", path
    r = client.post("/console/password", data={"csrf": csrf, "current": PASSWORD, "new": PASSWORD, "again": PASSWORD})
    assert r.status_code == 400 and "不能与当前密码相同" in r.text
    new = "my-own-password-now"
    r = client.post("/console/password", data={"csrf": csrf, "current": PASSWORD, "new": new, "again": new})
    assert r.status_code == 303 and client.get("/console/year").status_code == 200
    assert "临时密码" not in client.get("/console/password").text
    # The admin resets another account's password: its holder must change that one too; the admin is not asked again.
    make_user(web_county, T1_OFFICE, "township_office")
    made = accounts.reset_password(web_county, login=T1_OFFICE)
    client.cookies.clear()
    assert login(client, T1_OFFICE, made.password).headers["location"] == "/console/password"
    assert client.get("/console/township").headers["location"] == "/console/password"
    client.cookies.clear()
    assert login(client, ADMIN, new).headers["location"] == "/console/year"
    with web_county.session() as s:
        assert s.execute(select(ConsoleAudit).where(ConsoleAudit.action == "user_add")).first() is not None
        assert not s.execute(select(ConsoleUser.must_change_password).where(ConsoleUser.login == ADMIN)).scalar_one()


def test_console_pages_carry_the_security_headers(web_county, client):
    r = client.get("/console/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"] and r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"


# -- every route: a township office's account opens only what is listed here --------------------------------

# What a township office's account may open (its own township's rows, cells and files within them).
TOWNSHIP_OPEN = {"/console", "/console/login", "/console/logout", "/console/password", "/console/year",
                 "/console/year/cell", "/console/township", "/console/completion", "/console/year.xlsx",
                 "/console/township.xlsx", "/console/completion.xlsx", "/console/files/{submission}"}
# Path parameters filled in with every value that opens something for a county account.
PATH_VALUES = {"name": list(FORMS), "action": ["disable", "enable", "reset"], "submission": ["1"],
               "which": ["workbook.xlsx", "notice.docx"]}


def _routes(routes):
    for r in routes:  # FastAPI keeps an included router whole (no prefix here): its routes are its router's
        yield from _routes(r.original_router.routes) if hasattr(r, "original_router") else [r]


def _console_routes(web) -> list[tuple[str, str]]:
    """(method, path template) of every console route the application serves."""
    return sorted((m, r.path) for r in _routes(web.routes) if (getattr(r, "path", None) or "").startswith("/console")
                  for m in getattr(r, "methods", ()) if m in ("GET", "POST"))


def _filled(path: str) -> list[str]:
    found = re.search(r"\{(\w+)\}", path)
    if found is None:
        return [path]
    return [p for v in PATH_VALUES[found.group(1)] for p in _filled(path.replace(found.group(0), v, 1))]


def test_a_township_office_gets_404_on_every_county_route_and_nothing_is_written(web_county, client):
    make_user(web_county, T1_OFFICE, "township_office")
    make_user(web_county, ADMIN, "county_admin")
    csrf = signed_in(client, T1_OFFICE)
    web = create_app(web_county)  # the routes it serves (the client's app is wrapped in middleware)
    county_only = [(m, p) for m, p in _console_routes(web) if p not in TOWNSHIP_OPEN]
    assert {p for _, p in county_only} >= {"/console/forms", "/console/forms/{name}", "/console/users",
                                          "/console/year/cell/waive", "/console/ranking"}
    assert {p for _, p in _console_routes(web)} >= TOWNSHIP_OPEN  # the list names no route that is gone
    before = len(_audit(web_county))
    checked = []
    for method, template in county_only:
        for path in _filled(template):
            r = client.get(path) if method == "GET" else client.post(path, data={"csrf": csrf, "login": ADMIN})
            assert r.status_code == 404 and "西河" not in r.text, (method, path, r.status_code)
            checked.append((method, path))
    assert ("POST", "/console/forms/campaign") in checked and ("GET", "/console/forms/hazard") in checked
    assert len(_audit(web_county)) == before  # not one change
    # The same county pages open for the county's account.
    client.cookies.clear()
    signed_in(client, ADMIN)
    for path in [p for m, t in county_only if m == "GET" and "{" not in t for p in _filled(t)] + [
            f"/console/forms/{name}" for name in FORMS]:
        assert client.get(path).status_code == 200, path
