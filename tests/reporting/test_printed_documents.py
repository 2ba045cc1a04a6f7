"""What a county prints, as LibreOffice prints it: A4, the expected pages, the signature block on one page,
the whole text. Every document is converted in one LibreOffice start (it is the slow part)."""

from __future__ import annotations

import re

import pytest

from anquan.models.db import session_scope
from anquan.models.records import ControlIndicator
from anquan.reporting.books import render_book
from tests.reporting.test_book_text import seed_clauses
from tests.support import org_by_code
from tests.support.documents import pdf_pages, pdf_text, squeezed, to_pdf

A4 = (595.3, 841.9)


def _is_a4(size: tuple[float, float]) -> bool:
    return abs(size[0] - A4[0]) < 1 and abs(size[1] - A4[1]) < 1


def _signature_page(pdf, parties: tuple[str, str], signer: str) -> int:
    """The page holding the whole signature block; both parties on one printed line (side by side)."""
    pages = len(pdf_pages(pdf))
    found = [n for n in range(1, pages + 1) if signer in squeezed(pdf_text(pdf, page=n))]
    assert len(found) == 1, f"{signer} on pages {found}"
    page = squeezed(pdf_text(pdf, page=found[0]))
    assert all(f"{p}（盖章）" in page for p in parties) and page.count("签章时间：") == 2
    lines = [squeezed(x) for x in pdf_text(pdf, page=found[0], layout=True).splitlines()]
    assert any(parties[0] in x and parties[1] in x for x in lines), "the parties are not side by side"
    return found[0]


@pytest.mark.parametrize("backend", ["sqlite"])  # what prints does not depend on the database
def test_books_print_on_a4_with_the_whole_seed_and_one_page_signature_blocks(planned_county, tmp_path):
    with session_scope(planned_county.engine) as s:
        s.add(ControlIndicator(org_id=org_by_code(s, "QL01").id, year=2026, max_accidents=2, max_deaths=1))
        docs = {}
        for code in ("QL01", "QL01V01", "QL01U01"):
            docs[code] = tmp_path / f"{code}.docx"
            docs[code].write_bytes(render_book(s, org_by_code(s, code), 2026))
    pdfs = dict(zip(docs, to_pdf(list(docs.values()), tmp_path)))

    county = pdfs["QL01"]
    sizes = pdf_pages(county)
    # 8 pages of the book (the seed at 22 lines of 28 characters), 2 of the attached duty report form.
    assert len(sizes) == 10 and all(_is_a4(s) for s in sizes), sizes
    text = re.sub(r"—\d+—", "", squeezed(pdf_text(county)))  # a clause runs on over the page number
    assert "石门镇" in text and "2026年度" in text
    clauses, _ = seed_clauses(2026)
    missing = [c for c in clauses if squeezed(c) not in text]
    assert missing == [], f"seed clauses not in the printed book: {missing}"
    assert "石门镇2026年度控制考核指标：事故起数不超过2起，死亡人数不超过1人。" in text
    signed = _signature_page(county, ("青岚县人民政府", "石门镇人民政府"), "签字人：李俊伟")
    assert signed == 8 and "附件" in squeezed(pdf_text(county, page=9))
    assert "—1—" in squeezed(pdf_text(county, page=1)) and "—8—" in squeezed(pdf_text(county, page=8))

    for code, party, signer in (("QL01V01", "田心村", "刘建磊"), ("QL01U01", "石门镇中心小学", "王强")):
        sizes = pdf_pages(pdfs[code])
        assert len(sizes) == 2 and all(_is_a4(s) for s in sizes), (code, sizes)
        text = squeezed(pdf_text(pdfs[code]))
        assert f"石门镇人民政府与{party}安全生产目标责任书" in text and "（2026年度）" in text
        _signature_page(pdfs[code], ("石门镇人民政府", party), f"签字人：{signer}")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_notice_the_workbook_and_the_duty_report_print(planned_county, tmp_path):
    from datetime import date

    from anquan.assessment.duty_report import render_duty_report
    from anquan.assessment.notice import assessment_notice
    from anquan.assessment.scoring import assess
    from anquan.assessment.workbook import assessment_workbook
    from anquan.models.records import Accident
    from anquan.vocabulary import MIDYEAR_REPORT

    app = planned_county
    with session_scope(app.engine) as s:
        s.add(Accident(org_id=org_by_code(s, "QL03").id, occurred_on=date(2026, 10, 10), kind="other", deaths=5,
                       injuries=2, description="白沙镇石场村采石场边坡坍塌"))
        s.flush()
        result = assess(session=s, rules=app.rules, rubric=app.rubric, year=2026, as_of=date(2027, 1, 15))
        form = render_duty_report(s, rules=app.rules, rubric=app.rubric, township=org_by_code(s, "QL01"), year=2026,
                                  kind=MIDYEAR_REPORT, as_of=date(2026, 7, 1))
    files = {"notice.docx": assessment_notice(result, county_name="青岚县", issued_on=date(2027, 1, 15)),
             "workbook.xlsx": assessment_workbook(result, county_name="青岚县"), "form.docx": form}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    notice, workbook, form_pdf = to_pdf([tmp_path / name for name in files], tmp_path)

    sizes = pdf_pages(notice)
    assert 3 <= len(sizes) <= 5 and all(_is_a4(s) for s in sizes), sizes
    first = squeezed(pdf_text(notice, page=1))
    assert first.startswith("青岚县安全生产委员会文件") and "青安委〔2027〕号" in first and "—1—" in first
    last = squeezed(pdf_text(notice, page=len(sizes)))  # 版记 on the last page
    assert "抄送：" in last and "2027年1月15日印发" in last
    signed = [n for n in range(1, len(sizes) + 1) if "青岚县安全生产委员会2027年1月15日" in squeezed(pdf_text(notice, page=n))]
    assert len(signed) == 1, "the signature and its date are not together on one page"
    text = squeezed(pdf_text(notice))
    assert ("白沙镇：年度内发生一次死亡5人以上道路交通以外行业安全生产责任事故（2026年10月10日，白沙镇石场村采石场边坡坍塌，"
            "死亡5人、受伤2人）") in text

    pages = pdf_pages(workbook)  # landscape A4, the header row on every page of the deductions
    assert len(pages) >= 3 and all(_is_a4((h, w)) for w, h in pages), pages
    assert all("乡（镇）" in squeezed(pdf_text(workbook, page=n)) for n in range(1, len(pages) + 1))
    assert "否决原因" in squeezed(pdf_text(workbook, page=1)) and "依据" in squeezed(pdf_text(workbook, page=len(pages)))

    assert all(_is_a4(s) for s in pdf_pages(form_pdf))
    assert "2026年乡(镇)级人民政府安全生产工作履职报告书" in squeezed(pdf_text(form_pdf))
