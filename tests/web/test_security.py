"""Every protection of the officials' pages, each test failing if its protection is removed."""

from __future__ import annotations

import logging
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from anquan.directory.links import revoke_links
from anquan.models.obligations import Obligation, Submission
from anquan.models.settings import SettingsError, load_settings
from anquan.web.app import create_app
from anquan.web.security import SESSION_COOKIE, Limits, RedactTokens
from tests.support.web import PDF, contact, link_path, obligation, sign_in
from tests.web.conftest import OLD_KEY, keyed

BOSS = "boss@e1.example"  # 孙经理, principal of 东山建筑公司 (E1)
OTHER = "boss@e2.example"  # 郑老板, principal of 西河百货店 (E2)


def _signed_in(client: TestClient, app, email: str = BOSS) -> str:
    return sign_in(client, app, email)


def _submissions(app, obligation_id: int) -> list[Submission]:
    with app.session() as s:
        return s.execute(select(Submission).where(Submission.obligation_id == obligation_id)).scalars().all()


def _report(client, oid, csrf, files=None, done_on="2026-02-19"):
    data = {"done_on": done_on, "note": "已完成", "finding": "none"}
    if csrf is not None:
        data["csrf"] = csrf
    return client.post(f"/my/{oid}/report", data=data, files=files or [("files", ("报告.pdf", PDF, "application/pdf"))])


# -- the link ------------------------------------------------------------------

def test_link_is_exchanged_for_a_cookie_and_a_clean_address(web_county, client):
    r = client.get(link_path(web_county, BOSS))
    assert r.status_code == 303 and r.headers["location"] == "/my"
    cookie = r.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # the public address is http here; see the https case below
    assert "孙经理" in client.get("/my").text


def test_cookie_is_secure_behind_https(web_county):
    a = keyed(web_county, public_url="https://anquan.county.example")
    with TestClient(create_app(a), base_url="https://testserver", follow_redirects=False) as c:
        r = c.get(link_path(a, BOSS))
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_forged_link_is_refused(web_county, client):
    r = client.get("/l/WzUsMF0.aSnKcA.not-a-real-signature")
    assert r.status_code == 403 and "链接无效" in r.text and "县安委办" in r.text
    assert "set-cookie" not in r.headers
    assert client.get("/my").status_code == 401


def test_altered_link_is_refused(web_county, client):
    path = link_path(web_county, BOSS)
    payload, stamp, sig = path.removeprefix("/l/").split(".")
    other = contact(web_county, OTHER)
    import base64
    altered = base64.urlsafe_b64encode(f"[{other.id},0]".encode()).decode().rstrip("=")
    for bad in (f"/l/{altered}.{stamp}.{sig}", f"/l/{payload}.{stamp}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"):
        r = client.get(bad)
        assert r.status_code == 403 and "set-cookie" not in r.headers


def test_expired_link_is_refused(web_county, client, monkeypatch):
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 61 * 86400)
    old = link_path(web_county, BOSS)
    monkeypatch.setattr(time, "time", real)
    r = client.get(old)
    assert r.status_code == 410 and "已过期" in r.text and "set-cookie" not in r.headers
    assert client.get(link_path(web_county, BOSS)).status_code == 303  # a fresh one works


def test_revoked_link_and_its_session_are_refused(web_county, client):
    path = link_path(web_county, BOSS)
    _signed_in(client, web_county)
    with web_county.session() as s:
        assert revoke_links(session=s, org_code="E1").contacts == 2
    assert client.get("/my").status_code == 401  # the open session ends too
    r = client.get(path)
    assert r.status_code == 410 and "已停用" in r.text
    assert client.get(link_path(web_county, BOSS)).status_code == 303  # the next mail's link works


def test_contact_leaving_the_directory_revokes_their_link(web_county, client, small_dir, tmp_path):
    from anquan.directory.importer import import_directory
    from tests.support.county import SMALL_CONTACTS, SMALL_ORGS, write_csvs

    path = link_path(web_county, BOSS)
    folder = write_csvs(tmp_path / "without-boss", SMALL_ORGS, [c for c in SMALL_CONTACTS if c[3] != BOSS])
    with web_county.session() as s:
        import_directory(session=s, path=folder)
    assert client.get(path).status_code == 410


