"""Real documents for tests: a PDF that parses (``common.documents`` refuses ``%PDF-`` + junk)."""

from __future__ import annotations

import io

from pypdf import PdfWriter


def a_pdf(pages: int = 1) -> bytes:
    """A valid PDF of ``pages`` blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
