"""Storing records: the one write pipeline of the single-record endpoints (a batch of one) and
of bulk submissions (up to 5,000 records).

A batch is written set-based, one record type after the other in dependency order
(organisations → departments → building sections → dwellings → leases → housing expenses).
For each type:

1. **prefetch** everything the records need with a few ``= ANY(:ids)`` queries: the stored
   records (locked ``FOR UPDATE``, in id order), their parents and owners, the other leases of
   the touched dwellings with their expenses, what consumers last saw of the leases, the
   departments' rent statistics;
2. **plan** each record in Python, in submission order, against that state: check who may
   write it and the expected version, run the rules (``register.domain.rules``, the one source
   of validation), decide what changes, snapshot its new state for ``record_versions`` and
   work out the events — later records of the batch see the earlier ones' planned state;
3. **flush** the planned rows with one ``INSERT … SELECT FROM unnest(…)`` and one
   ``UPDATE … FROM unnest(…) WHERE version = expected`` per table, and all history rows with
   one more.

If a flush meets a database error the rules could not foresee (a value PostgreSQL refuses, a
record created concurrently) the batch's savepoint is rolled back and the type's records are
written again one at a time — the same three steps with a batch of one, each in its own
savepoint — so the failing record is rejected alone (``unstorable``) and the others stored.

Rejections are :class:`~common.errors.DomainError` values returned per record (a batch of one
raises them); events are returned with each outcome, so the caller publishes exactly those of
stored records.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import psycopg
import structlog
from sqlalchemy import Numeric
from stdnum.dk import cvr as cvr_number

from common.errors import DomainError, FieldError, PermissionDeniedError, StaleVersionError
from common.events.contracts import Contract
from common.problems import json_pointer
from register.api.access import RegisterScope
from register.db.models import (
    Base,
    BuildingSectionRow,
    DepartmentRow,
    DwellingRow,
    HousingExpenseRow,
    LeaseRow,
    OrganisationRow,
)
from register.db.repositories import RegisterRepository, as_row, history_data
from register.domain import rules
from register.domain.codes import region_of
from register.domain.errors import (
    ConfirmationRequiredError,
    NotHeldError,
    RecordExistsError,
    RecordNotFoundError,
    RecordRejectedError,
)
from register.domain.records import (
    DEPENDENCY_ORDER,
    BuildingSection,
    DepartmentRentStatistics,
    Dwelling,
    EntityType,
    ExistingLease,
    FieldPath,
    Finding,
    HousingExpense,
    Lease,
    LeaseContext,
    LeaseStatus,
    Organisation,
    Outcome,
    Severity,
    first_rent_difference,
    merge_expenses,
    rent_as_of,
    rent_reference_date,
)
from register.domain.records import Department as DepartmentRecord
from register.events import outgoing

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
RowT = TypeVar("RowT", bound=Base)
UNIQUE_VIOLATION = "23505"

log = structlog.get_logger(__name__)

DomainRecord = Organisation | DepartmentRecord | BuildingSection | Dwelling | Lease | HousingExpense


def today_in_denmark() -> date:
    return datetime.now(COPENHAGEN).date()


class WriteMode(StrEnum):
    CREATE = "create"  # POST: the record must not exist (409)
    UPDATE = "update"  # PUT: the record must exist and be the caller's (404)
    UPSERT = "upsert"  # bulk: create or replace; another organisation's record is a 403


@dataclass(frozen=True, slots=True)
class WriteCommand:
    """One record to store, as the route (or a bulk submission) read it."""

    entity_type: EntityType
    record: DomainRecord
    expected_version: int | None = None
    confirmed: bool = False
    lease_id: str | None = None  # a housing expense's lease
    expense_id: int | None = None  # a housing expense being updated


@dataclass(frozen=True, slots=True)
class WriteRequest:
    mode: WriteMode
    expected_version: int | None = None
    confirmed: bool = False
    pointer_prefix: FieldPath = ()


@dataclass(slots=True)
class WriteOutcome:
    entity_type: EntityType
    entity_id: str
    outcome: Outcome
    changed: bool
    version: int | None
    row: Any = None
    warnings: list[FieldError] = field(default_factory=list)
    events: list[Contract] = field(default_factory=list)


WriteResult = WriteOutcome | DomainError


def _expense_of(row: HousingExpenseRow) -> HousingExpense:
    return HousingExpense(row.expense_type, row.monthly_amount, row.valid_from, row.valid_to)


def _date_or_none(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _row_id(row: Base) -> Any:
    return row.id  # type: ignore[attr-defined]


def _normalised(row_type: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """Amounts and areas as PostgreSQL stores them (two decimals), so the planned row equals
    the stored one and unchanged records are recognised as unchanged."""
    columns = row_type.__table__.columns
    for name, value in values.items():
        if isinstance(value, Decimal):
            column_type = columns[name].type
            if isinstance(column_type, Numeric) and column_type.scale is not None:
                values[name] = value.quantize(Decimal(1).scaleb(-column_type.scale))
    return values


class _BatchConflict(Exception):
    """A set-based flush matched fewer rows than planned (changed concurrently)."""


# What a flush may meet that the rules could not foresee: a value PostgreSQL refuses, a key a
# concurrent transaction took, fewer rows matched than planned.
_UNFORESEEN = (psycopg.DataError, psycopg.IntegrityError, _BatchConflict)


def _sqlstate(error: Exception) -> str | None:
    return getattr(error, "sqlstate", None)


# --- what one batch writes -----------------------------------------------------------------


@dataclass(slots=True)
class _Version:
    """A ``record_versions`` row: the record's state snapshotted when it was planned."""

    entity_type: EntityType
    row: Any
    version: int
    organisation_id: str
    data: dict[str, Any]


