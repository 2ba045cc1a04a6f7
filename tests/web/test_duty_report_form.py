"""The township head downloads the duty report form from the report's page, made from today's records."""

from __future__ import annotations

from urllib.parse import unquote

from tests.support import docx_text
from tests.support.web import obligation, sign_in

HEAD = "head@t1.example"  # 东山镇's head


def test_the_head_downloads_the_form_of_their_own_report_made_today(client, web_county):
    sign_in(client, web_county, HEAD)
    report = obligation(web_county, "T1", "midyear_report")
    page = client.get(f"/my/{report.id}")
    assert page.status_code == 200 and f'href="/my/{report.id}/form.docx"' in page.text and "下载履职报告书" in page.text
    got = client.get(f"/my/{report.id}/form.docx")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert unquote(got.headers["content-disposition"].split("UTF-8''")[1]) == "2026年东山镇半年安全生产工作履职报告书.docx"
    text = docx_text(got.content)
    today = web_county.today()
    assert "（半年　东山镇）" in text and f"截至{today.year}年{today.month}月{today.day}日" in text


def test_no_form_for_another_duty_or_another_persons_report(client, web_county):
    sign_in(client, web_county, HEAD)
    meeting = obligation(web_county, "T1", "quarterly_meeting")
    assert "form.docx" not in client.get(f"/my/{meeting.id}").text
    assert client.get(f"/my/{meeting.id}/form.docx").status_code == 404
    other = obligation(web_county, "T2", "midyear_report")
    assert client.get(f"/my/{other.id}/form.docx").status_code == 404
    client.cookies.clear()
    assert client.get(f"/my/{obligation(web_county, 'T1', 'midyear_report').id}/form.docx").status_code == 401
