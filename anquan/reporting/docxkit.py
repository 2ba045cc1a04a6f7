"""The few python-docx helpers the generated documents share: a Chinese page style and a paragraph."""

from __future__ import annotations


def chinese_document():
    """A blank .docx whose Normal style is 12 pt SimSun (宋体 for East Asian text)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.font.size = Pt(12)
    return doc


def add_paragraph(doc, text: str, *, bold=False, size=None, center=False, right=False, indent=True):
    """One run of text: centred, right-aligned, or with the usual two-character first-line indent."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif indent:
        p.paragraph_format.first_line_indent = Pt(24)
    return p
