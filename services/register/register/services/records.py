"""Use cases of the single-record endpoints: create, update, confirm, read and list.

Use cases never commit: the request's unit of work commits when the route returns.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from common.access import Scope
from common.db.uow import UnitOfWork
from common.errors import DomainError, FieldError
from common.paging import PageOf, decode_cursor, page_of
from register.db.models import HeldDwellingRow, HousingExpenseRow, LeaseRow
from register.db.repositories import LeaseFilters, RegisterRepository, Submission
from register.db.writing import StoredWith
from register.domain.errors import NotHeldError, RecordNotFoundError, RecordRejectedError
from register.domain.records import Dwelling, EntityType, Outcome
from register.events.outgoing import envelopes, publish
from register.services.writing import (
    RecordWriter,
    WriteCommand,
    WriteMode,
    WriteOutcome,
    WriteRequest,
    WriteResult,
)

ID_FIELDS = {
    EntityType.ORGANISATION: "BoligorganisationIdentifikator",
    EntityType.DEPARTMENT: "AfdelingIdentifikator",
    EntityType.BUILDING_SECTION: "ByggeafsnitIdentifikator",
    EntityType.DWELLING: "BoligUnikIdentifikator",
    EntityType.LEASE: "LejekontraktUnikIdentifikator",
}


async def _single_write(
    uow: UnitOfWork, scope: Scope, command: WriteCommand, mode: WriteMode
) -> WriteOutcome:
    """One record through the bulk write path: a batch of one, whose rejection is raised; its
    submission row and its events' outbox rows are written with its rows (one round trip
    less each than after them)."""
    submission_id = uuid.uuid4()
    writer = RecordWriter(uow.session, scope, submission_id)
    request = WriteRequest(mode, command.expected_version, command.confirmed)

    def stored_with(results: Sequence[WriteResult]) -> StoredWith:
        [outcome] = results
        held = isinstance(outcome, WriteOutcome) and outcome.outcome is Outcome.HELD
        submission = Submission(
            submission_id,
            kind="single",
            submitted_by=scope.subject,
            organisation_ids=sorted(scope.organisation_ids or ()),
            accepted=0 if held else 1,
            held=1 if held else 0,
        )
        events = outcome.events if isinstance(outcome, WriteOutcome) else []
        return StoredWith(submission, envelopes(events))

    [outcome] = await writer.write([(command, request)], isolate=False, stored_with=stored_with)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def create_record(uow: UnitOfWork, scope: Scope, command: WriteCommand) -> WriteOutcome:
    return await _single_write(uow, scope, command, WriteMode.CREATE)


async def update_record(
    uow: UnitOfWork, scope: Scope, command: WriteCommand, path_id: str
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
    uow: UnitOfWork, scope: Scope, lease_id: str, expected_version: int | None
) -> WriteOutcome:
    submission_id = uuid.uuid4()
    outcome = await RecordWriter(uow.session, scope, submission_id).confirm_lease(
        lease_id, expected_version
    )
    await RegisterRepository(uow.session).add_submission(
        Submission(
            submission_id,
            kind="single",
            submitted_by=scope.subject,
            organisation_ids=sorted(scope.organisation_ids or ()),
            accepted=1,
        )
    )
    publish(uow, outcome.events)
    return outcome


class ConfirmationOutcome:
    CONFIRMED = "confirmed"
    ALREADY_ACCEPTED = "already_accepted"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class LeaseConfirmation:
    """What confirming one lease of a bulk confirmation did."""

    lease_id: str
    outcome: str  # ConfirmationOutcome
    version: int | None = None
    problem: DomainError | None = None


async def confirm_leases(
    uow: UnitOfWork, scope: Scope, lease_ids: Sequence[str]
) -> list[LeaseConfirmation]:
    """Confirm many held leases in one call, each on its own (a savepoint each): a held lease
    is accepted and published, one accepted already is reported so (nothing happens: the call
    can be repeated), a draft, an unknown lease or another organisation's is refused with its
    problem. One submission row counts the confirmed."""
    submission_id = uuid.uuid4()
    writer = RecordWriter(uow.session, scope, submission_id)
    results: list[LeaseConfirmation] = []
    for lease_id in dict.fromkeys(lease_ids):  # a repeated id is confirmed once
        try:
            async with uow.session.begin_nested():
                outcome = await writer.confirm_lease(lease_id, None)
        except NotHeldError as refused:
            if refused.status == "accepted":
                row = await RegisterRepository(uow.session).visible_lease(scope, lease_id)
                results.append(
                    LeaseConfirmation(
                        lease_id,
                        ConfirmationOutcome.ALREADY_ACCEPTED,
                        row.version if row else None,
                    )
                )
            else:
                results.append(
                    LeaseConfirmation(lease_id, ConfirmationOutcome.REFUSED, problem=refused)
                )
        except DomainError as refused:
            results.append(
                LeaseConfirmation(lease_id, ConfirmationOutcome.REFUSED, problem=refused)
            )
        else:
            publish(uow, outcome.events)
            results.append(
                LeaseConfirmation(lease_id, ConfirmationOutcome.CONFIRMED, outcome.row.version)
            )
    confirmed = sum(r.outcome == ConfirmationOutcome.CONFIRMED for r in results)
    await RegisterRepository(uow.session).add_submission(
        Submission(
            submission_id,
            kind="single" if len(results) == 1 else "bulk",
            submitted_by=scope.subject,
            organisation_ids=sorted(scope.organisation_ids or ()),
            accepted=confirmed,
        )
    )
    return results


# --- dwellings held by their plausibility warnings ----------------------------------------------


async def held_dwellings(
    uow: UnitOfWork, scope: Scope, *, limit: int, cursor: str | None
) -> PageOf[HeldDwellingRow]:
    rows = await RegisterRepository(uow.session).held_dwellings(
        scope, after=_after(cursor, str), limit=limit
    )
    return page_of(rows, limit, key=lambda row: (row.id,))


def _held_record(row: HeldDwellingRow) -> Dwelling:
    data = dict(row.record)
    if data.get("area_m2") is not None:
        data["area_m2"] = Decimal(str(data["area_m2"]))
    return Dwelling(**data)


async def confirm_dwelling(uow: UnitOfWork, scope: Scope, dwelling_id: str) -> WriteOutcome:
    """Store a held dwelling now that its warnings are confirmed: it goes through the write
    path again (the rules see the register as it is now), as the create or update it was."""
    repo = RegisterRepository(uow.session)
    held = await repo.held_dwelling(scope, dwelling_id)
    if held is None:
        if await repo.visible_dwelling(scope, dwelling_id) is not None:
            raise NotHeldError(
                f"Dwelling '{dwelling_id}' has no held version: nothing to confirm.",
                status="accepted",
            )
        raise RecordNotFoundError(f"Held dwelling '{dwelling_id}' was not found.")
    command = WriteCommand(
        EntityType.DWELLING, _held_record(held), held.expected_version, confirmed=True
    )
    return await _single_write(uow, scope, command, WriteMode(held.mode))


@dataclass(frozen=True, slots=True)
class RecordConfirmation:
    """What confirming one held record of a bulk confirmation did."""

    record_id: str
    outcome: str  # ConfirmationOutcome
    version: int | None = None
    problem: DomainError | None = None


async def confirm_dwellings(
    uow: UnitOfWork, scope: Scope, dwelling_ids: Sequence[str]
) -> list[RecordConfirmation]:
    """Confirm many held dwellings, each on its own (a savepoint each), as ``confirm_leases``."""
    results: list[RecordConfirmation] = []
    for dwelling_id in dict.fromkeys(dwelling_ids):
        try:
            async with uow.session.begin_nested():
                outcome = await confirm_dwelling(uow, scope, dwelling_id)
        except NotHeldError:
            row = await RegisterRepository(uow.session).visible_dwelling(scope, dwelling_id)
            results.append(
                RecordConfirmation(
                    dwelling_id,
                    ConfirmationOutcome.ALREADY_ACCEPTED,
                    row.version if row else None,
                )
            )
        except DomainError as refused:
            results.append(
                RecordConfirmation(dwelling_id, ConfirmationOutcome.REFUSED, problem=refused)
            )
        else:
            results.append(
                RecordConfirmation(dwelling_id, ConfirmationOutcome.CONFIRMED, outcome.version)
            )
    return results


# --- reading -----------------------------------------------------------------------------------


def _after(cursor: str | None, id_type: type) -> Any:
    """The id a page continues after (lists are ordered by id alone)."""
    key = decode_cursor(cursor, id_type)
    return None if key is None else key[0]


def _by_id(row: Any) -> tuple[Any]:
    return (row["id"],)


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


async def get_record(uow: UnitOfWork, scope: Scope, entity_type: EntityType, record_id: str) -> Any:
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
    uow: UnitOfWork, scope: Scope, entity_type: EntityType, query: ListQuery
) -> PageOf[Any]:
    repo = RegisterRepository(uow.session)
    after = _after(query.cursor, str)
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
    return page_of(rows, limit, key=_by_id)


async def visible_lease(uow: UnitOfWork, scope: Scope, lease_id: str) -> LeaseRow:
    row: LeaseRow = await get_record(uow, scope, EntityType.LEASE, lease_id)
    return row


async def get_expense(
    uow: UnitOfWork, scope: Scope, lease_id: str, expense_id: int
) -> HousingExpenseRow:
    await uow.session.connection()  # the lease's check and the ORM read on one connection
    await visible_lease(uow, scope, lease_id)
    row = await RegisterRepository(uow.session).get(HousingExpenseRow, expense_id)
    if row is None or row.lease_id != lease_id:
        raise RecordNotFoundError(
            f"Housing expense {expense_id} of lease '{lease_id}' was not found."
        )
    return row


async def list_expenses(
    uow: UnitOfWork, scope: Scope, lease_id: str, *, limit: int, cursor: str | None
) -> PageOf[Any]:
    await uow.session.connection()  # the lease's check and the page's read on one connection
    await visible_lease(uow, scope, lease_id)
    rows = await RegisterRepository(uow.session).list_expenses(
        lease_id, after=_after(cursor, int), limit=limit
    )
    return page_of(rows, limit, key=_by_id)
