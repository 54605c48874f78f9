"""The write path's persistence: what a batch of records reads before it is planned, the rows
it plans (a :class:`WriteSet`), and how they are stored — a few set-based statements per record
type (``RegisterRepository``'s ``= ANY(:ids)`` reads, ``COPY`` of new rows and of the history
rows, versioned ``UPDATE … unnest``).

The database errors the rules cannot foresee come out of here as :class:`FlushError` values,
so the write use case decides what they mean without knowing SQLSTATEs:

* :class:`DuplicateKeyError` — a unique key a concurrent transaction took first;
* :class:`ConcurrentChangeError` — an update matched fewer rows than planned (the version moved);
* :class:`UnstorableError` — a value PostgreSQL refuses, or another constraint.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Numeric
from sqlalchemy.ext.asyncio import AsyncSession

from common.events.envelope import Envelope
from common.events.outbox import notifying_insert
from register.db.models import (
    Base,
    BuildingSectionRow,
    DepartmentRow,
    DwellingRow,
    HousingExpenseRow,
    LeaseRow,
    MunicipalAllocationRow,
    OrganisationRow,
)
from register.db.municipal_allocations import MunicipalAllocationRepository
from register.db.repositories import (
    FEW_ROWS,
    RegisterRepository,
    Statement,
    Submission,
    as_row,
    chained,
    execute_numbered,
    has_identity,
    history_data,
    insert_statement,
    insert_with_versions_statement,
    submission_statement,
    text_array,
    versions_statement,
)
from register.domain.codes import AllocationType
from register.domain.records import (
    BuildingSection,
    Department,
    DepartmentRentStatistics,
    Dwelling,
    EntityType,
    Lease,
    Organisation,
)

RowT = TypeVar("RowT", bound=Base)

UNIQUE_VIOLATION = "23505"

# Tables in foreign-key order: a batch of leases inserts the leases before their expenses.
TABLE_ORDER: tuple[type[Base], ...] = (
    OrganisationRow,
    DepartmentRow,
    BuildingSectionRow,
    DwellingRow,
    LeaseRow,
    HousingExpenseRow,
)


# The lease prefetch's conditions (``RecordWriteRepository.for_leases``): %(ids)s are the
# leases written, %(targets)s the dwellings they name, %(known)s the departments whose rent
# statistics the writer has. Each statement of the pipeline names what an earlier one read by a
# subquery (``ARRAY(…)``: evaluated once, then an index lookup), so none needs another's result.
_LEASES_BY_ID = "id = ANY(CAST(%(ids)s AS TEXT[]))"
_DWELLINGS_OF_LEASES = (
    "id = ANY(CAST(%(targets)s AS TEXT[])"
    " || ARRAY(SELECT dwelling_id FROM leases WHERE id = ANY(CAST(%(ids)s AS TEXT[]))))"
)
_DEPARTMENTS_OF_DWELLINGS = (
    "id = ANY(ARRAY(SELECT department_id FROM dwellings WHERE id = ANY(CAST(%(targets)s AS TEXT[])"
    " || ARRAY(SELECT dwelling_id FROM leases WHERE id = ANY(CAST(%(ids)s AS TEXT[]))))))"
)
_LEASES_OF_TARGETS = "dwelling_id = ANY(CAST(%(targets)s AS TEXT[]))"
_EXPENSES_OF_LEASES = (
    "lease_id = ANY(CAST(%(ids)s AS TEXT[])"
    " || ARRAY(SELECT id FROM leases WHERE dwelling_id = ANY(CAST(%(targets)s AS TEXT[]))))"
)
# SQL array expressions: the leases written that are stored; the departments of the dwellings
# named whose rent statistics the writer does not have yet.
_STORED_LEASE_IDS = "ARRAY(SELECT id FROM leases WHERE id = ANY(CAST(%(ids)s AS TEXT[])))"
_UNKNOWN_TARGET_DEPARTMENTS = (
    "ARRAY(SELECT department_id FROM dwellings WHERE id = ANY(CAST(%(targets)s AS TEXT[]))"
    " AND NOT department_id = ANY(CAST(%(known)s AS TEXT[])))"
)


# The transaction's time, and PostgreSQL told to run the rest of the transaction's statements
# with the plans it keeps per connection (``plan_cache_mode``, transaction-local): it would plan
# each of a few leases' reads at every execution otherwise — their ``= ANY(array)`` parameters
# make the kept plan look costlier than one for the values at hand (measured: 0 of 395
# executions of each prefetch statement used it; PostgreSQL CPU per prefetch 1.1 → 0.85 ms).
# The plans are the same for a few ids; a bulk submission's thousands keep plans for their
# values (only a few leases' prefetch sends this).
_NOW_WITH_GENERIC_PLANS = "SELECT now(), set_config('plan_cache_mode', 'force_generic_plan', true)"


# --- what the database refused ----------------------------------------------------------------


class FlushError(Exception):
    """The database refused a write the rules let through."""


class DuplicateKeyError(FlushError):
    """A unique key is taken (typically by a record reported concurrently)."""


class ConcurrentChangeError(FlushError):
    """A versioned update matched fewer rows than planned: a record changed concurrently."""


class UnstorableError(FlushError):
    """A value PostgreSQL refuses, or a constraint other than a unique key."""


@contextmanager
def _refusals_as_flush_errors() -> Iterator[None]:
    try:
        yield
    except psycopg.IntegrityError as error:
        if error.sqlstate == UNIQUE_VIOLATION:
            raise DuplicateKeyError(str(error)) from error
        raise UnstorableError(str(error)) from error
    except psycopg.DataError as error:
        raise UnstorableError(str(error)) from error


# --- the register as a batch sees it ------------------------------------------------------------


@dataclass(slots=True)
class WriteState:
    """Prefetched rows, overlaid with the batch's planned changes as it is planned."""

    organisations: dict[str, OrganisationRow] = field(default_factory=dict)
    departments: dict[str, DepartmentRow] = field(default_factory=dict)
    sections: dict[str, BuildingSectionRow] = field(default_factory=dict)
    dwellings: dict[str, DwellingRow] = field(default_factory=dict)
    leases: dict[str, LeaseRow] = field(default_factory=dict)
    leases_of_dwelling: dict[str, dict[str, LeaseRow]] = field(default_factory=dict)
    expenses: dict[str, list[HousingExpenseRow]] = field(default_factory=dict)
    # Each lease as consumers last saw it: its latest accepted history snapshot.
    published: dict[str, dict[str, Any]] = field(default_factory=dict)
    rent_statistics: dict[str, DepartmentRentStatistics] = field(default_factory=dict)
    # The municipal allocations applied to leases the batch would give another allocation type
    # (by lease id): the type stays municipal (``services/writing/leases.py``).
    municipal_allocations: dict[str, MunicipalAllocationRow] = field(default_factory=dict)

    def put_lease(self, existing: LeaseRow | None, lease: LeaseRow) -> None:
        if existing is not None:
            self.leases_of_dwelling.get(existing.dwelling_id, {}).pop(existing.id, None)
        self.leases[lease.id] = lease
        self.leases_of_dwelling.setdefault(lease.dwelling_id, {})[lease.id] = lease

    def put_expense(
        self, lease_id: str, existing: HousingExpenseRow | None, expense: HousingExpenseRow
    ) -> None:
        stored = self.expenses.setdefault(lease_id, [])
        if existing is not None and existing in stored:
            stored[stored.index(existing)] = expense
        else:
            stored.append(expense)

    def owner_of_lease(self, lease: LeaseRow | None) -> tuple[DwellingRow, DepartmentRow] | None:
        """The lease's dwelling and department, if the batch knows both."""
        if lease is None:
            return None
        dwelling = self.dwellings.get(lease.dwelling_id)
        department = self.departments.get(dwelling.department_id) if dwelling else None
        if dwelling is None or department is None:
            return None
        return dwelling, department


