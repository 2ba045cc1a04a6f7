"""The python-docx helpers the generated documents share: a GB/T 9704 page and its parts.

GB/T 9704-2012 (党政机关公文格式): A4, 天头 37 mm, 订口 28 mm, a 156 × 225 mm type area of 22 lines of 28
characters; title 2号 方正小标宋简体, first-level headings 3号 黑体, second-level 3号 楷体_GB2312, body 3号
仿宋_GB2312; page numbers 4号 "— 1 —", right on odd pages and left on even ones. The fonts are named as a
county's Word names them; the font table gives each the common font Word and LibreOffice fall back to
(`w:altName`) on a machine without it.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, NUMBER_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"
# What each font falls back to where it is not installed (the font table's altName), and its family.
FALLBACKS = {TITLE_FONT: ("宋体", "roman"), HEADING_FONT: ("SimHei", "modern"), SUBHEADING_FONT: ("楷体", "modern"),
             BODY_FONT: ("仿宋", "modern"), NUMBER_FONT: ("SimSun", "auto")}
SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4 = 22, 16, 14, 12  # 二号, 三号, 四号, 小四 in points
LINE_PITCH = 28.95  # 225 mm over 22 lines


def _fonts(run_or_style, east_asia: str, *, latin: str = "Times New Roman") -> None:
    from docx.oxml.ns import qn

    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _font_table(doc) -> None:
    """Declare the document's fonts with their fall-backs (GB2312 charset) in word/fontTable.xml."""
    from lxml import etree

    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    w = root.nsmap["w"]
    for name, (alt, family) in FALLBACKS.items():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": family})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number(footer, *, right: bool) -> None:
    """"— N —" in 4号 宋体, one character in from the outer edge."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
    if right:
        p.paragraph_format.right_indent = Pt(SIZE_4)
    else:
        p.paragraph_format.left_indent = Pt(SIZE_4)
    for text in ("— ", None, " —"):
        run = p.add_run()
        run.font.size = Pt(SIZE_4)
        _fonts(run, NUMBER_FONT, latin="SimSun")
        if text is not None:
            run.text = text
            continue
        for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif instr == "1":
                el = OxmlElement("w:t")
                el.text = instr
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = instr
            run._r.append(el)


def official_document():
    """A blank A4 .docx laid out as GB/T 9704: margins, 仿宋_GB2312 3号 body on a 22-line grid, page numbers."""
    from docx import Document
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Pt(SIZE_4)  # the number sits 7 mm below the type area
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT)
    normal.font.size = Pt(SIZE_3)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PITCH)
    fmt.widow_control = True
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, right=True)
    _page_number(section.even_page_footer, right=False)
    _font_table(doc)
    return doc


@dataclass(frozen=True)
class Look:
    font: str = BODY_FONT
    size: float = SIZE_3
    bold: bool = False
    align: str = "indent"  # indent (two characters), left, center, right


TITLE = Look(TITLE_FONT, SIZE_2, align="center")
SUBTITLE = Look(SUBHEADING_FONT, SIZE_3, align="center")
HEADING = Look(HEADING_FONT)
SUBHEADING = Look(SUBHEADING_FONT)
BODY = Look()
PLAIN = Look(align="left")


def add_text(doc_or_cell, text: str, look: Look = BODY, *, keep_with_next: bool = False):
    """One paragraph of `text` in `look` (a document's or a table cell's)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc_or_cell.add_paragraph()
    run = p.add_run(text)
    if look.font != BODY_FONT:
        _fonts(run, look.font)
    if look.size != SIZE_3:
        run.font.size = Pt(look.size)
    run.bold = look.bold or None
    if look.align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif look.align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif look.align == "indent":
        p.paragraph_format.first_line_indent = Pt(look.size * 2)
    if look.size > SIZE_3:  # a title takes two lines of the grid
        p.paragraph_format.line_spacing = Pt(LINE_PITCH * 1.5)
    if keep_with_next:
        p.paragraph_format.keep_with_next = True
    return p


def page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _cell_text(cell, lines: list[str], *, size: float, align: str = "left") -> None:
    from docx.shared import Pt

    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    for i, line in enumerate(lines):
        p = add_text(cell, line, Look(size=size, align=align), keep_with_next=i < len(lines) - 1)
        p.paragraph_format.line_spacing = Pt(max(size * 1.5, LINE_PITCH if size >= SIZE_3 else size * 1.5))


def _no_split(row) -> None:
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def signature_block(doc, left: list[str], right: list[str]) -> None:
    """The two parties side by side, kept on one page: a borderless one-row table that may not break."""
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    spacer = add_text(doc, "", PLAIN, keep_with_next=True)
    spacer.paragraph_format.line_spacing = None
    table = doc.add_table(rows=1, cols=2)
    _no_split(table.rows[0])
    for cell, lines in zip(table.rows[0].cells, (left, right)):
        _cell_text(cell, lines, size=SIZE_3)
    _widths(table, [78, 78])


def _widths(table, widths_mm: list[float]) -> None:
    """Fixed column widths, in the grid (LibreOffice reads) and in each cell (Word reads)."""
    from docx.shared import Mm

    table.autofit = False
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def grid_table(doc, header: list[str], rows: list[list[str]], widths_mm: list[float], *, size: float = SIZE_SMALL_4,
               split_rows: bool = False):
    """A bordered table: a bold header row repeated on each page, rows that do not split across pages (unless
    `split_rows`: a row that may run long)."""
    from docx.oxml import OxmlElement

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    head = table.rows[0]
    head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, text in zip(head.cells, header):
        _cell_text(cell, [text], size=size, align="center")
        cell.paragraphs[0].runs[0].bold = True
    for values in rows:
        row = table.add_row()
        if not split_rows:
            _no_split(row)
        for cell, text in zip(row.cells, values):
            _cell_text(cell, [text], size=size)
    _widths(table, widths_mm)
    return table


def rule_below(paragraph, *, color: str = "000000", size: int = 4, top: bool = False) -> None:
    """A rule under (or over) a paragraph, across the type area; `size` in eighths of a point."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    edge = OxmlElement("w:top" if top else "w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"), ("w:color", color)):
        edge.set(qn(key), value)
    borders.append(edge)


def right_block(doc, lines: list[str]) -> None:
    """The signature and the date: the date four characters in from the right, the name centred over it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    widest = max(len(x) for x in lines)
    for i, line in enumerate(lines):
        p = add_text(doc, line, PLAIN, keep_with_next=i < len(lines) - 1)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(SIZE_3 * (4 + (widest - len(line)) / 2))


def imprint(doc, lines: list[str]) -> None:
    """版记: 抄送 and 印发 in 4号, between rules, kept together."""
    from docx.shared import Pt

    add_text(doc, "", PLAIN)
    for i, line in enumerate(lines):
        p = add_text(doc, line, Look(size=SIZE_4, align="left"), keep_with_next=i < len(lines) - 1)
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(SIZE_4)
        rule_below(p, size=8 if i in (0, len(lines) - 1) else 4, top=i == 0)
        if i == 0:
            rule_below(p, size=4)
