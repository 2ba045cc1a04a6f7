"""Reading back what Anquan writes: the text of a Word document, paragraphs then table cells."""

from __future__ import annotations

import io

from docx import Document


def docx_text(data: bytes) -> str:
    """Every paragraph and then every table cell of a .docx, one per line (raises if it is not a valid .docx)."""
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def docx_paragraphs(data: bytes) -> list[str]:
    """The body paragraphs of a .docx in order (not the table cells), empty ones left out."""
    return [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text.strip()]


def docx_table_cells(data: bytes, index: int) -> list[list[str]]:
    """The cells of the document's `index`th table, each as its lines."""
    table = Document(io.BytesIO(data)).tables[index]
    return [[line for line in cell.text.split("\n")] for row in table.rows for cell in row.cells]


def to_pdf(paths: list, outdir) -> list:
    """Convert documents to PDF with LibreOffice, all in one start (skips the test without `soffice`)."""
    import shutil
    import subprocess
    from pathlib import Path

    import pytest

    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice and poppler are not installed: .ci/run installs them "
                    "(libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk)")
    outdir = Path(outdir)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{outdir}/lo", "--convert-to", "pdf",
                    "--outdir", str(outdir), *map(str, paths)], check=True, capture_output=True, timeout=240)
    return [outdir / (Path(p).stem + ".pdf") for p in paths]


def pdf_pages(pdf) -> list[tuple[float, float]]:
    """Each page's size in points (pdfinfo)."""
    import re
    import subprocess

    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def pdf_text(pdf, *, page: int | None = None, layout: bool = False) -> str:
    """The text of a PDF (or of one page), as poppler's pdftotext reads it."""
    import subprocess

    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else [])
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def squeezed(text: str) -> str:
    """Text without any whitespace: what stays of a paragraph however the PDF's lines broke it."""
    return "".join(text.split())