# --- what one batch writes ----------------------------------------------------------------------


def _row_id(row: Base) -> Any:
    return row.id  # type: ignore[attr-defined]


_QUANTA: dict[type[Base], dict[str, Decimal]] = {}


def _quanta(row_type: type[Base]) -> dict[str, Decimal]:
    """The table's numeric columns with a scale → their smallest step (``Decimal('0.01')``)."""
    quanta = _QUANTA.get(row_type)
    if quanta is None:
        quanta = {
            column.key: Decimal(1).scaleb(-column.type.scale)
            for column in row_type.__table__.columns
            if isinstance(column.type, Numeric) and column.type.scale is not None
        }
        _QUANTA[row_type] = quanta
    return quanta


def _normalised(row_type: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """Amounts and areas as PostgreSQL stores them (two decimals), so the planned row equals
    the stored one and unchanged records are recognised as unchanged."""
    for name, quantum in _quanta(row_type).items():
        value = values.get(name)
        if isinstance(value, Decimal):
            values[name] = value.quantize(quantum)
    return values


@dataclass(slots=True)
class PlannedVersion:
    """A ``record_versions`` row: the record's state snapshotted when it was planned."""

    entity_type: EntityType
    row: Any
    version: int
    organisation_id: str
    data: dict[str, Any]


@dataclass(slots=True)
class WriteSet:
    """Rows to insert (final state of new records) and update (final state, version read),
    and the history rows of every change; ``now`` is the transaction's timestamp."""

    now: datetime
    inserts: dict[type[Base], dict[Any, Base]] = field(default_factory=dict)
    updates: dict[type[Base], dict[Any, tuple[Base, int]]] = field(default_factory=dict)
    versions: list[PlannedVersion] = field(default_factory=list)
    # A new row changed again in the same batch → its final state (whose id the insert sets).
    successors: dict[int, Base] = field(default_factory=dict)

    def final(self, row: Base) -> Base:
        while id(row) in self.successors:
            row = self.successors[id(row)]
        return row

    def put(
        self, row_type: type[RowT], existing: RowT | None, values: dict[str, Any]
    ) -> tuple[RowT, bool]:
        """Plan an insert, or an update with the version check; unchanged records are left
        alone. Returns the record's new state (a new row object: planned states are never
        changed afterwards, so the history snapshots and events stay as they were)."""
        values = _normalised(row_type, values)
        if existing is None:
            row = as_row(
                row_type, {**values, "version": 1, "created_at": self.now, "updated_at": self.now}
            )
            self.inserts.setdefault(row_type, {})[id(row)] = row
            return row, True
        if all(getattr(existing, name) == value for name, value in values.items()):
            return existing, False
        state = {c.key: getattr(existing, c.key) for c in row_type.__table__.columns}
        version: int = existing.version  # type: ignore[attr-defined]
        row = as_row(row_type, {**state, **values, "version": version + 1, "updated_at": self.now})
        inserts = self.inserts.setdefault(row_type, {})
        if id(existing) in inserts:  # created earlier in this batch: insert the final state
            del inserts[id(existing)]
            inserts[id(row)] = row
            self.successors[id(existing)] = row
            return row, True
        updates = self.updates.setdefault(row_type, {})
        key = _row_id(existing)
        read_version = updates[key][1] if key in updates else version
        updates[key] = (row, read_version)
        return row, True

    def record_version(
        self, entity_type: EntityType, row: Any, organisation_id: str
    ) -> dict[str, Any]:
        """Snapshot the row's planned state for ``record_versions``; returns the snapshot."""
        data = history_data(row)
        self.versions.append(PlannedVersion(entity_type, row, row.version, organisation_id, data))
        return data


@dataclass(frozen=True, slots=True)
class StoredWith:
    """What a write stores with its records' rows, in their last round trip: the submission's
    row and the outbox rows of the events it publishes (``common.events.outbox``'s statement:
    the rows, and the relay woken on COMMIT)."""

    submission: Submission
    envelopes: Sequence[Envelope] = ()


def _stored_with_statements(stored_with: StoredWith) -> list[Statement]:
    statements = [submission_statement(stored_with.submission)]
    if stored_with.envelopes:
        statements.append(notifying_insert(stored_with.envelopes))
    return statements


HistoryRun = tuple["type[Base] | None", list[PlannedVersion]]


def _history_runs(writes: WriteSet) -> list[HistoryRun] | None:
    """The history rows in their order, cut into runs: of new rows of one identity-keyed
    table (its type: inserted with their history rows in one statement) and of the others
    (``None``). ``None`` where inserting the new rows that way would not give them the ids
    inserting them in planning order gives (the write path's order: a new row changed again
    in the batch, or a new row's history out of that order) — then the history waits for the
    ids."""
    if writes.successors:
        return None
    tables = {
        id(row): row_type
        for row_type, rows in writes.inserts.items()
        if has_identity(row_type)
        for row in rows.values()
    }
    runs: list[HistoryRun] = []
    seen: list[int] = []
    for version in writes.versions:
        table = tables.get(id(version.row))
        if table is not None:
            seen.append(id(version.row))
        if not runs or runs[-1][0] is not table:
            runs.append((table, []))
        runs[-1][1].append(version)
    if seen != list(tables):
        return None
    return runs


# --- the statements ------------------------------------------------------------------------------


class RecordWriteRepository:
    """Prefetch and flush for one writer (one submission); department rent statistics are
    fetched once per department and writer."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = RegisterRepository(session)
        self._rent_statistics: dict[str, DepartmentRentStatistics] = {}
        self._now: datetime | None = None

    async def transaction_time(self) -> datetime:
        """``now()``, asked once (a prefetch may have brought it along)."""
        if self._now is None:
            self._now = await self.repo.transaction_time()
        return self._now

    # --- prefetch: a few queries per record type ----------------------------------------------

    def _new_state(self) -> WriteState:
        return WriteState(rent_statistics=self._rent_statistics)

    async def _fetch(
        self, row_type: type[RowT], keys: set[Any], into: dict[Any, RowT], *, lock: bool = False
    ) -> None:
        missing = {key for key in keys if key is not None and key not in into}
        with _refusals_as_flush_errors():
            rows = await self.repo.rows_where(row_type, "id", missing, lock=lock)
        for row in rows:
            into[_row_id(row)] = row

    async def _fetch_expenses(self, state: WriteState, lease_ids: set[str]) -> None:
        missing = {lease_id for lease_id in lease_ids if lease_id not in state.expenses}
        for lease_id in missing:
            state.expenses[lease_id] = []
        with _refusals_as_flush_errors():
            rows = await self.repo.rows_where(HousingExpenseRow, "lease_id", missing)
        for row in rows:
            state.expenses[row.lease_id].append(row)

    async def for_organisations(self, records: Sequence[Organisation]) -> WriteState:
        state = self._new_state()
        await self._fetch(OrganisationRow, {r.id for r in records}, state.organisations, lock=True)
        return state

    async def for_departments(self, records: Sequence[Department]) -> WriteState:
        state = self._new_state()
        await self._fetch(DepartmentRow, {r.id for r in records}, state.departments, lock=True)
        await self._fetch(
            OrganisationRow, {r.organisation_id for r in records}, state.organisations
        )
        return state

    async def for_building_sections(self, records: Sequence[BuildingSection]) -> WriteState:
        state = self._new_state()
        await self._fetch(BuildingSectionRow, {r.id for r in records}, state.sections, lock=True)
        await self._fetch(
            DepartmentRow,
            {r.department_id for r in records} | {s.department_id for s in state.sections.values()},
            state.departments,
        )
        return state

    async def for_dwellings(self, records: Sequence[Dwelling]) -> WriteState:
        state = self._new_state()
        await self._fetch(DwellingRow, {r.id for r in records}, state.dwellings, lock=True)
        await self._fetch(
            BuildingSectionRow, {r.building_section_id for r in records}, state.sections
        )
        await self._fetch(
            DepartmentRow,
            {r.department_id for r in records}
            | {d.department_id for d in state.dwellings.values()}
            | {s.department_id for s in state.sections.values()},
            state.departments,
        )
        return state

    async def for_leases(self, records: Sequence[Lease]) -> WriteState:
        """The leases (locked), their dwellings and the stored leases' (locked), the dwellings'
        departments, the dwellings' other leases with all their expenses, what consumers last
        saw of the leases and the departments' rent statistics — with one round trip: the
        statements are pipelined, each naming what an earlier one read in SQL (the locked
        leases' dwellings, the dwellings' departments) rather than with its results. The
        transaction's time comes with them."""
        state = self._new_state()
        lease_ids = sorted({r.id for r in records})
        targets = sorted({r.dwelling_id for r in records if r.dwelling_id is not None})
        params = {
            "ids": text_array(lease_ids),
            "targets": text_array(targets),
            "known": text_array(sorted(self._rent_statistics)),
        }
        repo = self.repo
        with _refusals_as_flush_errors():
            async with repo.pipeline() as driver:
                clock = (
                    None
                    if self._now is not None
                    else await driver.execute(
                        _NOW_WITH_GENERIC_PLANS if len(records) <= FEW_ROWS else "SELECT now()"
                    )
                )
                leases = await repo.queue_rows(driver, LeaseRow, _LEASES_BY_ID, params, lock=True)
                # Locking the dwellings serialises lease writes per dwelling (overlap rules).
                dwellings = await repo.queue_rows(
                    driver, DwellingRow, _DWELLINGS_OF_LEASES, params, lock=True
                )
                departments = await repo.queue_rows(
                    driver, DepartmentRow, _DEPARTMENTS_OF_DWELLINGS, params
                )
                others = await repo.queue_rows(driver, LeaseRow, _LEASES_OF_TARGETS, params)
                expenses = await repo.queue_rows(
                    driver, HousingExpenseRow, _EXPENSES_OF_LEASES, params
                )
                published = await repo.queue_last_accepted_lease_states(
                    driver, _STORED_LEASE_IDS, params
                )
                statistics = await repo.queue_department_rent_statistics(
                    driver, _UNKNOWN_TARGET_DEPARTMENTS, params
                )
            if clock is not None:
                self._now = (await clock.fetchall())[0][0]
            for row in await repo.rows_of(LeaseRow, leases):
                state.leases[row.id] = row
            for dwelling in await repo.rows_of(DwellingRow, dwellings):
                state.dwellings[dwelling.id] = dwelling
            for department in await repo.rows_of(DepartmentRow, departments):
                state.departments[department.id] = department
            for row in await repo.rows_of(LeaseRow, others):
                state.leases.setdefault(row.id, row)
            for lease in state.leases.values():
                state.leases_of_dwelling.setdefault(lease.dwelling_id, {})[lease.id] = lease
                state.expenses[lease.id] = []
            for expense in await repo.rows_of(HousingExpenseRow, expenses):
                if (stored := state.expenses.get(expense.lease_id)) is not None:
                    stored.append(expense)
            state.published = await repo.published_of(published)
            stored_targets = state.dwellings.keys() & set(targets)
            unknown = {state.dwellings[d].department_id for d in stored_targets}
            self._rent_statistics.update(
                await repo.rent_statistics_of(unknown - self._rent_statistics.keys(), statistics)
            )
        await self._fetch_municipal_allocations(state, records)
        return state

    async def _fetch_municipal_allocations(
        self, state: WriteState, records: Sequence[Lease]
    ) -> None:
        """The applied allocations of the stored municipal leases the records give another
        allocation type — rare, so asked only then (another round trip), never on the common
        path."""
        municipal = AllocationType.MUNICIPAL_ALLOCATION
        lease_ids = {
            r.id
            for r in records
            if r.allocation_type != municipal
            and (stored := state.leases.get(r.id)) is not None
            and stored.allocation_type == municipal
        }
        if lease_ids:
            with _refusals_as_flush_errors():
                state.municipal_allocations = await MunicipalAllocationRepository(
                    self.repo.session
                ).applied_to(lease_ids)

    async def for_expenses(self, lease_ids: set[str], *, with_rents: bool = True) -> WriteState:
        """Housing expenses reported on their own: their leases (locked) with their dwellings,
        departments and stored expenses; ``with_rents``: also what the rent warnings need —
        the dwellings' other leases with their expenses and the departments' rent
        statistics."""
        state = self._new_state()
        await self._fetch(LeaseRow, lease_ids, state.leases, lock=True)
        await self._fetch(
            DwellingRow, {lease.dwelling_id for lease in state.leases.values()}, state.dwellings
        )
        await self._fetch(
            DepartmentRow, {d.department_id for d in state.dwellings.values()}, state.departments
        )
        if with_rents:
            with _refusals_as_flush_errors():
                others = await self.repo.rows_where(LeaseRow, "dwelling_id", set(state.dwellings))
            for row in others:
                state.leases.setdefault(row.id, row)
            for lease in state.leases.values():
                state.leases_of_dwelling.setdefault(lease.dwelling_id, {})[lease.id] = lease
            departments = {d.department_id for d in state.dwellings.values()}
            unknown = departments - self._rent_statistics.keys()
            if unknown:
                with _refusals_as_flush_errors():
                    statistics = await self.repo.department_rent_statistics(unknown)
                self._rent_statistics.update(statistics)
        await self._fetch_expenses(state, set(state.leases))
        return state

    async def for_lease_confirmation(self, lease_id: str) -> WriteState:
        """One lease changed on its own (a held lease confirmed, a municipal allocation
        recorded): as for its expenses, and what consumers last saw."""
        state = await self.for_expenses({lease_id}, with_rents=False)
        with _refusals_as_flush_errors():
            state.published = await self.repo.last_accepted_lease_states([lease_id])
        return state

    # --- flush: a few statements per table -----------------------------------------------------

    async def flush(
        self,
        writes: WriteSet,
        *,
        recorded_by: str,
        submission_id: uuid.UUID,
        stored_with: StoredWith | None = None,
    ) -> None:
        """Insert and update the planned rows table by table, then all history rows (and what
        is ``stored_with`` them, if given); a new row's generated id is set on it (and so on its
        history snapshot). A few rows a table (a single record's write) go as ``INSERT``s and
        ``UPDATE``s pipelined together, the history rows with them or — when the database
        gives ids the history names — right after (:meth:`_flush_few`); more one statement
        after the other, new rows with ``COPY``."""
        with _refusals_as_flush_errors():
            if all(len(rows) <= FEW_ROWS for rows in writes.inserts.values()):
                await self._flush_few(writes, recorded_by, submission_id, stored_with)
                return
            for row_type in TABLE_ORDER:
                inserted = list(writes.inserts.get(row_type, {}).values())
                ids = await self.repo.insert_rows(row_type, inserted, writes.now)
                for row, new_id in zip(inserted, ids, strict=False):
                    row.id = new_id  # type: ignore[attr-defined]
                planned = list(writes.updates.get(row_type, {}).values())
                if await self.repo.update_rows(row_type, planned) != len(planned):
                    raise ConcurrentChangeError(row_type.__tablename__)
            await self._insert_versions(writes, recorded_by, submission_id)
            if stored_with is not None:
                async with self.repo.pipeline() as driver:
                    await self._queue_stored_with(driver, stored_with)

    async def _flush_few(
        self,
        writes: WriteSet,
        recorded_by: str,
        submission_id: uuid.UUID,
        stored_with: StoredWith | None,
    ) -> None:
        """One round trip: the inserts and updates of every table, then the history rows in
        their order — the new rows of an identity-keyed table (housing expenses) inserted with
        their history rows (``insert_with_versions_statement``), so none waits for the ids the
        database gives — and what is stored with them, in the last history rows' statement
        (:func:`~register.db.repositories.chained`). Where the history's order does not allow
        that (:func:`_history_runs`), the history rows wait for the ids: two round trips."""
        repo = self.repo
        runs = _history_runs(writes)
        folded = {t for t in TABLE_ORDER if has_identity(t)} if runs is not None else set()
        # New rows whose ids are their own (nothing to read back), sent in the statement of the
        # history rows that come first, when those are no identity-keyed table's new rows (which
        # may name them) and nothing is updated in between (a new lease: one statement less).
        with_history: list[Statement] = []
        deferred = runs is not None and bool(runs) and runs[0][0] is None and not writes.updates
        queued: list[tuple[type[Base], list[Base], Any, int, Any]] = []
        history: list[tuple[list[Base], Any]] = []
        async with repo.pipeline() as driver:
            for row_type in TABLE_ORDER:
                inserted = list(writes.inserts.get(row_type, {}).values())
                planned = list(writes.updates.get(row_type, {}).values())
                insert = None
                if inserted and row_type not in folded:
                    if deferred and not has_identity(row_type):
                        with_history.append(insert_statement(row_type, inserted, writes.now))
                    else:
                        insert = await repo.queue_insert(driver, row_type, inserted, writes.now)
                update = await repo.queue_update(driver, row_type, planned) if planned else None
                queued.append((row_type, inserted, insert, len(planned), update))
            if runs is not None:
                # (the new rows whose ids it returns, statements sent with it, the statement)
                statements: list[tuple[list[Base] | None, list[Statement], Statement]] = []
                for table, versions in runs:
                    if table is not None:
                        statement = insert_with_versions_statement(
                            table,
                            [
                                (v.row, (v.entity_type.value, v.version, v.organisation_id, v.data))
                                for v in versions
                            ],
                            writes.now,
                            recorded_by,
                            submission_id,
                        )
                        statements.append(([v.row for v in versions], [], statement))
                    else:
                        statement = versions_statement(
                            [self._history_row(writes, v) for v in versions],
                            recorded_by,
                            submission_id,
                        )
                        statements.append((None, with_history, statement))
                        with_history = []
                if stored_with is not None:  # with the last history rows
                    if statements:
                        statements[-1][1].extend(_stored_with_statements(stored_with))
                    else:
                        await self._queue_stored_with(driver, stored_with)
                for new_rows, before, statement in statements:
                    cursor = await execute_numbered(driver, chained(*before, statement))
                    if new_rows is not None:
                        history.append((new_rows, cursor))
        for row_type, inserted, insert, planned_count, update in queued:
            if insert is not None:
                ids = await repo.inserted_ids(row_type, insert)
                for row, new_id in zip(inserted, ids, strict=False):
                    row.id = new_id  # type: ignore[attr-defined]
            if update is not None and update.rowcount != planned_count:
                raise ConcurrentChangeError(row_type.__tablename__)
        for new_rows, cursor in history:
            for row, new_id in zip(new_rows, await repo.history_ids(cursor), strict=True):
                row.id = new_id  # type: ignore[attr-defined]
        for version in writes.versions:  # the snapshots as stored (an expense's new id)
            if "id" in version.data and version.data["id"] is None:
                version.data["id"] = _row_id(writes.final(version.row))
        if runs is None:
            async with repo.pipeline() as driver:
                if writes.versions:
                    await repo.queue_versions(
                        driver,
                        [self._history_row(writes, version) for version in writes.versions],
                        recorded_by,
                        submission_id,
                    )
                if stored_with is not None:
                    await self._queue_stored_with(driver, stored_with)

    async def _queue_stored_with(
        self, driver: psycopg.AsyncConnection[Any], stored_with: StoredWith
    ) -> None:
        """The submission's row and the outbox rows, one statement."""
        await driver.execute(*chained(*_stored_with_statements(stored_with)))

    async def _insert_versions(
        self, writes: WriteSet, recorded_by: str, submission_id: uuid.UUID
    ) -> None:
        if writes.versions:
            await self.repo.insert_versions(
                [self._history_row(writes, version) for version in writes.versions],
                recorded_by=recorded_by,
                submission_id=submission_id,
            )

    @staticmethod
    def _history_row(
        writes: WriteSet, version: PlannedVersion
    ) -> tuple[str, str, int, str, dict[str, Any]]:
        data = version.data
        if "id" in data and data["id"] is None:  # an expense created in this batch
            data["id"] = _row_id(writes.final(version.row))
        return (
            version.entity_type.value,
            str(data["id"]),
            version.version,
            version.organisation_id,
            data,
        )
