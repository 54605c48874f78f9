"""Use cases of the single-record endpoints: create, update, confirm, read and list.

Use cases never commit; the route commits the unit of work once.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from common.db.uow import UnitOfWork
from common.errors import DomainError, FieldError
from register.api.access import RegisterScope
from register.db.models import HousingExpenseRow, LeaseRow
from register.db.repositories import LeaseFilters, RegisterRepository
from register.domain.errors import (
    InvalidCursorError,
    RecordNotFoundError,
    RecordRejectedError,
)
from register.domain.records import EntityType, Outcome
from register.events.outgoing import publish
from register.services.writer import (
    RecordWriter,
    WriteCommand,
    WriteMode,
    WriteOutcome,
    WriteRequest,
)

T = TypeVar("T")

ID_FIELDS = {
    EntityType.ORGANISATION: "BoligorganisationIdentifikator",
    EntityType.DEPARTMENT: "AfdelingIdentifikator",
    EntityType.BUILDING_SECTION: "ByggeafsnitIdentifikator",
    EntityType.DWELLING: "BoligUnikIdentifikator",
    EntityType.LEASE: "LejekontraktUnikIdentifikator",
}


async def _single_write(
    uow: UnitOfWork, scope: RegisterScope, command: WriteCommand, mode: WriteMode
) -> WriteOutcome:
    """One record through the bulk write path: a batch of one, whose rejection is raised."""
    submission_id = uuid.uuid4()
    writer = RecordWriter(uow.session, scope, submission_id)
    request = WriteRequest(mode, command.expected_version, command.confirmed)
    [outcome] = await writer.write([(command, request)], isolate=False)
    if isinstance(outcome, DomainError):
        raise outcome
    held = outcome.outcome is Outcome.HELD
    await RegisterRepository(uow.session).add_submission(
        submission_id=submission_id,
        kind="single",
        submitted_by=scope.subject,
        organisation_ids=sorted(scope.organisation_ids or ()),
        accepted=0 if held else 1,
        held=1 if held else 0,
    )
    publish(uow, outcome.events)
    return outcome


async def create_record(
    uow: UnitOfWork, scope: RegisterScope, command: WriteCommand
) -> WriteOutcome:
    return await _single_write(uow, scope, command, WriteMode.CREATE)


async def update_record(
    uow: UnitOfWork, scope: RegisterScope, command: WriteCommand, path_id: str
) -> WriteOutcome:
    """A full update; the record's identifier in the body must be the one in the path."""
    record_id = getattr(command.record, "id", None)
    if command.entity_type in ID_FIELDS and record_id != path_id:
        field_name = ID_FIELDS[command.entity_type]
        raise RecordRejectedError(
            [
                FieldError(
                    f"#/{field_name}",
                    f"{field_name} '{record_id}' must be the identifier in the path ('{path_id}').",
                    "id-mismatch",
                )
            ]
        )
    return await _single_write(uow, scope, command, WriteMode.UPDATE)


async def confirm_lease(
    uow: UnitOfWork, scope: RegisterScope, lease_id: str, expected_version: int | None
) -> WriteOutcome:
    submission_id = uuid.uuid4()
    outcome = await RecordWriter(uow.session, scope, submission_id).confirm_lease(
        lease_id, expected_version
    )
    await RegisterRepository(uow.session).add_submission(
        submission_id=submission_id,
        kind="single",
        submitted_by=scope.subject,
        organisation_ids=sorted(scope.organisation_ids or ()),
        accepted=1,
    )
    publish(uow, outcome.events)
    return outcome


# --- reading -----------------------------------------------------------------------------------


