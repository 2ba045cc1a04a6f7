"""Names from the directory are data, never markup, formulas or paths: in Word documents, workbooks and file names."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from anquan.assessment.documents import assessment_workbook
from anquan.assessment.scoring import Assessment, Deduction, TownshipResult
from anquan.reporting.books import book_filename, render_book
from anquan.tabular import safe_filename
from tests.support import docx_text, org_by_code


def test_a_name_with_markup_or_an_ampersand_stays_text_in_the_book(planned_county):
    with planned_county.session() as s:
        township = org_by_code(s, "QL01")
        township.name = "白沙&镇<w:t>注入</w:t>"
        s.flush()
        text = docx_text(render_book(s, township, 2026))
    assert "白沙&镇<w:t>注入</w:t>" in text


def test_a_name_that_looks_like_a_formula_is_written_as_text():
    r = TownshipResult(1, "QL01", '=HYPERLINK("http://evil.example","点击")', Decimal(100))
    r.deductions.append(Deduction("+督查发现", Decimal(-1), "@SUM(1)"))
    a = Assessment(2026, date(2027, 1, 15), False, [r], [])
    wb = load_workbook(io.BytesIO(assessment_workbook(a, county_name="青岚县")))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    hostile = [c for c in cells if c.value.startswith(("=", "+", "@"))]
    assert len(hostile) >= 3 and all(c.data_type == "s" for c in hostile)


def test_file_names_from_names_stay_in_their_folder(planned_county, tmp_path):
    assert safe_filename("2026-QL01-../../etc/passwd-责任书.docx") == "2026-QL01-.._.._etc_passwd-责任书.docx"
    assert safe_filename("..\\a:b*c?.docx") == "_a_b_c_.docx"
    assert safe_filename("\x00") == "_"
    with planned_county.session() as s:
        township = org_by_code(s, "QL01")
        township.name = "白沙/镇"
        name = book_filename(township, 2026)
    assert "/" not in name and name.endswith(".docx")
    (tmp_path / name).write_bytes(b"x")
    assert (tmp_path / name).parent == tmp_path
