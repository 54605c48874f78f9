"""Use cases of the recipient directory: read, list, set (with its change log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from common.access import Scope
from common.db.uow import UnitOfWork
from common.paging import PageOf, decode_cursor, page_of
from notifications.db.models import RecipientChangeRow, RecipientRow
from notifications.db.repositories import RecipientRepository
from notifications.domain.directory import (
    check_opt_outs,
    check_version,
    created_meanwhile,
    no_entry_yet,
    normalise_addresses,
    not_managed,
)
from notifications.domain.rules import Recipient, RecipientKind
from notifications.domain.visibility import manages


@dataclass(frozen=True, slots=True)
class SetRecipient:
    kind: RecipientKind
    ref: str
    addresses: Sequence[str]
    opt_outs: Sequence[str]
    expected_version: int | None


async def get_recipient(
    uow: UnitOfWork, scope: Scope, kind: RecipientKind, ref: str
) -> RecipientRow:
    recipient = Recipient(kind, ref)
    if not manages(scope, recipient):
        raise not_managed(recipient)
    row = await RecipientRepository(uow.session).get(kind, ref)
    if row is None:
        raise no_entry_yet(recipient)
    return row


async def list_recipients(
    uow: UnitOfWork,
    scope: Scope,
    *,
    kind: RecipientKind | None,
    cursor: str | None,
    limit: int,
) -> PageOf[RecipientRow]:
    after = decode_cursor(cursor, str, str)
    rows = await RecipientRepository(uow.session).page(
        scope=scope,
        kind=kind.value if kind else None,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    return page_of(rows, limit, key=lambda row: (row.kind, row.ref))


async def set_recipient(
    uow: UnitOfWork, scope: Scope, command: SetRecipient
) -> tuple[RecipientRow, bool]:
    """Create or replace a directory entry; returns the row and whether it was created."""
    kind, ref = command.kind, command.ref
    recipient = Recipient(kind, ref)
    if not manages(scope, recipient):
        raise not_managed(recipient)
    opt_outs = check_opt_outs(kind, command.opt_outs)
    addresses = normalise_addresses(command.addresses)
    repository = RecipientRepository(uow.session)
    row = await repository.get(kind, ref, for_update=True)
    check_version(recipient, row.version if row else None, command.expected_version)
    now = datetime.now(UTC)
    created = row is None
    if row is None:
        row = RecipientRow(
            kind=kind.value,
            ref=ref,
            addresses=addresses,
            opt_outs=opt_outs,
            version=1,
            created_at=now,
            updated_at=now,
            updated_by=scope.subject,
        )
        repository.add(row)
        before_addresses = before_opt_outs = None
    else:
        before_addresses, before_opt_outs = list(row.addresses), list(row.opt_outs)
        if before_addresses == addresses and before_opt_outs == opt_outs:
            return row, False  # nothing changed: no new version, no change record
        row.addresses = addresses
        row.opt_outs = opt_outs
        row.version += 1
        row.updated_at = now
        row.updated_by = scope.subject
    repository.record_change(
        RecipientChangeRow(
            kind=kind.value,
            ref=ref,
            version=row.version,
            changed_at=now,
            changed_by=scope.subject,
            changed_by_role=scope.role.value,
            addresses_before=before_addresses,
            addresses_after=addresses,
            opt_outs_before=before_opt_outs,
            opt_outs_after=opt_outs,
        )
    )
    try:
        await repository.flush()
    except IntegrityError:
        if not created:
            raise
        raise created_meanwhile(recipient) from None  # a concurrent request inserted it first
    return row, created


async def recipient_changes(
    uow: UnitOfWork,
    scope: Scope,
    kind: RecipientKind,
    ref: str,
    *,
    cursor: str | None,
    limit: int,
) -> PageOf[RecipientChangeRow]:
    await get_recipient(uow, scope, kind, ref)
    after = decode_cursor(cursor, int)
    rows = await RecipientRepository(uow.session).changes(
        kind, ref, after=after[0] if after else None, limit=limit
    )
    return page_of(rows, limit, key=lambda row: (row.id,))
