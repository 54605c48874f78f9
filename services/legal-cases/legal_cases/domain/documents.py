"""Documentation of a case (§ 82(1)): the type of a file is decided by its first bytes, never by
what the client declares. PDF, PNG and JPEG are accepted (letters, photographs of defects)."""

from __future__ import annotations

import re

from legal_cases.domain.errors import DocumentRejectedError

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_SAFE_NAME = re.compile(r"[^\w.\- ()æøåÆØÅ]")


def sniff_type(content: bytes, max_bytes: int) -> str:
    if not content:
        raise DocumentRejectedError("The document is empty.")
    if len(content) > max_bytes:
        raise DocumentRejectedError(
            f"The document is {len(content):,} bytes; at most {max_bytes:,} bytes are accepted."
        )
    for magic, content_type in _MAGIC:
        if content.startswith(magic):
            return content_type
    raise DocumentRejectedError(
        "The document is not a PDF, PNG or JPEG file (judged by its content, not its name). "
        "Save letters as PDF and photographs as JPEG or PNG."
    )


def clean_filename(name: str) -> str:
    cleaned = _SAFE_NAME.sub("_", name.strip().replace("\\", "/").rsplit("/", 1)[-1])[:120]
    return cleaned or "dokument"
