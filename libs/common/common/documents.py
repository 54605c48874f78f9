"""Uploaded documents: what a file is, judged by its content — never by its name or the type
the client declares — and a file name safe to store and send back.

A PDF must parse (pypdf), not merely start with ``%PDF-``: ``%PDF-`` followed by HTML is not a
PDF (issue 12, item 4). Services decide which types each kind of document accepts and word
their own refusal; this module only answers what the bytes are.
"""

from __future__ import annotations

import io
import re
from enum import StrEnum
from typing import Final


class FileType(StrEnum):
    PDF = "application/pdf"
    PNG = "image/png"
    JPEG = "image/jpeg"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_MAGIC: Final = (
    (b"%PDF-", FileType.PDF),
    (b"\x89PNG\r\n\x1a\n", FileType.PNG),
    (b"\xff\xd8\xff", FileType.JPEG),
    (b"PK\x03\x04", FileType.XLSX),
)
_UNSAFE_IN_NAME = re.compile(r"[^\w.\- ()æøåÆØÅ]")
# pypdf raises these (and its own errors) on damaged or hostile input.
_UNREADABLE: Final = (
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
)


def pdf_pages(content: bytes) -> int | None:
    """The number of pages of a PDF that parses; None when it does not (damaged, encrypted
    without a readable page tree, or not a PDF at all)."""
    # imported here: ~0.75 s of imports that only an upload of a PDF needs (`make run` start-up)
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(io.BytesIO(content)).pages)
    except (PyPdfError, *_UNREADABLE):
        return None


def identify(content: bytes) -> FileType | None:
    """The file's type by its first bytes; a PDF only if it also parses with at least one
    page. None: not a document type the platform knows."""
    for magic, file_type in _MAGIC:
        if content.startswith(magic):
            if file_type is FileType.PDF and not pdf_pages(content):
                return None
            return file_type
    return None


def clean_filename(name: str, default: str = "dokument") -> str:
    """The last path part of a client's file name, characters outside letters, digits and
    ``.-_ ()`` replaced, at most 120 characters."""
    cleaned = _UNSAFE_IN_NAME.sub("_", name.strip().replace("\\", "/").rsplit("/", 1)[-1])[:120]
    return cleaned or default
