"""Real documents for tests: a PDF that parses (``common.documents`` refuses ``%PDF-`` + junk),
and the text of a PDF the platform printed."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter


def a_pdf(pages: int = 1) -> bytes:
    """A valid PDF of ``pages`` blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_text(content: bytes, *, single_spaced: bool = False) -> str:
    """The text of every page, pages separated by a newline; ``single_spaced`` collapses every run
    of whitespace (line breaks included) to one space, for phrases that may wrap."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split()) if single_spaced else text
