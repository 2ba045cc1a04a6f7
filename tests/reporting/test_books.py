"""The responsibility books: their templates, the filled-in documents, and the mail that carries them."""

from datetime import date
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from anquan.errors import InvalidValue, TemplateError
from anquan.reporting.books import DOCUMENTS_DIR, check_template, render_book, render_books, send_books
from anquan.models.db import session_scope
from anquan.models.outbox import OutboxMessage
from tests.support import docx_text, org_by_code


def test_township_book_is_filled_in(planned_county):
    with session_scope(planned_county.engine) as s:
        text = docx_text(render_book(s, org_by_code(s, "QL01"), 2026))
    assert "青岚县乡镇安全生产目标责任书" in text and "（2026年度　石门镇）" in text
    assert "确保完成2026年安全生产工作任务" in text and "2027年1月5日前" in text
    assert "签章时间：2026年2月　日" in text
    assert "{{" not in text and "{%" not in text and "20__" not in text


def test_village_and_unit_books(planned_county):
    with session_scope(planned_county.engine) as s:
        village = docx_text(render_book(s, org_by_code(s, "QL01V01"), 2026))
        unit = docx_text(render_book(s, org_by_code(s, "QL01U01"), 2026))
    assert "石门镇人民政府与田心村安全生产目标责任书" in village and "配备1名兼职安全员" in village
    assert "村民委员会主任对本村安全生产工作负全面责任" in village
    # A unit's book gives the unit's own duties, not the village's (issue 11).
    assert "配备1名兼职安全员" not in unit and "石门镇中心小学" in unit and "村民委员会" not in unit
    assert "单位主要负责人对本单位安全生产工作负全面责任" in unit and "检查情况报石门镇安监办" in unit
    assert "{{" not in village + unit and "乡(镇)" not in village + unit and "石门镇村" not in village


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_a_village_book_goes_to_the_committee_head_and_comes_back_to_the_township(planned_county):
    """Issue 11: the book names the village committee head (村委会主任) as signatory, is mailed to them, and the
    scan goes back to the township, the other party; a village without a head falls back to its safety officer."""
    with session_scope(planned_county.engine) as s:
        text = docx_text(render_book(s, org_by_code(s, "QL01V01"), 2026))
        headless = docx_text(render_book(s, org_by_code(s, "QL03V02"), 2026))
        send_books(session=s, rules=planned_county.rules, year=2026, today=date(2026, 2, 1),
                   mail_from=planned_county.settings.mail_from, tz=planned_county.settings.tz)
        msgs = s.execute(select(OutboxMessage).where(OutboxMessage.template == "book")).scalars().all()
    to = {m.to_addr: m for m in msgs}
    assert "田心村（盖章）\n签字人：刘建磊" in text and "签字人：郑敏" not in text
    assert not headless.rstrip().endswith("签字人：\n签章时间：2026年2月　日")  # its safety officer signs instead
    assert "zheng.min.ql01v01@qinglan.example" not in to
    body = message_from_bytes(to["liu.jianlei.ql01v01@qinglan.example"].raw,
                              policy=policy.default).get_body(("plain",)).get_content()
    assert body.startswith("田心村委会主任 刘建磊同志：") and "将签字扫描件报送石门镇安监办" in body
    assert "县安委办" not in body.split("如何回复")[0]  # the mail's own request; the shared footer is about answering


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_render_all_books(planned_county, tmp_path):
    with session_scope(planned_county.engine) as s:
        paths = render_books(session=s, year=2026, out=tmp_path)
    assert len(paths) == 8 + 75 + 33
    assert all(p.stat().st_size > 5000 for p in paths)


def test_books_of_a_year_never_planned_are_refused(planned_county, tmp_path):
    with session_scope(planned_county.engine) as s:
        with pytest.raises(InvalidValue, match="year 2030 is not planned.*planned year\\(s\\): 2026") as exc:
            render_books(session=s, year=2030, out=tmp_path / "books")
        assert exc.value.field == "year"
        with pytest.raises(InvalidValue, match="year 2030 is not planned"):
            send_books(session=s, rules=planned_county.rules, year=2030, today=date(2030, 2, 1),
                       mail_from=planned_county.settings.mail_from, tz=planned_county.settings.tz)
        assert s.execute(select(OutboxMessage)).first() is None
    assert not (tmp_path / "books").exists()


def test_broken_template_field_is_named(tmp_path):
    from docx import Document as New

    doc = New()
    doc.add_paragraph("{{ township_nme }}签订")
    bad = tmp_path / "bad.docx"
    doc.save(bad)
    with pytest.raises(TemplateError, match="unknown field\\(s\\) township_nme"):
        check_template(bad, {"township_name", "year"})
    doc = New()
    doc.add_paragraph("{{ year }")
    doc.save(bad)
    with pytest.raises(TemplateError, match="broken field"):
        check_template(bad, {"year"})


def test_shipped_templates_use_only_known_fields():
    from anquan.reporting.books import BOOK_FIELDS

    for name, fields in BOOK_FIELDS.items():
        check_template(DOCUMENTS_DIR / name, fields)


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_send_books_attaches_each_book(planned_county):
    with session_scope(planned_county.engine) as s:
        result = send_books(session=s, rules=planned_county.rules, year=2026, today=date(2026, 2, 1),
                            mail_from=planned_county.settings.mail_from, tz=planned_county.settings.tz)
        again = send_books(session=s, rules=planned_county.rules, year=2026, today=date(2026, 2, 1),
                           mail_from=planned_county.settings.mail_from, tz=planned_county.settings.tz)
        msgs = s.execute(select(OutboxMessage)).scalars().all()
    assert result["books"] == 116 and again["mails_queued"] == 0 and len(msgs) == result["mails_queued"]
    m = next(x for x in msgs if "石门镇2026" in x.subject and "责任书" in x.subject and x.to_addr.endswith(".ql01@qinglan.example"))
    part = next(message_from_bytes(m.raw, policy=policy.default).iter_attachments())
    assert part.get_filename() == "2026-QL01-石门镇-安全生产目标责任书.docx"
    assert "（2026年度　石门镇）" in docx_text(part.get_content())
