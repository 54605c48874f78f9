"""The write pipeline: a batch of commands, type by type, prefetched → planned → flushed; a
database refusal rejects only the record that caused it (bulk) or the request (single)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.calendar import danish_date
from common.errors import DomainError, FieldError, StaleVersionError
from common.problems import json_pointer
from register.db.writing import (
    ConcurrentChangeError,
    DuplicateKeyError,
    FlushError,
    RecordWriteRepository,
    StoredWith,
    WriteSet,
    WriteState,
)
from register.domain.errors import RecordExistsError, RecordRejectedError
from register.domain.records import (
    DEPENDENCY_ORDER,
    BuildingSection,
    Department,
    Dwelling,
    EntityType,
    Lease,
    Organisation,
)
from register.services.writing.allocation_type import plan_municipal_allocation
from register.services.writing.commands import (
    BatchItem,
    WriteCommand,
    WriteOutcome,
    WriteRequest,
    WriteResult,
)
from register.services.writing.leases import plan_expense, plan_lease, plan_lease_confirmation
from register.services.writing.master_data import (
    plan_building_section,
    plan_department,
    plan_dwelling,
    plan_organisation,
)
from register.services.writing.shared import Planning

log = structlog.get_logger(__name__)

Planner = Callable[[Planning, BatchItem, WriteState, WriteSet], WriteOutcome]
# What a batch's planned results store with its rows (its submission row, its events).
StoredWithOf = Callable[[Sequence[WriteResult]], StoredWith]

PLANNERS: dict[EntityType, Planner] = {
    EntityType.ORGANISATION: plan_organisation,
    EntityType.DEPARTMENT: plan_department,
    EntityType.BUILDING_SECTION: plan_building_section,
    EntityType.DWELLING: plan_dwelling,
    EntityType.LEASE: plan_lease,
    EntityType.HOUSING_EXPENSE: plan_expense,
}


def _unstorable(item: BatchItem, error: FlushError) -> DomainError:
    """A record of a submission the database refused, rejected alone."""
    if isinstance(error, DuplicateKeyError):
        return RecordExistsError("The record already exists (reported concurrently).")
    if isinstance(error, ConcurrentChangeError):
        return StaleVersionError("The record was changed concurrently; read it again.")
    return RecordRejectedError(
        [
            FieldError(
                json_pointer(item.request.pointer_prefix),
                "The record cannot be stored.",
                "unstorable",
            )
        ]
    )


class RecordWriter:
    """Writes records for one caller within one unit of work (one submission)."""

    def __init__(
        self,
        session: AsyncSession,
        scope: Scope,
        submission_id: uuid.UUID,
        today: date | None = None,
    ) -> None:
        self.session = session
        self.repo = RecordWriteRepository(session)
        self.scope = scope
        self.submission_id = submission_id
        self.planning = Planning(scope, today or danish_date())

    async def _write_set(self) -> WriteSet:
        """An empty write set stamped with the transaction's time (every row of it has it)."""
        return WriteSet(await self.repo.transaction_time())

    async def _flush(self, writes: WriteSet, stored_with: StoredWith | None = None) -> None:
        await self.repo.flush(
            writes,
            recorded_by=self.scope.subject,
            submission_id=self.submission_id,
            stored_with=stored_with,
        )

    # --- the batch ---------------------------------------------------------------------------

    async def write(
        self,
        commands: Sequence[tuple[WriteCommand, WriteRequest]],
        *,
        isolate: bool,
        stored_with: StoredWithOf | None = None,
    ) -> list[WriteResult]:
        """Write the commands; one result per command, in their order. ``isolate``: a
        database error rejects only the record that caused it (bulk); otherwise it propagates
        (a single record: the whole request fails). ``stored_with`` (commands of one record
        type only): the submission row and the outbox rows of the planned results, stored with
        the records' rows (in their last round trip)."""
        if stored_with is not None and len({c.entity_type for c, _ in commands}) > 1:
            raise ValueError("rows stored with the records: commands of one type only")
        items = [BatchItem(i, command, request) for i, (command, request) in enumerate(commands)]
        results: list[WriteResult | None] = [None] * len(items)
        for entity_type in DEPENDENCY_ORDER:
            batch = [item for item in items if item.command.entity_type is entity_type]
            if batch:
                for item, result in zip(
                    batch,
                    await self._write_type(entity_type, batch, isolate, stored_with),
                    strict=True,
                ):
                    results[item.position] = result
        return [r for r in results if r is not None]

    async def _write_type(
        self,
        entity_type: EntityType,
        batch: list[BatchItem],
        isolate: bool,
        stored_with: StoredWithOf | None,
    ) -> list[WriteResult]:
        """The type's records set-wise in a savepoint; if the database refuses the batch, one
        at a time, each in its own savepoint, so only the refused record is rejected."""
        if not isolate:
            return await self._plan_and_flush(entity_type, batch, stored_with)
        try:
            async with self.session.begin_nested():
                return await self._plan_and_flush(entity_type, batch, stored_with)
        except FlushError as error:
            log.info(
                "register.batch.fallback_per_record",
                entity_type=entity_type.value,
                records=len(batch),
                error=str(error),
            )
        results: list[WriteResult] = []
        for item in batch:
            try:
                async with self.session.begin_nested():
                    [result] = await self._plan_and_flush(entity_type, [item], stored_with)
            except FlushError as error:
                log.warning(
                    "submission.record_unstorable",
                    index=item.request.pointer_prefix,
                    error=str(error),
                )
                result = _unstorable(item, error)
            results.append(result)
        return results

    async def _plan_and_flush(
        self, entity_type: EntityType, batch: list[BatchItem], stored_with_of: StoredWithOf | None
    ) -> list[WriteResult]:
        state = await self._prefetch(entity_type, batch)
        writes = await self._write_set()
        plan = PLANNERS[entity_type]
        results: list[WriteResult] = []
        for item in batch:
            try:
                results.append(plan(self.planning, item, state, writes))
            except DomainError as error:
                if item.request.single:
                    raise  # a single record: the request fails with it
                results.append(error)
        single = len(batch) == 1 and batch[0].request.single
        stored_with = None if stored_with_of is None else stored_with_of(results)
        try:
            await self._flush(writes, stored_with)
        except DuplicateKeyError:
            if single:
                raise RecordExistsError(
                    "The record already exists or would duplicate another (reported concurrently)."
                ) from None
            raise
        except ConcurrentChangeError:
            if single:
                raise StaleVersionError(
                    "The record was changed concurrently; read it again."
                ) from None
            raise
        for result in results:
            if (
                isinstance(result, WriteOutcome)
                and result.entity_type is EntityType.HOUSING_EXPENSE
            ):  # an expense created in this batch: its final state has the generated id
                result.row = writes.final(result.row)
                result.entity_id = str(result.row.id)
        if entity_type is EntityType.DWELLING:
            await self._keep_held_dwellings(results)
        return results

    async def _keep_held_dwellings(self, results: Sequence[WriteResult]) -> None:
        """A dwelling held by its warnings is kept until confirmed; one stored now (plausible,
        or confirmed) replaces its held version. A dwelling sent more than once in a batch ends
        as its last record left it (held, then corrected: not held)."""
        last = {r.entity_id: r for r in results if isinstance(r, WriteOutcome)}
        stored = [o.entity_id for o in last.values() if o.held is None]
        await self.repo.repo.release_held_dwellings(stored)
        for outcome in last.values():
            if outcome.held is None:
                continue
            held = outcome.held
            record = {
                k: (str(v) if isinstance(v, Decimal) else v)
                for k, v in dataclasses.asdict(held.record).items()
            }
            await self.repo.repo.hold_dwelling(
                {
                    "id": held.record.id,
                    "organisation_id": held.organisation_id,
                    "record": record,
                    "warnings": held.warnings,
                    "mode": held.mode.value,
                    "expected_version": held.expected_version,
                    "held_by": self.scope.subject,
                }
            )

    async def _prefetch(self, entity_type: EntityType, batch: list[BatchItem]) -> WriteState:
        records: list[Any] = [item.command.record for item in batch]
        if entity_type is EntityType.ORGANISATION:
            return await self.repo.for_organisations(
                [r for r in records if isinstance(r, Organisation)]
            )
        if entity_type is EntityType.DEPARTMENT:
            return await self.repo.for_departments(
                [r for r in records if isinstance(r, Department)]
            )
        if entity_type is EntityType.BUILDING_SECTION:
            return await self.repo.for_building_sections(
                [r for r in records if isinstance(r, BuildingSection)]
            )
        if entity_type is EntityType.DWELLING:
            return await self.repo.for_dwellings([r for r in records if isinstance(r, Dwelling)])
        if entity_type is EntityType.LEASE:
            return await self.repo.for_leases([r for r in records if isinstance(r, Lease)])
        return await self.repo.for_expenses(
            {item.command.lease_id for item in batch if item.command.lease_id}
        )

    # --- confirming a held lease ---------------------------------------------------------------

    async def confirm_lease(self, lease_id: str, expected_version: int | None) -> WriteOutcome:
        """Accept a held lease after its submitter has seen the warnings."""
        writes = await self._write_set()
        state = await self.repo.for_lease_confirmation(lease_id)
        outcome = plan_lease_confirmation(self.planning, lease_id, expected_version, state, writes)
        try:
            await self._flush(writes)
        except ConcurrentChangeError:
            raise StaleVersionError("The lease was changed concurrently; read it again.") from None
        return outcome

    async def record_municipal_allocation(self, lease_id: str) -> WriteOutcome | None:
        """Give the lease the allocation type municipal_allocation (a new version); ``None`` if
        it already has it."""
        writes = await self._write_set()
        state = await self.repo.for_lease_confirmation(lease_id)
        outcome = plan_municipal_allocation(self.planning, lease_id, state, writes)
        if outcome is not None:
            await self._flush(writes)
        return outcome
