"""A report form that cannot be recorded says what is wrong next to the input concerned, keeps what was typed,
and records nothing (issue 12: errors mapped by field, not one line at the top)."""

from __future__ import annotations

import pytest

from sqlalchemy import select

from anquan.models.obligations import Submission
from tests.support.web import PDF, field_error, follow, obligation, sign_in

BOSS = "boss@e1.example"


def _submissions(app, oid: int) -> list:
    with app.session() as s:
        return s.execute(select(Submission).where(Submission.obligation_id == oid)).scalars().all()


def _report(client, oid: int, csrf: str, **fields):
    return client.post(f"/my/{oid}/report", data={"csrf": csrf, **fields}, files=[])


def test_a_future_date_is_shown_at_the_date_input(web_county, client):
    csrf = sign_in(client, web_county, BOSS)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    r = _report(client, oid, csrf, done_on="2026-02-21", finding="none", note="已组织开展风险分析")
    assert r.status_code == 400
    assert field_error(r.text, "done_on") == "完成日期不能晚于今天。"
    assert field_error(r.text, "files") is None and field_error(r.text, "finding_text") is None
    assert "请按提示修改后重新提交。" in r.text and "已组织开展风险分析" in r.text  # what was typed is kept
    assert _submissions(web_county, oid) == []


def test_every_wrong_input_is_marked_at_once(web_county, client):
    csrf = sign_in(client, web_county, BOSS)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    r = _report(client, oid, csrf, done_on="", finding="warning_sign", finding_text="有")
    assert r.status_code == 400
    assert field_error(r.text, "done_on") == "请填写完成日期。"
    assert field_error(r.text, "finding_text") == "请描述发现的事故征兆或重大危险源（至少4个字）。"
    assert _submissions(web_county, oid) == []


def test_a_refused_file_is_shown_at_the_file_input(web_county, client):
    csrf = sign_in(client, web_county, BOSS)
    oid = obligation(web_county, "E1", "monthly_risk_analysis").id
    r = client.post(f"/my/{oid}/report", data={"csrf": csrf, "done_on": "2026-02-19", "finding": "none"},
                    files=[("files", ("报告.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")),
                           ("files", ("照片.pdf", PDF, "application/pdf"))])
    assert r.status_code in (400, 415)
    assert "报告.pdf" in (field_error(r.text, "files") or "")
    assert field_error(r.text, "done_on") is None
    assert _submissions(web_county, oid) == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_in_chromium_the_message_stands_under_the_input(served_county, chromium):
    from tests.support.web import link_path
    from tests.web.conftest import ARTIFACTS, TODAY

    a, base = served_county(TODAY)
    oid = obligation(a, "E1", "monthly_risk_analysis").id
    page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page.goto(base + link_path(a, BOSS))
    page.goto(f"{base}/my/{oid}")
    page.check("input[value=warning_sign]")
    page.fill("#finding_text", "有")
    follow(page, "section.report button[type=submit]")
    message = page.locator("#finding_text-error")
    assert message.inner_text() == "请描述发现的事故征兆或重大危险源（至少4个字）。"
    below = message.bounding_box()["y"] - page.locator("#finding_text").bounding_box()["y"]
    assert 0 < below < 200, "the message stands right under the text box"
    assert page.locator("#finding_text").input_value() == "有"
    ARTIFACTS.mkdir(exist_ok=True)
    message.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "report-form-error-phone.png"))
    page.close()
    assert _submissions(a, oid) == []
