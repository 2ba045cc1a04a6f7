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
