"""A report form sent twice (a double click, a resent form, many at once) is one report; a later one is history."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import select

from anquan.models.obligations import Submission
from anquan.models.records import RiskAlert
from anquan.web.app import create_app
from anquan.web.security import Limits
from tests.support import outbox
from tests.support.web import PDF, link_path, obligation

BOSS = "boss@e1.example"


def _rows(app, oid) -> list[Submission]:
    with app.session() as s:
        return s.execute(select(Submission).where(Submission.obligation_id == oid).order_by(Submission.id)).scalars().all()


def _form(client, oid) -> dict:
    """The hidden fields of the duty's report form, as the page gives them."""
    text = client.get(f"/my/{oid}").text
    return {name: text.split(f'name="{name}" value="')[1].split('"')[0] for name in ("csrf", "seen")}


def test_the_same_form_sent_again_is_one_report_and_a_later_one_is_kept(web_county, client):
    assert client.get(link_path(web_county, BOSS)).status_code == 303
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    form = _form(client, oid) | {"done_on": "2026-02-19", "note": "已完成", "finding": "none"}
    assert form["seen"] == "0"
    files = [("files", ("报告.pdf", PDF, "application/pdf"))]
    for _ in range(3):  # a double click, then the back button and the form sent once more
        r = client.post(f"/my/{oid}/report", data=form, files=files)
        assert r.status_code == 303 and r.headers["location"] == f"/my?done={oid}"
    [first] = _rows(web_county, oid)
    assert "已记录" in client.get(f"/my?done={oid}").text
    # Later the person opens the duty again (its record now shows the first report) and adds material.
    again = _form(client, oid)
    assert again["seen"] == str(first.id)
    r = client.post(f"/my/{oid}/report", data=form | again | {"note": "补充材料"}, files=files)
    assert r.status_code == 303
    assert [s.note for s in _rows(web_county, oid)] == ["已完成", "补充材料"]


def test_a_warning_sign_sent_twice_is_one_report_and_one_alert(web_county, client):
    client.get(link_path(web_county, BOSS))
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    form = _form(client, oid) | {"done_on": "2026-02-19", "finding": "warning_sign",
                                 "finding_text": "3号储罐区可燃气体报警两次", "measures": "停用3号储罐"}
    for _ in range(2):
        assert client.post(f"/my/{oid}/report", data=form, files=[]).status_code == 303
    assert len(_rows(web_county, oid)) == 1
    with web_county.session() as s:
        assert len(s.execute(select(RiskAlert)).scalars().all()) == 1
    assert len(outbox(web_county, stage="alert")) == 3  # the two safety-office staff and the county office, once


def test_many_identical_posts_at_once_make_one_submission(web_county, live_server):
    """Eight copies of one form posted at the same moment to uvicorn on loopback: one submission, eight redirects."""
    base = live_server(lambda _base: create_app(web_county, limits=Limits(links=1000, reports=1000)))
    with httpx.Client(base_url=base) as c:
        assert c.get(link_path(web_county, BOSS)).status_code == 303
        oid = obligation(web_county, "E1", "monthly_risk_analysis").id
        form = _form(c, oid) | {"done_on": "2026-02-19", "note": "已完成", "finding": "none"}
        cookies = dict(c.cookies)
    start, answers = threading.Barrier(8), []

    def post():
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as mine:
            start.wait()
            r = mine.post(f"/my/{oid}/report", data=form, files=[("files", ("报告.pdf", PDF, "application/pdf"))])
            answers.append((r.status_code, r.headers.get("location")))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert answers == [(303, f"/my?done={oid}")] * 8
    [sub] = _rows(web_county, oid)
    assert sub.file_name == "报告.pdf" and sub.note == "已完成"
