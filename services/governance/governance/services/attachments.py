"""Attachments: the accounts material and extra files of a package, and the municipalities'
statements — PDFs only, stored in the database (bytea) with their SHA-256.

The content type is decided by the file's content (``common.documents``: it must parse as a PDF), not by what the client
declares; a file over ``GOVERNANCE_ATTACHMENT_MAX_BYTES`` is refused.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.documents import FileType, clean_filename, identify
from governance.db.models import AttachmentRow, PackageRow
from governance.db.repositories import PackageRepository
from governance.domain.errors import (
    AttachmentRejectedError,
    AttachmentTooLargeError,
    PackageNotFoundError,
)
from governance.domain.visibility import sees_attachment
from governance.services.core import (
    ensure_editable,
    load_package,
    log_change,
    refresh_package_status,
)
from governance.services.roles import EDITOR_ROLES

PDF = "application/pdf"
ACCEPTED_DECLARED = frozenset({PDF, "application/octet-stream", "application/x-pdf"})


class AttachmentKind(StrEnum):
    ACCOUNTS = "accounts"  # regnskab, årsberetning, revisionsprotokollat
    EXTRA = "extra"  # supplerende dokumenter
    STATEMENT = "statement"  # the home municipality's redegørelse
    SUPPLEMENTARY_STATEMENT = "supplementary_statement"  # a location municipality's


ORGANISATION_KINDS = frozenset({AttachmentKind.ACCOUNTS, AttachmentKind.EXTRA})


@dataclass(frozen=True, slots=True)
class StoredFile:
    filename: str
    declared_type: str | None
    content: bytes


def check_pdf(file: StoredFile, max_bytes: int) -> None:
    if len(file.content) > max_bytes:
        raise AttachmentTooLargeError(
            f"The file is {len(file.content):,} bytes; at most {max_bytes:,} bytes are accepted."
        )
    if not file.content:
        raise AttachmentRejectedError("The file is empty.")
    declared = (file.declared_type or "").split(";")[0].strip().lower()
    if declared and declared not in ACCEPTED_DECLARED:
        raise AttachmentRejectedError(
            f"Only PDF files are accepted; the request declares '{declared}'. Send the file with "
            "Content-Type: application/pdf."
        )
    if identify(file.content) is not FileType.PDF:
        raise AttachmentRejectedError(
            "The file is not a readable PDF (judged by its content: it is another kind of file, "
            "or a damaged PDF). Save the document as PDF and attach it again."
        )


async def store_file(
    repo: PackageRepository,
    scope: Scope,
    package: PackageRow,
    kind: str,
    file: StoredFile,
    max_bytes: int,
    *,
    municipality: str | None = None,
) -> AttachmentRow:
    check_pdf(file, max_bytes)
    row = AttachmentRow(
        id=str(uuid.uuid4()),
        package_id=package.id,
        kind=kind,
        municipality_code=municipality,
        filename=clean_filename(file.filename, default="dokument.pdf"),
        content_type=PDF,
        size_bytes=len(file.content),
        sha256=hashlib.sha256(file.content).hexdigest(),
        content=file.content,
        uploaded_by=scope.subject,
    )
    await repo.add_attachment(row)
    return row


async def attach(
    session: AsyncSession,
    scope: Scope,
    package_id: str,
    kind: AttachmentKind,
    file: StoredFile,
    max_bytes: int,
) -> AttachmentRow:
    scope.require(EDITOR_ROLES, "attach documents to a package")
    if kind not in ORGANISATION_KINDS:
        raise AttachmentRejectedError(
            "Statements are submitted by municipalities through /statement, not attached."
        )
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id, lock=True)
    ensure_editable(package)
    row = await store_file(repo, scope, package, kind.value, file, max_bytes)
    await refresh_package_status(repo, package)
    await log_change(
        repo,
        package.id,
        scope,
        "attachment_added",
        f"Attached {row.filename} ({kind.value}, {row.size_bytes:,} bytes).",
        {"attachment_id": row.id},
    )
    return row


async def remove_attachment(
    session: AsyncSession, scope: Scope, package_id: str, attachment_id: str
) -> None:
    scope.require(EDITOR_ROLES, "remove attachments")
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id, lock=True)
    row = await _attachment_of(repo, package, attachment_id)
    if row.kind not in ORGANISATION_KINDS:
        raise AttachmentRejectedError("A municipality's statement cannot be removed.")
    ensure_editable(package)
    await repo.remove_attachment(row)
    await refresh_package_status(repo, package)
    await log_change(
        repo,
        package.id,
        scope,
        "attachment_removed",
        f"Removed attachment {row.filename}.",
        {"attachment_id": attachment_id},
    )


async def read_attachment(
    session: AsyncSession, scope: Scope, package_id: str, attachment_id: str
) -> AttachmentRow:
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id)
    row = await _attachment_of(repo, package, attachment_id)
    if not sees_attachment(scope.municipality_code, package.home_municipality_code, row.kind):
        raise PackageNotFoundError(f"Package {package.id} has no attachment {attachment_id}.")
    return row


async def _attachment_of(
    repo: PackageRepository, package: PackageRow, attachment_id: str
) -> AttachmentRow:
    row = await repo.attachment(package.id, attachment_id)
    if row is None:
        raise PackageNotFoundError(f"Package {package.id} has no attachment {attachment_id}.")
    return row