def test_old_key_still_opens_links_during_rotation(web_county):
    old_signed = keyed(web_county, secret_key=SecretStr(OLD_KEY))
    path = link_path(old_signed, BOSS)
    rotated = keyed(web_county, secret_key_old=SecretStr(OLD_KEY))
    with TestClient(create_app(rotated), follow_redirects=False) as c:
        assert c.get(path).status_code == 303
    with TestClient(create_app(keyed(web_county)), follow_redirects=False) as c:  # the old key dropped: refused
        assert c.get(path).status_code == 403


def test_placeholder_or_missing_key_is_refused(web_county):
    with pytest.raises(SettingsError, match="ANQUAN_SECRET_KEY"):
        load_settings(secret_key="CHANGE-ME")
    with pytest.raises(SettingsError, match="ANQUAN_SECRET_KEY"):
        create_app(keyed(web_county, secret_key=SecretStr("")))


# -- what a contact may see --------------------------------------------------------

def test_another_contacts_obligation_is_not_found(web_county, client):
    csrf = _signed_in(client, web_county)
    theirs = obligation(web_county, "E2", "monthly_risk_analysis")
    mine = obligation(web_county, "E1", "monthly_risk_analysis")
    assert client.get(f"/my/{mine.id}").status_code == 200
    for path in (f"/my/{theirs.id}", "/my/999999", "/my/abc", f"/my/{theirs.id}%20", "/my/-1"):
        assert client.get(path).status_code == 404, path
    r = _report(client, theirs.id, csrf)
    assert r.status_code == 404 and _submissions(web_county, theirs.id) == []


def test_supervised_duty_is_read_only(web_county, client):
    """The township head sees the enterprise's overdue analysis (escalated to them) but cannot report it."""
    csrf = _signed_in(client, web_county, "head@t1.example")
    urged = obligation(web_county, "E1", "monthly_risk_analysis")
    page = client.get(f"/my/{urged.id}")
    assert page.status_code == 200 and "孙经理" in page.text and "报告完成情况" not in page.text
    assert _report(client, urged.id, csrf).status_code == 404
    assert _submissions(web_county, urged.id) == []


def test_pages_need_a_session(web_county, client):
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    assert client.get("/my").status_code == 401
    assert client.get(f"/my/{oid}").status_code == 401
    assert _report(client, oid, "x").status_code == 401 and _submissions(web_county, oid) == []


# -- forms -------------------------------------------------------------------

@pytest.mark.parametrize("csrf", [None, "wrong-token"])
def test_report_without_the_sessions_csrf_token_is_refused(web_county, client, csrf):
    _signed_in(client, web_county)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    r = _report(client, oid, csrf)
    assert r.status_code == 403 and _submissions(web_county, oid) == []


def test_oversize_upload_is_refused(web_county):
    a = keyed(web_county, upload_max_mb=1)
    with TestClient(create_app(a), follow_redirects=False) as c:
        csrf = _signed_in(c, a)
        oid = obligation(a, "E1", "monthly_risk_analysis").id
        big = PDF + b"0" * (1 << 20)
        r = _report(c, oid, csrf, files=[("files", ("big.pdf", big, "application/pdf"))])
        assert r.status_code == 413 and "超过 1 MB" in r.text
        too_many = [("files", (f"{i}.pdf", PDF, "application/pdf")) for i in range(a.settings.upload_max_files + 1)]
        assert _report(c, oid, csrf, files=too_many).status_code in (400, 413)
    assert _submissions(a, oid) == []


def test_upload_type_comes_from_the_content(web_county, client):
    csrf = _signed_in(client, web_county)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    fake = [("files", ("报告.pdf", b"MZ\x90\x00 this is a program, not a PDF", "application/pdf"))]
    r = _report(client, oid, csrf, files=fake)
    assert r.status_code == 415 and "不是可接受的类型" in r.text and _submissions(web_county, oid) == []
    # A real PDF under a misleading name is taken, and stored as what it is.
    r = _report(client, oid, csrf, files=[("files", ("../../etc/passwd.exe", PDF, "application/octet-stream"))])
    assert r.status_code == 303
    [sub] = _submissions(web_county, oid)
    assert sub.file_name == "passwd.exe" and sub.file_path.endswith(".pdf")
    assert str(web_county.settings.files_dir) in sub.file_path


