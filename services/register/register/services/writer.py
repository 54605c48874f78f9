"""Storing one record: the write pipeline shared by the single-record endpoints and bulk
submissions.

For each record: find the stored one (locked), check who may write it and the expected
version, load what the rules need, run the rules (``register.domain.rules``), store the record
with its version bumped only when it really changed, append the new state to
``record_versions`` and work out which events the change publishes. Rejections raise
:class:`~common.errors.DomainError`; events are returned, not queued, so a bulk submission can
drop those of a record whose savepoint it rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from stdnum.dk import cvr as cvr_number

from common.errors import FieldError, PermissionDeniedError, StaleVersionError
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
from register.db.repositories import DuplicateRecordError, RegisterRepository
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
    BuildingSection,
    Department,
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
from register.events import outgoing

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
RowT = TypeVar("RowT", bound=Base)


def today_in_denmark() -> date:
    return datetime.now(COPENHAGEN).date()


class WriteMode(StrEnum):
    CREATE = "create"  # POST: the record must not exist (409)
    UPDATE = "update"  # PUT: the record must exist and be the caller's (404)
    UPSERT = "upsert"  # bulk: create or replace; another organisation's record is a 403


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


def _expense_of(row: HousingExpenseRow) -> HousingExpense:
    return HousingExpense(row.expense_type, row.monthly_amount, row.valid_from, row.valid_to)


def _date_or_none(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


class RecordWriter:
    """Writes records for one caller within one unit of work (one submission)."""

    def __init__(
        self,
        session: Any,
        scope: RegisterScope,
        submission_id: uuid.UUID,
        today: date | None = None,
    ) -> None:
        self.repo = RegisterRepository(session)
        self.scope = scope
        self.submission_id = submission_id
        self.today = today or today_in_denmark()
        self._rent_statistics: dict[str, Any] = {}

    # --- shared steps ------------------------------------------------------------------------

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

    async def _store(
        self, row_type: type[RowT], existing: RowT | None, values: dict[str, Any], what: str
    ) -> tuple[RowT, bool]:
        """Insert, or update with the version check; unchanged records are left alone."""
        if existing is None:
            try:
                return await self.repo.insert(row_type(**values, version=1)), True
            except DuplicateRecordError:
                raise RecordExistsError(f"{what} already exists (reported concurrently).") from None
        if all(getattr(existing, name) == value for name, value in values.items()):
            return existing, False
        version: int = existing.version  # type: ignore[attr-defined]
        try:
            updated = await self.repo.update_versioned(existing, version, values)
        except DuplicateRecordError:
            raise RecordExistsError(f"{what} would duplicate another record.") from None
        if not updated:
            raise StaleVersionError(f"{what} was changed concurrently; read it again.")
        return existing, True

    async def _remember(
        self, entity_type: EntityType, row: Any, entity_id: str, organisation_id: str
    ) -> None:
        await self.repo.append_version(
            entity_type=entity_type.value,
            row=row,
            entity_id=entity_id,
            organisation_id=organisation_id,
            recorded_by=self.scope.subject,
            submission_id=self.submission_id,
        )

    async def _writable_department(
        self, department_id: str | None, findings: list[Finding]
    ) -> DepartmentRow | None:
        if department_id is None:
            return None
        department = await self.repo.get(DepartmentRow, department_id)
        if department is None or not self._writable(department.organisation_id):
            findings.append(
                self._unknown_parent("AfdelingIdentifikator", "Department", department_id)
            )
            return None
        return department

    # --- organisations -----------------------------------------------------------------------

    async def write_organisation(self, record: Organisation, request: WriteRequest) -> WriteOutcome:
        existing = await self.repo.get(OrganisationRow, record.id, lock=True)
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
        row, changed = await self._store(OrganisationRow, existing, values, "Organisation")
        if changed:
            await self._remember(EntityType.ORGANISATION, row, row.id, row.id)
        return WriteOutcome(
            EntityType.ORGANISATION, row.id, Outcome.ACCEPTED, changed, row.version, row
        )

    # --- departments -------------------------------------------------------------------------

    async def write_department(self, record: Department, request: WriteRequest) -> WriteOutcome:
        existing = await self.repo.get(DepartmentRow, record.id, lock=True)
        owner = existing.organisation_id if existing else None
        self._guard_existing(request, existing, owner, "Department", record.id)
        findings: list[Finding] = []
        if record.organisation_id is not None:
            self.scope.ensure_may_write(record.organisation_id)
            if await self.repo.get(OrganisationRow, record.organisation_id) is None:
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
        row, changed = await self._store(DepartmentRow, existing, values, "Department")
        events: list[Contract] = []
        if changed:
            await self._remember(EntityType.DEPARTMENT, row, row.id, row.organisation_id)
            events.append(outgoing.department_upserted(row))
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

    async def write_building_section(
        self, record: BuildingSection, request: WriteRequest
    ) -> WriteOutcome:
        existing = await self.repo.get(BuildingSectionRow, record.id, lock=True)
        owner = None
        if existing is not None:
            department_of_existing = await self.repo.department_of_section(existing.id)
            owner = department_of_existing.organisation_id if department_of_existing else None
        self._guard_existing(request, existing, owner, "Building section", record.id)
        findings: list[Finding] = []
        department = await self._writable_department(record.department_id, findings)
        findings += rules.check_building_section(record, self.today)
        self._raise_errors(request, findings)
        assert department is not None
        values = {
            "id": record.id,
            "department_id": department.id,
            "name": record.name,
            "construction_year": record.construction_year,
        }
        row, changed = await self._store(BuildingSectionRow, existing, values, "Building section")
        if changed:
            await self._remember(
                EntityType.BUILDING_SECTION, row, row.id, department.organisation_id
            )
        return WriteOutcome(
            EntityType.BUILDING_SECTION, row.id, Outcome.ACCEPTED, changed, row.version, row
        )

    # --- dwellings ---------------------------------------------------------------------------

    async def write_dwelling(self, record: Dwelling, request: WriteRequest) -> WriteOutcome:
        existing = await self.repo.get(DwellingRow, record.id, lock=True)
        owner = None
        if existing is not None:
            department_of_existing = await self.repo.department_of_dwelling(existing.id)
            owner = department_of_existing.organisation_id if department_of_existing else None
        self._guard_existing(request, existing, owner, "Dwelling", record.id)
        findings: list[Finding] = []
        department = await self._writable_department(record.department_id, findings)
        section_department_id = None
        if record.building_section_id is not None:
            section_department = await self.repo.department_of_section(record.building_section_id)
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
        row, changed = await self._store(DwellingRow, existing, values, "Dwelling")
        if changed:
            await self._remember(EntityType.DWELLING, row, row.id, department.organisation_id)
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

    async def _lease_context(self, record: Lease, dwelling: DwellingRow) -> LeaseContext:
        others = [
            ExistingLease(
                id=lease.id,
                start_date=lease.start_date,
                end_date=lease.end_date,
                vacancy_loss_flag=lease.vacancy_loss_flag,
                vacant_soon_flag=lease.vacant_soon_flag,
                status=LeaseStatus(lease.status),
                expenses=tuple(_expense_of(e) for e in expenses),
            )
            for lease, expenses in await self.repo.leases_of_dwelling(dwelling.id)
            if lease.id != record.id
        ]
        stored = (await self.repo.expenses_of_leases([record.id])).get(record.id, [])
        department_id = dwelling.department_id
        if department_id not in self._rent_statistics:
            self._rent_statistics[department_id] = await self.repo.department_rent_statistics(
                department_id
            )
        return LeaseContext(
            dwelling_area_m2=dwelling.area_m2,
            other_leases=others,
            department_rent=self._rent_statistics[department_id],
            stored_expenses=tuple(_expense_of(e) for e in stored),
        )

    async def _owner_of_lease(self, lease_id: str) -> tuple[DwellingRow, DepartmentRow] | None:
        return await self.repo.dwelling_and_department_of_lease(lease_id)

    async def write_lease(self, record: Lease, request: WriteRequest) -> WriteOutcome:
        existing = await self.repo.get(LeaseRow, record.id, lock=True)
        owner = None
        if existing is not None:
            owned_by = await self._owner_of_lease(existing.id)
            owner = owned_by[1].organisation_id if owned_by else None
        self._guard_existing(request, existing, owner, "Lease", record.id)

        findings: list[Finding] = []
        dwelling: DwellingRow | None = None
        department: DepartmentRow | None = None
        context = LeaseContext(dwelling_area_m2=None)
        if record.dwelling_id is not None:
            # Locking the dwelling serialises lease writes per dwelling (overlap rules).
            dwelling = await self.repo.get(DwellingRow, record.dwelling_id, lock=True)
            if dwelling is not None:
                department = await self.repo.get(DepartmentRow, dwelling.department_id)
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
                context = await self._lease_context(record, dwelling)
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
        published_before = await self.repo.last_accepted_lease_state(record.id)
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
        lease, lease_changed = await self._store(LeaseRow, existing, values, f"Lease '{record.id}'")
        organisation_id = department.organisation_id
        if lease_changed:
            await self._remember(EntityType.LEASE, lease, lease.id, organisation_id)
        expenses_changed = False
        for expense in record.expenses:
            assert expense.expense_type is not None
            assert expense.valid_from is not None
            stored = await self.repo.expense_by_natural_key(
                lease.id, expense.expense_type, expense.valid_from, lock=True
            )
            row, changed = await self._store(
                HousingExpenseRow,
                stored,
                {
                    "lease_id": lease.id,
                    "expense_type": expense.expense_type,
                    "monthly_amount": expense.monthly_amount,
                    "valid_from": expense.valid_from,
                    "valid_to": expense.valid_to,
                },
                "Housing expense",
            )
            if changed:
                expenses_changed = True
                await self._remember(EntityType.HOUSING_EXPENSE, row, str(row.id), organisation_id)
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
        if published_before is None:
            events.append(outgoing.lease_created(lease, dwelling, department, rent))
            if lease.vacancy_loss_flag or lease.vacant_soon_flag:
                events.append(outgoing.vacancy_changed(lease, dwelling, department, rent))
            return events
        if lease_changed:
            events.append(outgoing.lease_updated(lease, dwelling, department, rent))
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
        lease = await self.repo.get(LeaseRow, lease_id, lock=True)
        owned_by = await self._owner_of_lease(lease_id) if lease else None
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
        published_before = await self.repo.last_accepted_lease_state(lease_id)
        await self._store(
            LeaseRow, lease, {"status": LeaseStatus.ACCEPTED.value, "warnings": []}, "Lease"
        )
        await self._remember(EntityType.LEASE, lease, lease.id, department.organisation_id)
        expenses = (await self.repo.expenses_of_leases([lease.id])).get(lease.id, [])
        rent = rent_as_of(
            [_expense_of(e) for e in expenses],
            rent_reference_date(lease.start_date, lease.end_date, self.today),
        )
        events = self._lease_events(lease, dwelling, department, published_before, True, rent)
        return WriteOutcome(
            EntityType.LEASE,
            lease.id,
            Outcome.ACCEPTED,
            True,
            lease.version,
            lease,
            events=events,
        )

    # --- housing expenses reported on their own ---------------------------------------------

    async def write_expense(
        self,
        record: HousingExpense,
        lease_id: str | None,
        request: WriteRequest,
        *,
        expense_id: int | None = None,
    ) -> WriteOutcome:
        """``expense_id`` (PUT) names the expense; otherwise it is found by its natural key
        (lease, type, start date)."""
        findings: list[Finding] = []
        lease: LeaseRow | None = None
        owned_by: tuple[DwellingRow, DepartmentRow] | None = None
        if lease_id is None:
            findings += rules.missing_fields([("LejekontraktUnikIdentifikator", None)])
        else:
            lease = await self.repo.get(LeaseRow, lease_id, lock=True)
            owned_by = await self._owner_of_lease(lease_id) if lease else None
            if owned_by is None or not self._writable(owned_by[1].organisation_id):
                if not request.pointer_prefix:  # the lease is in the path
                    raise RecordNotFoundError(f"Lease '{lease_id}' was not found.")
                findings.append(
                    self._unknown_parent("LejekontraktUnikIdentifikator", "Lease", lease_id)
                )
                lease = owned_by = None

        existing: HousingExpenseRow | None = None
        if lease is not None:
            if expense_id is not None:
                existing = await self.repo.get(HousingExpenseRow, expense_id, lock=True)
                if existing is not None and existing.lease_id != lease.id:
                    existing = None
            elif record.expense_type is not None and record.valid_from is not None:
                existing = await self.repo.expense_by_natural_key(
                    lease.id, record.expense_type, record.valid_from, lock=True
                )
        owner = owned_by[1].organisation_id if owned_by and existing else None
        self._guard_existing(
            request, existing, owner, "Housing expense", str(expense_id or record.key)
        )
        stored = (await self.repo.expenses_of_leases([lease.id])).get(lease.id, []) if lease else []
        others = [_expense_of(e) for e in stored if existing is None or e.id != existing.id]
        findings += rules.check_expense(record, others)
        self._raise_errors(request, findings)
        assert lease is not None
        assert owned_by is not None
        dwelling, department = owned_by

        values = {
            "lease_id": lease.id,
            "expense_type": record.expense_type,
            "monthly_amount": record.monthly_amount,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
        }
        row, changed = await self._store(HousingExpenseRow, existing, values, "Housing expense")
        events: list[Contract] = []
        if changed:
            await self._remember(
                EntityType.HOUSING_EXPENSE, row, str(row.id), department.organisation_id
            )
            if lease.status == LeaseStatus.ACCEPTED.value:
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
