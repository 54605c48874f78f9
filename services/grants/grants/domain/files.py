"""Which file types each attachment kind accepts; what a file is comes from
``common.documents.identify`` (its content, never its name or declared type)."""

from __future__ import annotations

from typing import Final

from common.documents import FileType, identify
from grants.domain.sending import AttachmentKind

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


def type_problem(kind: AttachmentKind, content: bytes) -> str | None:
    """Why ``content`` cannot be attached as ``kind`` (None when it can)."""
    if not content:
        return "The file is empty."
    found = identify(content)
    accepted = ACCEPTED[kind]
    if found in accepted:
        return None
    names = " or ".join(sorted("PDF" if t is FileType.PDF else "Excel (.xlsx)" for t in accepted))
    return (
        f"A '{kind.value}' attachment must be {names}; the file's content is "
        f"{'not a recognised (or a damaged) document' if found is None else found.value}. Save it in the "
        "accepted format and upload it again."
    )