def test_report_date_cannot_be_in_the_future(web_county, client):
    csrf = _signed_in(client, web_county)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    r = _report(client, oid, csrf, done_on="2026-02-21")
    assert r.status_code == 400 and "不能晚于今天" in r.text and _submissions(web_county, oid) == []


def test_link_use_is_rate_limited(web_county):
    with TestClient(create_app(web_county, limits=Limits(links=3)), follow_redirects=False) as c:
        assert c.get(link_path(web_county, BOSS)).status_code == 303  # good links do not use up the guesses
        statuses = [c.get(f"/l/forged-{i}").status_code for i in range(4)]
        assert statuses == [403, 403, 403, 429]
        assert c.get(link_path(web_county, BOSS)).status_code == 429  # even a good link, from this address, for now
    with TestClient(create_app(web_county, limits=Limits(link_openings=2)), follow_redirects=False) as c:
        assert [c.get(link_path(web_county, BOSS)).status_code for _ in range(3)] == [303, 303, 429]


def test_reports_are_rate_limited_per_contact(web_county):
    with TestClient(create_app(web_county, limits=Limits(reports=2)), follow_redirects=False) as c:
        csrf = _signed_in(c, web_county)
        oid = obligation(web_county, "E1", "monthly_risk_analysis").id
        assert [_report(c, oid, csrf).status_code for _ in range(3)] == [303, 303, 429]
    assert len(_submissions(web_county, oid)) == 2


# -- headers and logs -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/my", "/l/forged", "/my/1", "/static/anquan.css"])
def test_security_headers_on_every_response(web_county, client, path):
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_load_nothing_from_elsewhere_and_run_no_script(web_county, client):
    _signed_in(client, web_county)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    for text in (client.get("/my").text, client.get(f"/my/{oid}").text):
        assert "<script" not in text and "http://" not in text and "https://" not in text and " style=" not in text


def test_access_log_never_shows_a_token():
    token = "WzUsMF0.aSnKcA.secret-signature"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/l/{token}", "1.1", 303), None)
    RedactTokens().filter(record)
    assert token not in record.getMessage() and "/l/[redacted]" in record.getMessage()


def test_report_records_who_when_and_from_where(web_county, client):
    csrf = _signed_in(client, web_county)
    ob = obligation(web_county, "E1", "monthly_risk_analysis")
    r = _report(client, ob.id, csrf)
    assert r.status_code == 303 and r.headers["location"] == f"/my?done={ob.id}"
    [sub] = _submissions(web_county, ob.id)
    assert (sub.source, sub.contact_id, sub.client_addr) == ("web", contact(web_county, BOSS).id, "testclient")
    assert sub.file_name == "报告.pdf" and sub.recorded_at is not None
    with web_county.session() as s:
        assert s.get(Obligation, ob.id).status == "late"  # January's analysis, reported on 19 February
    assert "已记录" in client.get(r.headers["location"]).text


# -- the enterprise's monthly risk analysis --------------------------------------

def test_risk_analysis_with_a_warning_sign_takes_the_alert_path(web_county, client):
    from anquan.models.records import RiskAlert
    from tests.support import outbox

    csrf = _signed_in(client, web_county)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    data = {"csrf": csrf, "done_on": "2026-02-19", "finding": "warning_sign", "finding_text": "", "measures": ""}
    r = client.post(f"/my/{oid}/report", data=data, files=[])
    assert r.status_code == 400 and "至少4个字" in r.text and _submissions(web_county, oid) == []
    data.update(finding_text="3号储罐区可燃气体报警两次", measures="停用3号储罐，已报修")
    assert client.post(f"/my/{oid}/report", data=data, files=[]).status_code == 303
    with web_county.session() as s:
        [alert] = s.execute(select(RiskAlert)).scalars().all()
    assert (alert.kind, alert.obligation_id, alert.measures) == ("warning_sign", oid, "停用3号储罐，已报修")
    told = {m.to_addr for m in outbox(web_county, stage="alert")}
    assert told == {"so1@t1.example", "so2@t1.example", "office@county.example"}
    assert len(_submissions(web_county, oid)) == 1


def test_risk_analysis_needs_its_finding(web_county, client):
    csrf = _signed_in(client, web_county)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    r = client.post(f"/my/{oid}/report", data={"csrf": csrf, "done_on": "2026-02-19"}, files=[])
    assert r.status_code == 400 and "风险分析的结果" in r.text and _submissions(web_county, oid) == []
