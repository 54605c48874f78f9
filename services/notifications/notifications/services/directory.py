"""Use cases of the recipient directory: read, list, set (with its change log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from common.access import Scope
from common.db.uow import UnitOfWork
from common.errors import FieldError, PreconditionRequiredError
from common.paging import PageOf, decode_cursor, page_of
from notifications.db.models import RecipientChangeRow, RecipientRow
from notifications.db.repositories import RecipientRepository
from notifications.domain.errors import (
    OptOutNotAllowedError,
    RecipientChangedError,
    RecipientNotFoundError,
)
from notifications.domain.rules import (
    Recipient,
    RecipientKind,
    optional_event_types,
    required_event_types,
)
from notifications.domain.visibility import manages


@dataclass(frozen=True, slots=True)
class SetRecipient:
    kind: RecipientKind
    ref: str
    addresses: Sequence[str]
    opt_outs: Sequence[str]
    expected_version: int | None


def _not_found(kind: RecipientKind, ref: str) -> RecipientNotFoundError:
    return RecipientNotFoundError(
        f"No directory entry for {kind.value} '{ref}' among those you may manage."
    )


def _no_entry_yet(kind: RecipientKind, ref: str) -> RecipientNotFoundError:
    return RecipientNotFoundError(
        f"The {kind.value} '{ref}' has no directory entry yet, so its notifications are "
        f"logged as 'no_address'; create it with PUT /notifications/v1/recipients/"
        f"{kind.value}/{ref}."
    )


def check_opt_outs(kind: RecipientKind, opt_outs: Sequence[str]) -> list[str]:
    allowed = optional_event_types(kind)
    required = required_event_types(kind)
    errors = []
    for index, event_type in enumerate(opt_outs):
        if event_type in allowed:
            continue
        if event_type in required:
            detail = (
                f"'{event_type}' is a message a {kind.value} must receive; it cannot be "
                "opted out of."
            )
        else:
            choices = ", ".join(sorted(allowed)) or "none"
            detail = (
                f"'{event_type}' is not a message sent to a {kind.value}; optional ones are: "
                f"{choices}."
            )
        errors.append(FieldError(f"#/opt_outs/{index}", detail, "opt-out-not-allowed"))
    if errors:
        raise OptOutNotAllowedError(
            f"{len(errors)} opt-out(s) are not allowed; see 'errors'.", errors=errors
        )
    return sorted(set(opt_outs))


async def get_recipient(
    uow: UnitOfWork, scope: Scope, kind: RecipientKind, ref: str
) -> RecipientRow:
    if not manages(scope, Recipient(kind, ref)):
        raise _not_found(kind, ref)
    row = await RecipientRepository(uow.session).get(kind, ref)
    if row is None:
        raise _no_entry_yet(kind, ref)
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
    if not manages(scope, Recipient(kind, ref)):
        raise _not_found(kind, ref)
    opt_outs = check_opt_outs(kind, command.opt_outs)
    addresses = sorted({a.strip().lower() for a in command.addresses})
    repository = RecipientRepository(uow.session)
    row = await repository.get(kind, ref, for_update=True)
    now = datetime.now(UTC)
    created = row is None
    if row is None:
        if command.expected_version not in (None, 0):
            raise _not_found(kind, ref)
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
        if command.expected_version is None:
            raise PreconditionRequiredError(
                f'The entry exists (version {row.version}): send If-Match: W/"{row.version}" '
                "or a version field, so that nobody's change is overwritten unseen."
            )
        if command.expected_version != row.version:
            raise RecipientChangedError(
                f"The entry is at version {row.version}, not {command.expected_version}: "
                "read it again and apply your change to what is there now."
            )
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
    await uow.session.flush()
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
