"""What a file is, decided by its first bytes (never by its name or declared type), and which
file types each attachment kind accepts."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from grants.domain.sending import AttachmentKind


class FileType(StrEnum):
    PDF = "application/pdf"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_MAGIC: Final = ((b"%PDF-", FileType.PDF), (b"PK\x03\x04", FileType.XLSX))

ACCEPTED: Final[dict[AttachmentKind, frozenset[FileType]]] = {
    AttachmentKind.RESIDENT_DATA: frozenset({FileType.PDF, FileType.XLSX}),
    AttachmentKind.PROJECT_DESCRIPTION: frozenset({FileType.PDF}),
    AttachmentKind.MUNICIPAL_RECOMMENDATION: frozenset({FileType.PDF}),
    AttachmentKind.DECLARATION: frozenset({FileType.PDF}),
    AttachmentKind.OTHER: frozenset({FileType.PDF}),
    AttachmentKind.BOARD_TERMS_OF_REFERENCE: frozenset({FileType.PDF}),
    AttachmentKind.REPORTING_FORM: frozenset({FileType.PDF, FileType.XLSX}),
    AttachmentKind.YEARLY_STATUS: frozenset({FileType.PDF, FileType.XLSX}),
}


def sniff(content: bytes) -> FileType | None:
    for magic, file_type in _MAGIC:
        if content.startswith(magic):
            return file_type
    return None


def type_problem(kind: AttachmentKind, content: bytes) -> str | None:
    """Why ``content`` cannot be attached as ``kind`` (None when it can)."""
    if not content:
        return "The file is empty."
    found = sniff(content)
    accepted = ACCEPTED[kind]
    if found in accepted:
        return None
    names = " or ".join(sorted("PDF" if t is FileType.PDF else "Excel (.xlsx)" for t in accepted))
    return (
        f"A '{kind.value}' attachment must be {names}; the file's content is "
        f"{'not a recognised document' if found is None else found.value}. Save it in the "
        "accepted format and upload it again."
    )