@dataclass(slots=True)
class _Plan:
    """Rows to insert (final state of new records) and update (final state, version read)."""

    inserts: dict[type[Base], dict[Any, Base]] = field(default_factory=dict)
    updates: dict[type[Base], dict[Any, tuple[Base, int]]] = field(default_factory=dict)
    versions: list[_Version] = field(default_factory=list)
    # A new row changed again in the same batch → its final state (whose id the insert sets).
    successors: dict[int, Base] = field(default_factory=dict)

    def final(self, row: Base) -> Base:
        while id(row) in self.successors:
            row = self.successors[id(row)]
        return row


# Tables in foreign-key order: a batch of leases inserts the leases before their expenses.
_TABLE_ORDER: tuple[type[Base], ...] = (
    OrganisationRow,
    DepartmentRow,
    BuildingSectionRow,
    DwellingRow,
    LeaseRow,
    HousingExpenseRow,
)


@dataclass(slots=True)
class _State:
    """The register as the batch sees it: prefetched rows, overlaid with planned changes."""

    organisations: dict[str, OrganisationRow] = field(default_factory=dict)
    departments: dict[str, DepartmentRow] = field(default_factory=dict)
    sections: dict[str, BuildingSectionRow] = field(default_factory=dict)
    dwellings: dict[str, DwellingRow] = field(default_factory=dict)
    leases: dict[str, LeaseRow] = field(default_factory=dict)
    leases_of_dwelling: dict[str, dict[str, LeaseRow]] = field(default_factory=dict)
    expenses: dict[str, list[HousingExpenseRow]] = field(default_factory=dict)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Item:
    position: int
    command: WriteCommand
    request: WriteRequest


