"""The draft notice's 下一步要求 and 抄送, edited in the console before the approval (issue 14, item 3), on both
backends: the form shows today's text; a control character is refused beside its field; the saved text is in the draft
notice the console downloads and in the notice issued at the approval; editing after the approval is refused; a
township office's account gets the console's 404."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from anquan.assessment import usecases as assessment
from anquan.assessment.notice import COPIED_TO, NEXT_YEAR
from anquan.models.accounts import ConsoleAudit
from anquan.models.assessment import AssessmentRecord
from anquan.web.app import create_app
from tests.support.console import form_csrf, make_user, signed_in
from tests.support.documents import docx_paragraphs
from tests.web.conftest import keyed

RUN = date(2027, 1, 15)
ADMIN = "huang.jie.ql@qinglan.example"  # 黄杰, 县安委办
STAFF = "zeng.cheng.ql@qinglan.example"  # 曾成, 县安委办
QL01_OFFICE = "jiang.chunying.ql01@qinglan.example"  # 蒋春英, 石门镇安监办
FLOOD = "切实抓好汛期和地质灾害易发季节的安全防范，落实巡查值守和人员转移避险措施。"
MONTH = "组织开展“安全生产月”和“安全生产万里行”活动，各乡（镇）于6月底前报送活动总结。"
COPIED = "县委办公室，县政府办公室，县应急管理局"


def _notice(client, y: int = 2026) -> list[str]:
    r = client.get(f"/console/assessment/notice.docx?y={y}")
    assert r.status_code == 200, r.text
    return docx_paragraphs(r.content)


def _section(paragraphs: list[str]) -> list[str]:
    """The paragraphs of 五、下一步要求, up to the closing wish."""
    start = paragraphs.index("五、下一步要求") + 1
    return paragraphs[start:start + next(i for i, p in enumerate(paragraphs[start:]) if p.startswith("希望"))]


def test_the_office_edits_next_years_requirements_and_the_copy_line_until_the_approval(planned_county):
    a = keyed(planned_county)  # no SMTP server: the approval's mail is kept as .eml files
    a.today = lambda: RUN
    for email, role in ((ADMIN, "county_admin"), (STAFF, "county_staff"), (QL01_OFFICE, "township_office")):
        make_user(a, email, role)
    assessment.draft_year(a, year=2026, on=RUN)
    with TestClient(create_app(a), follow_redirects=False) as client:
        _walk(a, client)


def _walk(a, client) -> None:
    # A township office: the console's 404, for the form as for the page; nothing saved.
    csrf = signed_in(client, QL01_OFFICE)
    assert client.get("/console/assessment?y=2026").status_code == 404
    r = client.post("/console/assessment/notice", data={"csrf": csrf, "y": "2026", "requirements": FLOOD,
                                                        "copied_to": COPIED})
    assert r.status_code == 404 and "下一步要求" not in r.text
    client.cookies.clear()

    # County staff: the form shows what the notice says today, as the draft notice does.
    csrf = signed_in(client, STAFF)
    page = client.get("/console/assessment?y=2026").text
    assert f">{NEXT_YEAR[0]}\n{NEXT_YEAR[1]}" in page and f'value="{COPIED_TO}"' in page
    draft = _notice(client)
    assert _section(draft) == [f"（{n}）{t}" for n, t in zip("一二三四", NEXT_YEAR)] and f"抄送：{COPIED_TO}" in draft

    # A control character is refused beside the textarea; the office's text is kept in the form, nothing saved.
    r = client.post("/console/assessment/notice", data={"csrf": csrf, "y": "2026", "requirements": FLOOD + "\x07",
                                                        "copied_to": COPIED})
    assert r.status_code == 400 and 'id="requirements-error"' in r.text and "控制字符" in r.text
    assert 'aria-describedby="requirements-error"' in r.text and COPIED in r.text
    r = client.post("/console/assessment/notice", data={"csrf": csrf, "y": "2026", "requirements": FLOOD,
                                                        "copied_to": "抄送\n县政府办公室"})
    assert r.status_code == 400 and 'id="copied_to-error"' in r.text
    with a.session() as s:
        assert s.execute(select(AssessmentRecord.notice_requirements)).scalar_one() is None

    # Saved: numbers the office typed are dropped (the notice numbers them), blank lines too, 。 added to 抄送.
    r = client.post("/console/assessment/notice", data={"csrf": csrf, "y": "2026", "copied_to": COPIED,
                                                        "requirements": f"（一）{FLOOD}\r\n\r\n2. {MONTH}\r\n"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=notice#notice")
    page = client.get(r.headers["location"]).text
    assert "下一步要求和抄送已保存" in page and f">{FLOOD}\n{MONTH}</textarea>" in page
    draft = _notice(client)
    assert _section(draft) == [f"（一）{FLOOD}", f"（二）{MONTH}"] and f"抄送：{COPIED}。" in draft
    assert "（草稿）" in draft and NEXT_YEAR[0] not in "\n".join(draft)
    client.cookies.clear()

    # The county admin approves: the issued notice, as downloaded, written and mailed, reads the edited text.
    csrf = signed_in(client, ADMIN)
    r = client.post("/console/assessment/approve", data={"csrf": csrf, "y": "2026"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=approved")
    issued = _notice(client)
    assert "（草稿）" not in issued and any("青安委〔2027〕1号" in p for p in issued)
    assert _section(issued) == [f"（一）{FLOOD}", f"（二）{MONTH}"] and f"抄送：{COPIED}。" in issued
    written = (a.settings.data_dir / "reports" / "2026" / "assessment-2026.docx").read_bytes()
    assert _section(docx_paragraphs(written)) == _section(issued)

    # After the approval the text is fixed: the form is gone, a POST is refused with a message, nothing changes.
    page = client.get("/console/assessment?y=2026").text
    assert 'action="/console/assessment/notice"' not in page and f"抄送：{COPIED}。" in page
    r = client.post("/console/assessment/notice", data={"csrf": form_csrf(page), "y": "2026", "requirements": MONTH,
                                                        "copied_to": "县政府办公室"})
    assert r.status_code == 409 and "不能再修改" in r.text
    assert _section(_notice(client)) == [f"（一）{FLOOD}", f"（二）{MONTH}"]
    with a.session() as s:
        edits = s.execute(select(ConsoleAudit.actor, ConsoleAudit.detail)
                          .where(ConsoleAudit.action == "assessment_notice_edit")).all()
    assert edits == [(STAFF, f"下一步要求2条；抄送：{COPIED}。")]
