"""The Word documents: books and duty report forms, their templates, and the mail that carries them."""

import io
import shutil
from datetime import date
from email import message_from_bytes, policy

import pytest
from docx import Document
from sqlalchemy import select

from anquan.directory.importer import import_directory
from anquan.reporting.books import (DOCUMENTS_DIR, TemplateError, check_template, render_book, render_books,
                              render_duty_report, send_books)
from anquan.cycle.planning import plan_year
from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.directory import Organisation
from anquan.models.outbox import OutboxMessage
from tests.conftest import SAMPLE


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


@pytest.fixture
def county(app):
    with session_scope(app.engine) as s:
        import_directory(session=s, path=SAMPLE)
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)
    return app


def _org(s, code):
    return s.execute(select(Organisation).where(Organisation.code == code)).scalar_one()


def test_township_book_is_filled_in(county):
    with session_scope(county.engine) as s:
        text = _text(render_book(s, _org(s, "QL01"), 2026))
    assert "青岚县乡镇安全生产目标责任书" in text and "（2026年度 · 石门镇）" in text
    assert "确保完成2026年安全生产工作任务" in text and "2027年1月5日前" in text
    assert "签章时间：2026年2月____日" in text
    assert "{{" not in text and "{%" not in text and "20__" not in text


def test_village_and_unit_books(county):
    with session_scope(county.engine) as s:
        village = _text(render_book(s, _org(s, "QL01V01"), 2026))
        unit = _text(render_book(s, _org(s, "QL01U01"), 2026))
    assert "石门镇村（单位）安全生产目标责任书" in village and "配备1名兼职安全员" in village
    assert "配备1名兼职安全员" not in unit and "石门镇中心小学" in unit
    assert "{{" not in village + unit


def test_render_all_books(county, tmp_path):
    with session_scope(county.engine) as s:
        paths = render_books(session=s, year=2026, out=tmp_path)
    assert len(paths) == 8 + 75 + 33
    assert all(p.stat().st_size > 5000 for p in paths)


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


def test_duty_report_form_carries_the_record(county):
    from anquan.records.accidents import MailSettings, add_accident

    with session_scope(county.engine) as s:
        add_accident(session=s, org_code="QL03", occurred_on=date(2026, 3, 3), kind="other", deaths=1, injuries=2,
                     mail=MailSettings(county.settings.mail_from, county.settings.tz), rubric=county.rubric,
                     today=date(2026, 6, 20))
        text = _text(render_duty_report(s, rules=county.rules, rubric=county.rubric, township=_org(s, "QL03"),
                                        year=2026, kind="midyear_report", as_of=date(2026, 6, 20)))
    assert "2026年乡(镇)级人民政府安全生产工作履职报告书" in text and "（半年 · 白沙镇）" in text
    assert "季度安全生产工作会议（2026年第1季度）" in text and "未完成" in text
    assert "生产安全事故：1起，死亡1人，受伤2人" in text
    assert "安监办专（兼）职人员1人" in text  # QL03's staffing gap
    assert "按考核细则自评得分：" in text
    assert "{{" not in text and "{%" not in text


def test_report_reminder_carries_the_form(county):
    with session_scope(county.engine) as s:
        tick(session=s, rules=county.rules, as_of=date(2026, 6, 14), mail_from=county.settings.mail_from,
             tz=county.settings.tz, rubric=county.rubric)
        msgs = s.execute(select(OutboxMessage)).scalars().all()
    heads = [m for m in msgs if "reminder-21" in m.stage]
    with_form = []
    for m in heads:
        msg = message_from_bytes(m.raw, policy=policy.default)
        for part in msg.iter_attachments():
            if part.get_filename().endswith("履职报告书.docx"):
                with_form.append((m.to_addr, _text(part.get_content())))
    assert len(with_form) == 8  # one per township head
    assert all("履职报告书" in text for _, text in with_form)
    assert any("（半年 · 石门镇）" in text for _, text in with_form)


def test_send_books_attaches_each_book(county):
    with session_scope(county.engine) as s:
        result = send_books(session=s, rules=county.rules, year=2026, today=date(2026, 2, 1),
                            mail_from=county.settings.mail_from, tz=county.settings.tz)
        again = send_books(session=s, rules=county.rules, year=2026, today=date(2026, 2, 1),
                           mail_from=county.settings.mail_from, tz=county.settings.tz)
        msgs = s.execute(select(OutboxMessage)).scalars().all()
    assert result["books"] == 116 and again["mails_queued"] == 0 and len(msgs) == result["mails_queued"]
    m = next(x for x in msgs if "石门镇2026" in x.subject and "责任书" in x.subject and x.to_addr.endswith(".ql01@qinglan.example"))
    part = next(message_from_bytes(m.raw, policy=policy.default).iter_attachments())
    assert part.get_filename() == "2026-QL01-石门镇-安全生产目标责任书.docx"
    assert "（2026年度 · 石门镇）" in _text(part.get_content())


def test_book_reads_cleanly_in_libreoffice(county, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    import subprocess

    with session_scope(county.engine) as s:
        (tmp_path / "book.docx").write_bytes(render_book(s, _org(s, "QL02"), 2026))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "txt:Text",
                    "--outdir", str(tmp_path), str(tmp_path / "book.docx")], check=True, capture_output=True, timeout=180)
    text = (tmp_path / "book.txt").read_text(encoding="utf-8-sig")
    assert "龙潭乡" in text and "2026年度" in text and "{{" not in text