class RecordWriter:
    """Writes records for one caller within one unit of work (one submission)."""

    def __init__(
        self,
        session: Any,
        scope: RegisterScope,
        submission_id: uuid.UUID,
        today: date | None = None,
    ) -> None:
        self.session = session
        self.repo = RegisterRepository(session)
        self.scope = scope
        self.submission_id = submission_id
        self.today = today or today_in_denmark()
        self._now: datetime | None = None
        self._rent_statistics: dict[str, DepartmentRentStatistics] = {}

    # --- the batch ---------------------------------------------------------------------------

    async def write(
        self, commands: Sequence[tuple[WriteCommand, WriteRequest]], *, isolate: bool
    ) -> list[WriteResult]:
        """Write the commands; one result per command, in their order. ``isolate``: a
        database error rejects only the record that caused it (bulk); otherwise it propagates
        (a single record: the whole request fails)."""
        items = [_Item(i, command, request) for i, (command, request) in enumerate(commands)]
        results: list[WriteResult | None] = [None] * len(items)
        if self._now is None:
            self._now = await self.repo.transaction_time()
        for entity_type in DEPENDENCY_ORDER:
            batch = [item for item in items if item.command.entity_type is entity_type]
            if batch:
                for item, result in zip(
                    batch, await self._write_type(entity_type, batch, isolate), strict=True
                ):
                    results[item.position] = result
        return [r for r in results if r is not None]

    async def _write_type(
        self, entity_type: EntityType, batch: list[_Item], isolate: bool
    ) -> list[WriteResult]:
        if not isolate:
            results = await self._plan_and_flush(entity_type, batch)
            return results
        try:
            async with self.session.begin_nested():
                return await self._plan_and_flush(entity_type, batch)
        except _UNFORESEEN as error:
            log.info(
                "register.batch.fallback_per_record",
                entity_type=entity_type.value,
                records=len(batch),
                error=str(error),
            )
        results = []
        for item in batch:
            try:
                async with self.session.begin_nested():
                    [result] = await self._plan_and_flush(entity_type, [item])
            except _UNFORESEEN as error:
                log.warning(
                    "submission.record_unstorable",
                    index=item.request.pointer_prefix,
                    error=str(error),
                )
                result = self._unstorable(item, error)
            results.append(result)
        return results

    def _unstorable(self, item: _Item, error: Exception) -> DomainError:
        if _sqlstate(error) == UNIQUE_VIOLATION:
            return RecordExistsError("The record already exists (reported concurrently).")
        if isinstance(error, _BatchConflict):
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

    async def _plan_and_flush(
        self, entity_type: EntityType, batch: list[_Item]
    ) -> list[WriteResult]:
        state = await self._prefetch(entity_type, batch)
        plan = _Plan()
        planner = self._planners()[entity_type]
        results: list[WriteResult] = []
        for item in batch:
            try:
                results.append(planner(item, state, plan))
            except DomainError as error:
                if not item.request.pointer_prefix:
                    raise  # a single record: the request fails with it
                results.append(error)
        try:
            await self._flush(plan)
        except psycopg.IntegrityError as error:
            single = len(batch) == 1 and not batch[0].request.pointer_prefix
            if single and _sqlstate(error) == UNIQUE_VIOLATION:
                raise RecordExistsError(
                    "The record already exists or would duplicate another (reported concurrently)."
                ) from None
            raise
        except _BatchConflict:
            if len(batch) == 1 and not batch[0].request.pointer_prefix:
                raise StaleVersionError(
                    "The record was changed concurrently; read it again."
                ) from None
            raise
        for result in results:
            if (
                isinstance(result, WriteOutcome)
                and result.entity_type is EntityType.HOUSING_EXPENSE
            ):
                result.row = plan.final(result.row)
                result.entity_id = str(result.row.id)
        return results

    def _planners(self) -> dict[EntityType, Callable[[_Item, _State, _Plan], WriteOutcome]]:
        return {
            EntityType.ORGANISATION: self._plan_organisation,
            EntityType.DEPARTMENT: self._plan_department,
            EntityType.BUILDING_SECTION: self._plan_building_section,
            EntityType.DWELLING: self._plan_dwelling,
            EntityType.LEASE: self._plan_lease,
            EntityType.HOUSING_EXPENSE: self._plan_expense,
        }

    # --- prefetch: a few queries per record type ----------------------------------------------

    async def _fetch(
        self, row_type: type[RowT], keys: set[Any], into: dict[Any, RowT], *, lock: bool = False
    ) -> None:
        missing = {key for key in keys if key is not None and key not in into}
        for row in await self.repo.rows_where(row_type, "id", missing, lock=lock):
            into[_row_id(row)] = row

    async def _fetch_expenses(self, state: _State, lease_ids: set[str]) -> None:
        missing = {lease_id for lease_id in lease_ids if lease_id not in state.expenses}
        for lease_id in missing:
            state.expenses[lease_id] = []
        for row in await self.repo.rows_where(HousingExpenseRow, "lease_id", missing):
            state.expenses[row.lease_id].append(row)

    async def _prefetch(self, entity_type: EntityType, batch: list[_Item]) -> _State:
        state = _State()
        records = [item.command.record for item in batch]
        if entity_type is EntityType.ORGANISATION:
            await self._fetch(
                OrganisationRow, {r.id for r in records if isinstance(r, Organisation)},
                state.organisations, lock=True,
            )  # fmt: skip
        elif entity_type is EntityType.DEPARTMENT:
            departments = [r for r in records if isinstance(r, DepartmentRecord)]
            await self._fetch(
                DepartmentRow, {r.id for r in departments}, state.departments, lock=True
            )
            await self._fetch(
                OrganisationRow, {r.organisation_id for r in departments}, state.organisations
            )
        elif entity_type is EntityType.BUILDING_SECTION:
            sections = [r for r in records if isinstance(r, BuildingSection)]
            await self._fetch(
                BuildingSectionRow, {r.id for r in sections}, state.sections, lock=True
            )
            await self._fetch(
                DepartmentRow,
                {r.department_id for r in sections}
                | {s.department_id for s in state.sections.values()},
                state.departments,
            )
        elif entity_type is EntityType.DWELLING:
            dwellings = [r for r in records if isinstance(r, Dwelling)]
            await self._fetch(DwellingRow, {r.id for r in dwellings}, state.dwellings, lock=True)
            await self._fetch(
                BuildingSectionRow, {r.building_section_id for r in dwellings}, state.sections
            )
            await self._fetch(
                DepartmentRow,
                {r.department_id for r in dwellings}
                | {d.department_id for d in state.dwellings.values()}
                | {s.department_id for s in state.sections.values()},
                state.departments,
            )
        elif entity_type is EntityType.LEASE:
            await self._prefetch_leases(state, [r for r in records if isinstance(r, Lease)])
        else:
            await self._prefetch_expense_leases(
                state, {item.command.lease_id for item in batch if item.command.lease_id}
            )
        return state

    async def _prefetch_leases(self, state: _State, leases: list[Lease]) -> None:
        await self._fetch(LeaseRow, {r.id for r in leases}, state.leases, lock=True)
        # Locking the dwellings serialises lease writes per dwelling (overlap rules).
        target_dwellings = {r.dwelling_id for r in leases if r.dwelling_id is not None}
        await self._fetch(
            DwellingRow,
            target_dwellings | {lease.dwelling_id for lease in state.leases.values()},
            state.dwellings,
            lock=True,
        )
        await self._fetch(
            DepartmentRow, {d.department_id for d in state.dwellings.values()}, state.departments
        )
        stored_dwellings = target_dwellings & state.dwellings.keys()
        for row in await self.repo.rows_where(LeaseRow, "dwelling_id", stored_dwellings):
            state.leases.setdefault(row.id, row)
        for lease in state.leases.values():
            state.leases_of_dwelling.setdefault(lease.dwelling_id, {})[lease.id] = lease
        await self._fetch_expenses(state, set(state.leases))
        state.published = await self.repo.last_accepted_lease_states(
            r.id for r in leases if r.id in state.leases
        )
        departments = {state.dwellings[d].department_id for d in stored_dwellings}
        unknown = departments - self._rent_statistics.keys()
        if unknown:
            self._rent_statistics.update(await self.repo.department_rent_statistics(unknown))

    async def _prefetch_expense_leases(self, state: _State, lease_ids: set[str]) -> None:
        await self._fetch(LeaseRow, lease_ids, state.leases, lock=True)
        await self._fetch(
            DwellingRow, {lease.dwelling_id for lease in state.leases.values()}, state.dwellings
        )
        await self._fetch(
            DepartmentRow, {d.department_id for d in state.dwellings.values()}, state.departments
        )
        await self._fetch_expenses(state, set(state.leases))

    # --- flush: a few statements per table -----------------------------------------------------

    async def _flush(self, plan: _Plan) -> None:
        for row_type in _TABLE_ORDER:
            inserted = list(plan.inserts.get(row_type, {}).values())
            ids = await self.repo.insert_rows(row_type, inserted)
            for row, new_id in zip(inserted, ids, strict=False):
                row.id = new_id  # type: ignore[attr-defined]
            planned = list(plan.updates.get(row_type, {}).values())
            if await self.repo.update_rows(row_type, planned) != len(planned):
                raise _BatchConflict(row_type.__tablename__)
        if plan.versions:
            history = []
            for version in plan.versions:
                data = version.data
                if "id" in data and data["id"] is None:  # an expense created in this batch
                    data["id"] = _row_id(plan.final(version.row))
                history.append(
                    (
                        version.entity_type.value,
                        str(data["id"]),
                        version.version,
                        version.organisation_id,
                        data,
                    )
                )
            await self.repo.insert_versions(
                history, recorded_by=self.scope.subject, submission_id=self.submission_id
            )

    # --- shared steps --------------------------------------------------------------------------

    def _writable(self, organisation_id: str) -> bool:
        return self.scope.organisation_ids is not None and (
            organisation_id in self.scope.organisation_ids
        )

    def _field_errors(self, request: WriteRequest, findings: Sequence[Finding]) -> list[FieldError]:
        return [
            FieldError(json_pointer((*request.pointer_prefix, *f.path)), f.detail, f.code)
            for f in findings
        ]

    def _raise_errors(self, request: WriteRequest, findings: Sequence[Finding]) -> None:
        errors = rules.errors_of(findings)
        if errors:
            raise RecordRejectedError(self._field_errors(request, errors))

    def _guard_existing(
        self,
        request: WriteRequest,
        existing: Any,
        owner: str | None,
        what: str,
        record_id: str,
    ) -> None:
        if request.mode is WriteMode.UPDATE and (
            existing is None or owner is None or not self._writable(owner)
        ):
            raise RecordNotFoundError(f"{what} '{record_id}' was not found.")
        if existing is None:
            return
        if owner is None or not self._writable(owner):
            raise PermissionDeniedError(
                f"{what} '{record_id}' belongs to another organisation than those your token "
                "names; you may only report your own organisations' records."
            )
        if request.mode is WriteMode.CREATE:
            raise RecordExistsError(
                f"{what} '{record_id}' already exists; change it with PUT and its version."
            )
        if request.expected_version is not None and existing.version != request.expected_version:
            raise StaleVersionError(
                f"{what} '{record_id}' is at version {existing.version}, not "
                f"{request.expected_version}: read it again and apply your change to it."
            )

    def _unknown_parent(self, path: str, what: str, parent_id: str) -> Finding:
        return Finding(
            Severity.ERROR,
            (path,),
            "unknown-parent",
            f"{what} '{parent_id}' does not exist among your organisations' records; "
            "report it first (earlier in the same submission is fine).",
        )

    def _store(
        self,
        plan: _Plan,
        row_type: type[RowT],
        existing: RowT | None,
        values: dict[str, Any],
    ) -> tuple[RowT, bool]:
        """Plan an insert, or an update with the version check; unchanged records are left
        alone. Returns the record's new state (a new row object: planned states are never
        changed afterwards, so the history snapshots and events stay as they were)."""
        assert self._now is not None
        values = _normalised(row_type, values)
        if existing is None:
            row = as_row(
                row_type, {**values, "version": 1, "created_at": self._now, "updated_at": self._now}
            )
            plan.inserts.setdefault(row_type, {})[id(row)] = row
            return row, True
        if all(getattr(existing, name) == value for name, value in values.items()):
            return existing, False
        state = {c.key: getattr(existing, c.key) for c in row_type.__table__.columns}
        version: int = existing.version  # type: ignore[attr-defined]
        row = as_row(row_type, {**state, **values, "version": version + 1, "updated_at": self._now})
        inserts = plan.inserts.setdefault(row_type, {})
        if id(existing) in inserts:  # created earlier in this batch: insert the final state
            del inserts[id(existing)]
            inserts[id(row)] = row
            plan.successors[id(existing)] = row
            return row, True
        updates = plan.updates.setdefault(row_type, {})
        key = _row_id(existing)
        read_version = updates[key][1] if key in updates else version
        updates[key] = (row, read_version)
        return row, True

    def _remember(
        self, plan: _Plan, entity_type: EntityType, row: Any, organisation_id: str
    ) -> dict[str, Any]:
        data = history_data(row)
        plan.versions.append(_Version(entity_type, row, row.version, organisation_id, data))
        return data

    def _writable_department(
        self, state: _State, department_id: str | None, findings: list[Finding]
    ) -> DepartmentRow | None:
        if department_id is None:
            return None
        department = state.departments.get(department_id)
        if department is None or not self._writable(department.organisation_id):
            findings.append(
                self._unknown_parent("AfdelingIdentifikator", "Department", department_id)
            )
            return None
        return department

    # --- organisations -----------------------------------------------------------------------

    def _plan_organisation(self, item: _Item, state: _State, plan: _Plan) -> WriteOutcome:
        record, request = item.command.record, item.request
        assert isinstance(record, Organisation)
        existing = state.organisations.get(record.id)
        self._guard_existing(
            request, existing, existing.id if existing else None, "Organisation", record.id
        )
        self.scope.ensure_may_write(record.id)
        self._raise_errors(request, rules.check_organisation(record))
        assert record.cvr
        assert record.name
        assert record.home_municipality_code
        values = {
            "id": record.id,
            "cvr": cvr_number.compact(record.cvr),
            "name": record.name,
            "home_municipality_code": record.home_municipality_code,
            "administered_by": record.administered_by,
        }
        row, changed = self._store(plan, OrganisationRow, existing, values)
        events: list[Contract] = []
        if changed:
            self._remember(plan, EntityType.ORGANISATION, row, row.id)
            events.append(outgoing.organisation_upserted(row))
        state.organisations[row.id] = row
        return WriteOutcome(
            EntityType.ORGANISATION,
            row.id,
            Outcome.ACCEPTED,
            changed,
            row.version,
            row,
            events=events,
        )

    # --- departments -------------------------------------------------------------------------

    def _plan_department(self, item: _Item, state: _State, plan: _Plan) -> WriteOutcome:
        record, request = item.command.record, item.request
        assert isinstance(record, DepartmentRecord)
        existing = state.departments.get(record.id)
        owner = existing.organisation_id if existing else None
        self._guard_existing(request, existing, owner, "Department", record.id)
        findings: list[Finding] = []
        if record.organisation_id is not None:
            self.scope.ensure_may_write(record.organisation_id)
            if record.organisation_id not in state.organisations:
                findings.append(
                    self._unknown_parent(
                        "BoligorganisationIdentifikator", "Organisation", record.organisation_id
                    )
                )
        findings += rules.check_department(record, self.today)
        self._raise_errors(request, findings)
        assert record.organisation_id
        assert record.municipality_code
        values = {
            "id": record.id,
            "organisation_id": record.organisation_id,
            "name": record.name,
            "municipality_code": record.municipality_code,
            "housing_type": record.housing_type,
            "construction_year": record.construction_year,
            "building_type": record.building_type,
            "region": region_of(record.municipality_code).value,
        }
        row, changed = self._store(plan, DepartmentRow, existing, values)
        events: list[Contract] = []
        if changed:
            self._remember(plan, EntityType.DEPARTMENT, row, row.organisation_id)
            events.append(outgoing.department_upserted(row))
        state.departments[row.id] = row
        return WriteOutcome(
            EntityType.DEPARTMENT,
            row.id,
            Outcome.ACCEPTED,
            changed,
            row.version,
            row,
            events=events,
        )

    # --- building sections -------------------------------------------------------------------

    def _plan_building_section(self, item: _Item, state: _State, plan: _Plan) -> WriteOutcome:
        record, request = item.command.record, item.request
        assert isinstance(record, BuildingSection)
        existing = state.sections.get(record.id)
        owner = None
        if existing is not None:
            department_of_existing = state.departments.get(existing.department_id)
            owner = department_of_existing.organisation_id if department_of_existing else None
        self._guard_existing(request, existing, owner, "Building section", record.id)
        findings: list[Finding] = []
        department = self._writable_department(state, record.department_id, findings)
        findings += rules.check_building_section(record, self.today)
        self._raise_errors(request, findings)
        assert department is not None
        values = {
            "id": record.id,
            "department_id": department.id,
            "name": record.name,
            "construction_year": record.construction_year,
        }
        row, changed = self._store(plan, BuildingSectionRow, existing, values)
        if changed:
            self._remember(plan, EntityType.BUILDING_SECTION, row, department.organisation_id)
        state.sections[row.id] = row
        return WriteOutcome(
            EntityType.BUILDING_SECTION, row.id, Outcome.ACCEPTED, changed, row.version, row
        )

    # --- dwellings ---------------------------------------------------------------------------

    def _plan_dwelling(self, item: _Item, state: _State, plan: _Plan) -> WriteOutcome:
        record, request = item.command.record, item.request
        assert isinstance(record, Dwelling)
        existing = state.dwellings.get(record.id)
        owner = None
        if existing is not None:
            department_of_existing = state.departments.get(existing.department_id)
            owner = department_of_existing.organisation_id if department_of_existing else None
        self._guard_existing(request, existing, owner, "Dwelling", record.id)
        findings: list[Finding] = []
        department = self._writable_department(state, record.department_id, findings)
        section_department_id = None
        if record.building_section_id is not None:
            section = state.sections.get(record.building_section_id)
            section_department = state.departments.get(section.department_id) if section else None
            if section_department is None or not self._writable(section_department.organisation_id):
                findings.append(
                    self._unknown_parent(
                        "ByggeafsnitIdentifikator", "Building section", record.building_section_id
                    )
                )
            else:
                section_department_id = section_department.id
        findings += rules.check_dwelling(record, section_department_id)
        self._raise_errors(request, findings)
        assert department is not None
        warnings = self._field_errors(request, rules.warnings_of(findings))
        if warnings and not request.confirmed:
            # Dwellings have no held state: nothing is stored until the submitter confirms.
            if not request.pointer_prefix:
                raise ConfirmationRequiredError(
                    "The dwelling has plausibility warnings; send it again with "
                    "AdvarslerBekraeftetIndikator: true if it is right.",
                    errors=warnings,
                )
            return WriteOutcome(
                EntityType.DWELLING, record.id, Outcome.HELD, False, None, warnings=warnings
            )
        values = {
            "id": record.id,
            "department_id": department.id,
            "building_section_id": record.building_section_id,
            "bbr_unit_id": record.bbr_unit_id,
            "street": record.street,
            "house_number": record.house_number,
            "floor": record.floor,
            "door": record.door,
            "postcode": record.postcode,
            "city": record.city,
            "rooms": record.rooms,
            "area_m2": record.area_m2,
            "step_free_access": record.step_free_access,
            "elevator": record.elevator,
            "wheelchair_accessible": record.wheelchair_accessible,
        }
        row, changed = self._store(plan, DwellingRow, existing, values)
        if changed:
            self._remember(plan, EntityType.DWELLING, row, department.organisation_id)
        state.dwellings[row.id] = row
        return WriteOutcome(
            EntityType.DWELLING,
            row.id,
            Outcome.ACCEPTED,
            changed,
            row.version,
            row,
            warnings=warnings,
        )

    # --- leases ------------------------------------------------------------------------------

    def _existing_lease(self, state: _State, lease: LeaseRow) -> ExistingLease:
        return ExistingLease(
            id=lease.id,
            start_date=lease.start_date,
            end_date=lease.end_date,
            vacancy_loss_flag=lease.vacancy_loss_flag,
            vacant_soon_flag=lease.vacant_soon_flag,
            status=LeaseStatus(lease.status),
            expenses=tuple(_expense_of(e) for e in state.expenses.get(lease.id, [])),
        )

    def _lease_context(self, state: _State, record: Lease, dwelling: DwellingRow) -> LeaseContext:
        others = [
            self._existing_lease(state, lease)
            for lease_id, lease in sorted(state.leases_of_dwelling.get(dwelling.id, {}).items())
            if lease_id != record.id
        ]
        stored = state.expenses.get(record.id, [])
        department_id = dwelling.department_id
        return LeaseContext(
            dwelling_area_m2=dwelling.area_m2,
            other_leases=others,
            department_rent=self._rent_statistics.get(
                department_id, DepartmentRentStatistics(0, None)
            ),
            stored_expenses=tuple(_expense_of(e) for e in stored),
        )

    def _owner_of_lease(
        self, state: _State, lease: LeaseRow | None
    ) -> tuple[DwellingRow, DepartmentRow] | None:
        if lease is None:
            return None
        dwelling = state.dwellings.get(lease.dwelling_id)
        department = state.departments.get(dwelling.department_id) if dwelling else None
        if dwelling is None or department is None:
            return None
        return dwelling, department

    def _plan_lease(self, item: _Item, state: _State, plan: _Plan) -> WriteOutcome:
        record, request = item.command.record, item.request
        assert isinstance(record, Lease)
        existing = state.leases.get(record.id)
        owned_by = self._owner_of_lease(state, existing)
        owner = owned_by[1].organisation_id if owned_by else None
        self._guard_existing(request, existing, owner, "Lease", record.id)

        findings: list[Finding] = []
        dwelling: DwellingRow | None = None
        department: DepartmentRow | None = None
        context = LeaseContext(dwelling_area_m2=None)
        if record.dwelling_id is not None:
            dwelling = state.dwellings.get(record.dwelling_id)
            if dwelling is not None:
                department = state.departments.get(dwelling.department_id)
            if (
                dwelling is None
                or department is None
                or not self._writable(department.organisation_id)
            ):
                findings.append(
                    self._unknown_parent("BoligUnikIdentifikator", "Dwelling", record.dwelling_id)
                )
                dwelling = department = None
            else:
                context = self._lease_context(state, record, dwelling)
        findings += rules.check_lease(record, context)
        self._raise_errors(request, findings)
        assert dwelling is not None
        assert department is not None
        assert record.start_date is not None
        assert record.allocation_type is not None

        warnings = rules.warnings_of(findings)
        if record.draft:
            status = LeaseStatus.DRAFT
        elif warnings and not request.confirmed:
            status = LeaseStatus.HELD
        else:
            status = LeaseStatus.ACCEPTED
        reference_day = rent_reference_date(record.start_date, record.end_date, self.today)
        published_before = state.published.get(record.id)
        was_accepted = existing is not None and existing.status == LeaseStatus.ACCEPTED.value

        values = {
            "id": record.id,
            "dwelling_id": dwelling.id,
            "external_reference": record.external_reference,
            "start_date": record.start_date,
            "end_date": record.end_date,
            "allocation_type": record.allocation_type,
            "vacancy_loss_flag": record.vacancy_loss_flag,
            "vacant_soon_flag": record.vacant_soon_flag,
            "deposit": record.deposit,
            "tenant_name": record.tenant_name,
            "status": status.value,
            "warnings": [
                {"pointer": json_pointer(w.path), "code": w.code, "detail": w.detail}
                for w in warnings
                if status is LeaseStatus.HELD
            ],
        }
        lease, lease_changed = self._store(plan, LeaseRow, existing, values)
        organisation_id = department.organisation_id
        if lease_changed:
            data = self._remember(plan, EntityType.LEASE, lease, organisation_id)
            if status is LeaseStatus.ACCEPTED:
                state.published[lease.id] = data
        expenses_changed = self._plan_lease_expenses(
            state, plan, lease, record.expenses, organisation_id
        )
        self._put_lease(state, existing, lease)
        expenses_after = merge_expenses(context.stored_expenses, record.expenses)
        rent_after = rent_as_of(expenses_after, reference_day)

        events: list[Contract] = []
        if status is LeaseStatus.ACCEPTED and (lease_changed or expenses_changed):
            events = self._lease_events(
                lease, dwelling, department, published_before, lease_changed, rent_after
            )
            if was_accepted and published_before is not None:
                events += self._rent_changed(
                    lease, dwelling, department, context.stored_expenses, expenses_after
                )
        outcome = {
            LeaseStatus.ACCEPTED: Outcome.ACCEPTED,
            LeaseStatus.HELD: Outcome.HELD,
            LeaseStatus.DRAFT: Outcome.DRAFT,
        }[status]
        return WriteOutcome(
            EntityType.LEASE,
            lease.id,
            outcome,
            lease_changed or expenses_changed,
            lease.version,
            lease,
            warnings=self._field_errors(request, warnings),
            events=events,
        )

    def _put_lease(self, state: _State, existing: LeaseRow | None, lease: LeaseRow) -> None:
        if existing is not None:
            state.leases_of_dwelling.get(existing.dwelling_id, {}).pop(existing.id, None)
        state.leases[lease.id] = lease
        state.leases_of_dwelling.setdefault(lease.dwelling_id, {})[lease.id] = lease

    def _store_expense(
        self,
        state: _State,
        plan: _Plan,
        lease_id: str,
        existing: HousingExpenseRow | None,
        expense: HousingExpense,
        organisation_id: str,
    ) -> tuple[HousingExpenseRow, bool]:
        values = {
            "lease_id": lease_id,
            "expense_type": expense.expense_type,
            "monthly_amount": expense.monthly_amount,
            "valid_from": expense.valid_from,
            "valid_to": expense.valid_to,
        }
        if existing is None:
            values["id"] = None  # generated on insert
        row, changed = self._store(plan, HousingExpenseRow, existing, values)
        if changed:
            self._remember(plan, EntityType.HOUSING_EXPENSE, row, organisation_id)
            stored = state.expenses.setdefault(lease_id, [])
            if existing is not None and existing in stored:
                stored[stored.index(existing)] = row
            else:
                stored.append(row)
        return row, changed

    def _plan_lease_expenses(
        self,
        state: _State,
        plan: _Plan,
        lease: LeaseRow,
        expenses: Sequence[HousingExpense],
        organisation_id: str,
    ) -> bool:
        changed_any = False
        for expense in expenses:
            assert expense.expense_type is not None
            assert expense.valid_from is not None
            stored = next(
                (
                    e
                    for e in state.expenses.get(lease.id, [])
                    if (e.expense_type, e.valid_from) == expense.key
                ),
                None,
            )
            _, changed = self._store_expense(
                state, plan, lease.id, stored, expense, organisation_id
            )
            changed_any = changed_any or changed
        return changed_any

    def _rent_changed(
        self,
        lease: LeaseRow,
        dwelling: DwellingRow,
        department: DepartmentRow,
        before: Sequence[HousingExpense],
        after: Sequence[HousingExpense],
    ) -> list[Contract]:
        day = first_rent_difference(before, after, lease.start_date, lease.end_date)
        if day is None:
            return []
        return [
            outgoing.rent_changed(
                lease,
                dwelling,
                department,
                as_of=day,
                previous_rent=rent_as_of(before, day),
                rent=rent_as_of(after, day),
                recorded_at=lease.updated_at,
            )
        ]

    def _lease_events(
        self,
        lease: LeaseRow,
        dwelling: DwellingRow,
        department: DepartmentRow,
        published_before: dict[str, Any] | None,
        lease_changed: bool,
        rent: Decimal,
    ) -> list[Contract]:
        """Events of an accepted lease, against the state consumers last saw of it."""
        events: list[Contract] = []
        rent_day = rent_reference_date(lease.start_date, lease.end_date, self.today)
        if published_before is None:
            events.append(outgoing.lease_created(lease, dwelling, department, rent, rent_day))
            if lease.vacancy_loss_flag or lease.vacant_soon_flag:
                events.append(outgoing.vacancy_changed(lease, dwelling, department, rent))
            return events
        if lease_changed:
            events.append(outgoing.lease_updated(lease, dwelling, department, rent, rent_day))
        previous_end = _date_or_none(published_before.get("end_date"))
        if lease.end_date is not None and lease.end_date != previous_end:
            events.append(outgoing.lease_terminated(lease, department, previous_end))
        flags_before = (
            bool(published_before.get("vacancy_loss_flag")),
            bool(published_before.get("vacant_soon_flag")),
        )
        if flags_before != (lease.vacancy_loss_flag, lease.vacant_soon_flag):
            events.append(outgoing.vacancy_changed(lease, dwelling, department, rent))
        return events

    async def confirm_lease(self, lease_id: str, expected_version: int | None) -> WriteOutcome:
        """Accept a held lease after its submitter has seen the warnings."""
        if self._now is None:
            self._now = await self.repo.transaction_time()
        state = _State()
        await self._prefetch_expense_leases(state, {lease_id})
        state.published = await self.repo.last_accepted_lease_states([lease_id])
        lease = state.leases.get(lease_id)
        owned_by = self._owner_of_lease(state, lease)
        self._guard_existing(
            WriteRequest(WriteMode.UPDATE, expected_version),
            lease,
            owned_by[1].organisation_id if owned_by else None,
            "Lease",
            lease_id,
        )
        assert lease is not None
        assert owned_by is not None
        if lease.status != LeaseStatus.HELD.value:
            raise NotHeldError(
                f"Lease '{lease_id}' is {lease.status}, not held: nothing to confirm."
            )
        dwelling, department = owned_by
        plan = _Plan()
        confirmed, _ = self._store(
            plan, LeaseRow, lease, {"status": LeaseStatus.ACCEPTED.value, "warnings": []}
        )
        self._remember(plan, EntityType.LEASE, confirmed, department.organisation_id)
        try:
            await self._flush(plan)
        except _BatchConflict:
            raise StaleVersionError("The lease was changed concurrently; read it again.") from None
        rent = rent_as_of(
            [_expense_of(e) for e in state.expenses.get(lease_id, [])],
            rent_reference_date(confirmed.start_date, confirmed.end_date, self.today),
        )
        events = self._lease_events(
            confirmed, dwelling, department, state.published.get(lease_id), True, rent
        )
        return WriteOutcome(
            EntityType.LEASE,
            confirmed.id,
            Outcome.ACCEPTED,
            True,
            confirmed.version,
            confirmed,
            events=events,
        )

    # --- housing expenses reported on their own ---------------------------------------------

    def _plan_expense(self, item: _Item, state: _State, plan: _Plan) -> WriteOutcome:
        """``expense_id`` (PUT) names the expense; otherwise it is found by its natural key
        (lease, type, start date)."""
        record, request = item.command.record, item.request
        assert isinstance(record, HousingExpense)
        lease_id, expense_id = item.command.lease_id, item.command.expense_id
        findings: list[Finding] = []
        lease: LeaseRow | None = None
        owned_by: tuple[DwellingRow, DepartmentRow] | None = None
        if lease_id is None:
            findings += rules.missing_fields([("LejekontraktUnikIdentifikator", None)])
        else:
            lease = state.leases.get(lease_id)
            owned_by = self._owner_of_lease(state, lease)
            if owned_by is None or not self._writable(owned_by[1].organisation_id):
                if not request.pointer_prefix:  # the lease is in the path
                    raise RecordNotFoundError(f"Lease '{lease_id}' was not found.")
                findings.append(
                    self._unknown_parent("LejekontraktUnikIdentifikator", "Lease", lease_id)
                )
                lease = owned_by = None

        existing: HousingExpenseRow | None = None
        stored: list[HousingExpenseRow] = []
        if lease is not None:
            stored = list(state.expenses.get(lease.id, []))
            if expense_id is not None:
                existing = next((e for e in stored if e.id == expense_id), None)
            elif record.expense_type is not None and record.valid_from is not None:
                existing = next(
                    (e for e in stored if (e.expense_type, e.valid_from) == record.key), None
                )
        owner = owned_by[1].organisation_id if owned_by and existing else None
        self._guard_existing(
            request, existing, owner, "Housing expense", str(expense_id or record.key)
        )
        others = [_expense_of(e) for e in stored if existing is None or e is not existing]
        findings += rules.check_expense(record, others)
        self._raise_errors(request, findings)
        assert lease is not None
        assert owned_by is not None
        dwelling, department = owned_by

        row, changed = self._store_expense(
            state, plan, lease.id, existing, record, department.organisation_id
        )
        events: list[Contract] = []
        if changed and lease.status == LeaseStatus.ACCEPTED.value:
            before = [_expense_of(e) for e in stored]
            events += self._rent_changed(lease, dwelling, department, before, [*others, record])
        return WriteOutcome(
            EntityType.HOUSING_EXPENSE,
            str(row.id),
            Outcome.ACCEPTED,
            changed,
            row.version,
            row,
            events=events,
        )