def encode_cursor(last_key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([last_key]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, key_type: type[T]) -> T | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        [key] = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        raise InvalidCursorError(
            "The cursor is not one this service issued; pass next_cursor unchanged."
        ) from None
    if not isinstance(key, key_type) or isinstance(key, bool):
        raise InvalidCursorError("The cursor is not one this service issued.")
    if isinstance(key, str) and "\x00" in key:
        raise InvalidCursorError("The cursor is not one this service issued.")
    return cast(T, key)


@dataclass(frozen=True, slots=True)
class PageOf:
    rows: Sequence[Any]
    next_cursor: str | None


def _page(rows: Sequence[Any], limit: int, key: str) -> PageOf:
    if len(rows) > limit:
        return PageOf(rows[:limit], encode_cursor(getattr(rows[limit - 1], key)))
    return PageOf(rows, None)


@dataclass(frozen=True, slots=True)
class ListQuery:
    limit: int
    cursor: str | None = None
    changed_since: datetime | None = None
    organisation_id: str | None = None
    department_id: str | None = None
    dwelling_id: str | None = None
    municipality_code: str | None = None
    housing_type: str | None = None
    status: str | None = None


async def get_record(
    uow: UnitOfWork, scope: RegisterScope, entity_type: EntityType, record_id: str
) -> Any:
    repo = RegisterRepository(uow.session)
    finders = {
        EntityType.ORGANISATION: (repo.visible_organisation, "Organisation"),
        EntityType.DEPARTMENT: (repo.visible_department, "Department"),
        EntityType.BUILDING_SECTION: (repo.visible_section, "Building section"),
        EntityType.DWELLING: (repo.visible_dwelling, "Dwelling"),
        EntityType.LEASE: (repo.visible_lease, "Lease"),
    }
    find, what = finders[entity_type]
    row = await find(scope, record_id)
    if row is None:
        raise RecordNotFoundError(f"{what} '{record_id}' was not found.")
    return row


async def list_records(
    uow: UnitOfWork, scope: RegisterScope, entity_type: EntityType, query: ListQuery
) -> PageOf:
    repo = RegisterRepository(uow.session)
    after = decode_cursor(query.cursor, str)
    limit = query.limit
    rows: Sequence[Any]
    if entity_type is EntityType.ORGANISATION:
        rows = await repo.list_organisations(
            scope,
            municipality_code=query.municipality_code,
            changed_since=query.changed_since,
            after=after,
            limit=limit,
        )
    elif entity_type is EntityType.DEPARTMENT:
        rows = await repo.list_departments(
            scope,
            organisation_id=query.organisation_id,
            municipality_code=query.municipality_code,
            housing_type=query.housing_type,
            changed_since=query.changed_since,
            after=after,
            limit=limit,
        )
    elif entity_type is EntityType.BUILDING_SECTION:
        rows = await repo.list_sections(
            scope,
            department_id=query.department_id,
            changed_since=query.changed_since,
            after=after,
            limit=limit,
        )
    elif entity_type is EntityType.DWELLING:
        rows = await repo.list_dwellings(
            scope,
            department_id=query.department_id,
            municipality_code=query.municipality_code,
            changed_since=query.changed_since,
            after=after,
            limit=limit,
        )
    else:
        filters = LeaseFilters(
            department_id=query.department_id,
            dwelling_id=query.dwelling_id,
            municipality_code=query.municipality_code,
            status=query.status,
            changed_since=query.changed_since,
        )
        rows = await repo.list_leases(scope, filters, after=after, limit=limit)
    return _page(rows, query.limit, "id")


async def visible_lease(uow: UnitOfWork, scope: RegisterScope, lease_id: str) -> LeaseRow:
    row: LeaseRow = await get_record(uow, scope, EntityType.LEASE, lease_id)
    return row


async def get_expense(
    uow: UnitOfWork, scope: RegisterScope, lease_id: str, expense_id: int
) -> HousingExpenseRow:
    await visible_lease(uow, scope, lease_id)
    row = await RegisterRepository(uow.session).get(HousingExpenseRow, expense_id)
    if row is None or row.lease_id != lease_id:
        raise RecordNotFoundError(
            f"Housing expense {expense_id} of lease '{lease_id}' was not found."
        )
    return row


async def list_expenses(
    uow: UnitOfWork, scope: RegisterScope, lease_id: str, *, limit: int, cursor: str | None
) -> PageOf:
    await visible_lease(uow, scope, lease_id)
    rows = await RegisterRepository(uow.session).list_expenses(
        lease_id, after=decode_cursor(cursor, int), limit=limit
    )
    return _page(rows, limit, "id")
