"""What an uploaded file is, judged by its content (issue 12, item 4: ``%PDF-`` followed by HTML
used to pass as a PDF)."""

from __future__ import annotations

import pytest

from common.documents import FileType, clean_filename, identify, pdf_pages
from common.testing.documents import a_pdf


class TestIdentify:
    def test_a_pdf_that_parses_is_a_pdf_with_its_pages(self) -> None:
        assert identify(a_pdf(3)) is FileType.PDF
        assert pdf_pages(a_pdf(3)) == 3

    @pytest.mark.parametrize(
        "content",
        [
            b"%PDF-1.7\n<html><script>alert(1)</script></html>",
            b"%PDF-",
            a_pdf(2)[:200],  # truncated
        ],
        ids=["pdf-magic-then-html", "magic-only", "truncated"],
    )
    def test_pdf_magic_without_a_readable_pdf_is_nothing(self, content: bytes) -> None:
        assert identify(content) is None
        assert pdf_pages(content) is None

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (b"\x89PNG\r\n\x1a\nrest", FileType.PNG),
            (b"\xff\xd8\xff\xe0rest", FileType.JPEG),
            (b"PK\x03\x04rest", FileType.XLSX),
        ],
    )
    def test_other_types_by_their_first_bytes(self, content: bytes, expected: FileType) -> None:
        assert identify(content) is expected

    @pytest.mark.parametrize("content", [b"", b"MZ\x90\x00", b"<html>%PDF-1.7"])
    def test_anything_else_is_nothing(self, content: bytes) -> None:
        assert identify(content) is None


class TestFilenames:
    def test_paths_and_odd_characters_go(self) -> None:
        assert clean_filename("..\\..\\etc/klage<1>.pdf") == "klage_1_.pdf"
        assert clean_filename("Årsregnskab 2025 (endelig).pdf") == "Årsregnskab 2025 (endelig).pdf"

    def test_an_empty_name_gets_the_default(self) -> None:
        assert clean_filename("   ") == "dokument"
        assert clean_filename("/", default="dokument.pdf") == "dokument.pdf"
