"""Documentation of a case (§ 82(1)): the type of a file is decided by its content
(``common.documents``), never by what the client declares. PDF, PNG and JPEG are accepted
(letters, photographs of defects)."""

from __future__ import annotations

from typing import Final

from common.documents import FileType, identify
from legal_cases.domain.errors import DocumentRejectedError

ACCEPTED: Final = frozenset({FileType.PDF, FileType.PNG, FileType.JPEG})


def sniff_type(content: bytes, max_bytes: int) -> str:
    if not content:
        raise DocumentRejectedError("The document is empty.")
    if len(content) > max_bytes:
        raise DocumentRejectedError(
            f"The document is {len(content):,} bytes; at most {max_bytes:,} bytes are accepted."
        )
    found = identify(content)
    if found not in ACCEPTED:
        raise DocumentRejectedError(
            "The document is not a readable PDF, PNG or JPEG file (judged by its content, not "
            "its name). Save letters as PDF and photographs as JPEG or PNG."
        )
    return found.value
