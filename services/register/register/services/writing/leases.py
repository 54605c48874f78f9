"""Planning leases and housing expenses, and the events a stored change of them publishes.

A lease is checked against its dwelling's other leases and the department's rents
(``register.domain.rules``), stored as a draft, held (warnings not yet confirmed) or accepted,
and sent with its housing expenses, which are merged into the stored ones by type and start
date. Only accepted leases are published; which events is ``register.domain.lease_events``'s
decision, the rent change is the first day the expenses give another rent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from common.calendar import danish_date
from common.errors import FieldError
from common.events.contracts import Contract
from common.municipalities import MUNICIPALITIES
from common.problems import json_pointer
from register.db.models import (
    DepartmentRow,
    DwellingRow,
    HousingExpenseRow,
    LeaseRow,
    MunicipalAllocationRow,
)
from register.db.writing import WriteSet, WriteState
from register.domain import rules
from register.domain.codes import AllocationType
from register.domain.errors import NotHeldError, RecordNotFoundError
from register.domain.lease_events import LeaseEvent, PublishedLease, lease_events
from register.domain.records import (
    DepartmentRentStatistics,
    EntityType,
    ExistingLease,
    Finding,
    HousingExpense,
    Lease,
    LeaseContext,
    LeaseStatus,
    Outcome,
    first_rent_difference,
    merge_expenses,
    rent_as_of,
    rent_reference_date,
)
from register.events import outgoing
from register.services.writing.commands import BatchItem, WriteMode, WriteOutcome, WriteRequest
from register.services.writing.shared import (
    Planning,
    field_errors,
    raise_errors,
    unknown_parent,
)

MUNICIPAL_ALLOCATION = AllocationType.MUNICIPAL_ALLOCATION.value  # as stored

OUTCOME_OF_STATUS = {
    LeaseStatus.ACCEPTED: Outcome.ACCEPTED,
    LeaseStatus.HELD: Outcome.HELD,
    LeaseStatus.DRAFT: Outcome.DRAFT,
}


def expense_of(row: HousingExpenseRow) -> HousingExpense:
    return HousingExpense(row.expense_type, row.monthly_amount, row.valid_from, row.valid_to)


# --- events ----------------------------------------------------------------------------------


def lease_contracts(
    lease: LeaseRow,
    dwelling: DwellingRow,
    department: DepartmentRow,
    published_before: dict[str, Any] | None,
    *,
    changed: bool,
    rent: Decimal,
    today: date,
) -> list[Contract]:
    """The contracts of an accepted lease, against the state consumers last saw of it (its
    latest accepted history snapshot, ``None`` if it was never published)."""
    rent_day = rent_reference_date(outgoing.start_of(lease), lease.end_date, today)
    before = None if published_before is None else PublishedLease.from_snapshot(published_before)
    after = PublishedLease(lease.end_date, lease.vacancy_loss_flag, lease.vacant_soon_flag)
    contracts: list[Contract] = []
    for event in lease_events(before, after, changed=changed):
        if event is LeaseEvent.CREATED:
            contracts.append(outgoing.lease_created(lease, dwelling, department, rent, rent_day))
        elif event is LeaseEvent.UPDATED:
            contracts.append(outgoing.lease_updated(lease, dwelling, department, rent, rent_day))
        elif event is LeaseEvent.TERMINATED:
            assert before is not None
            contracts.append(outgoing.lease_terminated(lease, department, before.end_date))
        else:
            contracts.append(outgoing.vacancy_changed(lease, dwelling, department, rent))
    return contracts


def rent_changed_contracts(
    lease: LeaseRow,
    dwelling: DwellingRow,
    department: DepartmentRow,
    before: Sequence[HousingExpense],
    after: Sequence[HousingExpense],
) -> list[Contract]:
    """A rent change on the first day of the lease the two expense sets give different rents
    (none if they never do)."""
    day = first_rent_difference(before, after, outgoing.start_of(lease), lease.end_date)
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


# --- leases ------------------------------------------------------------------------------------


def _existing_lease(state: WriteState, lease: LeaseRow) -> ExistingLease:
    assert lease.start_date is not None  # drafts without one are left out of a lease's context
    return ExistingLease(
        id=lease.id,
        start_date=lease.start_date,
        end_date=lease.end_date,
        vacancy_loss_flag=lease.vacancy_loss_flag,
        vacant_soon_flag=lease.vacant_soon_flag,
        status=LeaseStatus(lease.status),
        expenses=tuple(expense_of(e) for e in state.expenses.get(lease.id, [])),
    )


def _lease_context(state: WriteState, record: Lease, dwelling: DwellingRow) -> LeaseContext:
    others = [
        _existing_lease(state, lease)
        for lease_id, lease in sorted(state.leases_of_dwelling.get(dwelling.id, {}).items())
        if lease_id != record.id and lease.start_date is not None  # an undated draft: no period
    ]
    stored = state.expenses.get(record.id, [])
    return LeaseContext(
        dwelling_area_m2=dwelling.area_m2,
        other_leases=others,
        department_rent=state.rent_statistics.get(
            dwelling.department_id, DepartmentRentStatistics(0, None)
        ),
        stored_expenses=tuple(expense_of(e) for e in stored),
    )


def _lease_status(record: Lease, warnings: Sequence[Finding], confirmed: bool) -> LeaseStatus:
    if record.draft:
        return LeaseStatus.DRAFT
    if warnings and not confirmed:
        return LeaseStatus.HELD
    return LeaseStatus.ACCEPTED


def plan_lease(
    planning: Planning, item: BatchItem, state: WriteState, writes: WriteSet
) -> WriteOutcome:
    record, request = item.command.record, item.request
    assert isinstance(record, Lease)
    existing = state.leases.get(record.id)
    owned_by = state.owner_of_lease(existing)
    owner = owned_by[1].organisation_id if owned_by else None
    planning.guard_existing(request, existing, owner, "Lease", record.id)

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
            or not planning.writable(department.organisation_id)
        ):
            findings.append(
                unknown_parent("BoligUnikIdentifikator", "Dwelling", record.dwelling_id)
            )
            dwelling = department = None
        else:
            context = _lease_context(state, record, dwelling)
    findings += rules.check_lease(record, context)
    raise_errors(request, findings)
    assert dwelling is not None
    assert department is not None

    warnings = rules.warnings_of(findings)
    status = _lease_status(record, warnings, request.confirmed)
    # A draft may come without a start date (KladdeIndikator); its rent is then not known.
    reference_day = (
        None
        if record.start_date is None
        else rent_reference_date(record.start_date, record.end_date, planning.today)
    )
    published_before = state.published.get(record.id)
    was_accepted = existing is not None and existing.status == LeaseStatus.ACCEPTED.value
    # A municipal allocation applied to the lease outlasts the type the ERP system sends (looked
    # up only when the type would change): the type stays municipal, and the write says so.
    allocation = state.municipal_allocations.get(record.id)
    if record.allocation_type == MUNICIPAL_ALLOCATION:
        allocation = None

    values = {
        "id": record.id,
        "dwelling_id": dwelling.id,
        "external_reference": record.external_reference,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "allocation_type": record.allocation_type if allocation is None else MUNICIPAL_ALLOCATION,
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
    lease, lease_changed = writes.put(LeaseRow, existing, values)
    organisation_id = department.organisation_id
    if lease_changed:
        data = writes.record_version(EntityType.LEASE, lease, organisation_id)
        if status is LeaseStatus.ACCEPTED:
            state.published[lease.id] = data
    expenses_changed = _plan_lease_expenses(state, writes, lease, record.expenses, organisation_id)
    state.put_lease(existing, lease)
    expenses_after = merge_expenses(context.stored_expenses, record.expenses)
    rent_after = (
        Decimal("0.00") if reference_day is None else rent_as_of(expenses_after, reference_day)
    )

    events: list[Contract] = []
    if status is LeaseStatus.ACCEPTED and (lease_changed or expenses_changed):
        events = lease_contracts(
            lease,
            dwelling,
            department,
            published_before,
            changed=lease_changed,
            rent=rent_after,
            today=planning.today,
        )
        if was_accepted and published_before is not None:
            events += rent_changed_contracts(
                lease, dwelling, department, context.stored_expenses, expenses_after
            )
    return WriteOutcome(
        EntityType.LEASE,
        lease.id,
        OUTCOME_OF_STATUS[status],
        lease_changed or expenses_changed,
        lease.version,
        lease,
        warnings=field_errors(request, warnings),
        events=events,
        notices=[]
        if allocation is None
        else [_municipal_allocation_kept(request, allocation, record.allocation_type)],
    )


def _municipal_allocation_kept(
    request: WriteRequest, allocation: MunicipalAllocationRow, sent: str | None
) -> FieldError:
    """Said when the ERP system sends another allocation type for a lease the municipality
    allocated: the municipality's allocation counts (Table 1, Figure 13), the type is kept."""
    code = allocation.municipality_code
    municipality = f"{MUNICIPALITIES[code]} ({code})" if code in MUNICIPALITIES else code
    instead = f"not '{sent}'" if sent is not None else "although none was sent"
    return FieldError(
        json_pointer((*request.pointer_prefix, "AnvisningstypeKode")),
        f"The lease was let by municipal allocation: {municipality} accepted the dwelling on "
        f"{danish_date(allocation.answered_at).isoformat()} (at its disposal from "
        f"{allocation.available_from.isoformat()}). The allocation type stays "
        f"'{MUNICIPAL_ALLOCATION}', {instead}; the rest of the lease is stored as sent.",
        "municipal-allocation-kept",
    )


def _store_expense(
    state: WriteState,
    writes: WriteSet,
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
    row, changed = writes.put(HousingExpenseRow, existing, values)
    if changed:
        writes.record_version(EntityType.HOUSING_EXPENSE, row, organisation_id)
        state.put_expense(lease_id, existing, row)
    return row, changed


def _plan_lease_expenses(
    state: WriteState,
    writes: WriteSet,
    lease: LeaseRow,
    expenses: Sequence[HousingExpense],
    organisation_id: str,
) -> bool:
    """A lease's expenses replace the stored ones of the same type and start date."""
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
        _, changed = _store_expense(state, writes, lease.id, stored, expense, organisation_id)
        changed_any = changed_any or changed
    return changed_any


def plan_lease_confirmation(
    planning: Planning,
    lease_id: str,
    expected_version: int | None,
    state: WriteState,
    writes: WriteSet,
) -> WriteOutcome:
    """Accept a held lease after its submitter has seen the warnings."""
    lease = state.leases.get(lease_id)
    owned_by = state.owner_of_lease(lease)
    planning.guard_existing(
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
            f"Lease '{lease_id}' is {lease.status}, not held: nothing to confirm.",
            status=lease.status,
        )
    dwelling, department = owned_by
    confirmed, _ = writes.put(
        LeaseRow, lease, {"status": LeaseStatus.ACCEPTED.value, "warnings": []}
    )
    writes.record_version(EntityType.LEASE, confirmed, department.organisation_id)
    rent = rent_as_of(
        [expense_of(e) for e in state.expenses.get(lease_id, [])],
        rent_reference_date(outgoing.start_of(confirmed), confirmed.end_date, planning.today),
    )
    events = lease_contracts(
        confirmed,
        dwelling,
        department,
        state.published.get(lease_id),
        changed=True,
        rent=rent,
        today=planning.today,
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


# --- housing expenses reported on their own ------------------------------------------------


def _lease_record(lease: LeaseRow) -> Lease:
    return Lease(
        id=lease.id,
        dwelling_id=lease.dwelling_id,
        start_date=lease.start_date,
        end_date=lease.end_date,
        allocation_type=lease.allocation_type,
        draft=lease.status == LeaseStatus.DRAFT.value,
    )


def _expense_context(state: WriteState, lease: LeaseRow, dwelling: DwellingRow) -> LeaseContext:
    others = [
        _existing_lease(state, other)
        for other_id, other in sorted(state.leases_of_dwelling.get(dwelling.id, {}).items())
        if other_id != lease.id and other.start_date is not None
    ]
    return LeaseContext(
        dwelling_area_m2=dwelling.area_m2,
        other_leases=others,
        department_rent=state.rent_statistics.get(
            dwelling.department_id, DepartmentRentStatistics(0, None)
        ),
    )


def _hold_lease(
    state: WriteState,
    writes: WriteSet,
    lease: LeaseRow,
    warnings: Sequence[Finding],
    organisation_id: str,
) -> None:
    """Hold a lease whose expenses, reported on their own, raised plausibility warnings: it is
    not counted until confirmed (``POST /leases/{id}/confirm``), as a lease sent with them."""
    open_warnings = list(lease.warnings or []) if lease.status == LeaseStatus.HELD.value else []
    for w in warnings:
        entry = {"pointer": "#/Boligudgifter", "code": w.code, "detail": w.detail}
        if entry not in open_warnings:
            open_warnings.append(entry)
    held, changed = writes.put(
        LeaseRow, lease, {"status": LeaseStatus.HELD.value, "warnings": open_warnings}
    )
    if changed:
        writes.record_version(EntityType.LEASE, held, organisation_id)
    state.put_lease(lease, held)


def plan_expense(
    planning: Planning, item: BatchItem, state: WriteState, writes: WriteSet
) -> WriteOutcome:
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
        owned_by = state.owner_of_lease(lease)
        if owned_by is None or not planning.writable(owned_by[1].organisation_id):
            if request.single:  # the lease is in the path
                raise RecordNotFoundError(f"Lease '{lease_id}' was not found.")
            findings.append(unknown_parent("LejekontraktUnikIdentifikator", "Lease", lease_id))
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
    planning.guard_existing(
        request, existing, owner, "Housing expense", str(expense_id or record.key)
    )
    others = [expense_of(e) for e in stored if existing is None or e is not existing]
    findings += rules.check_expense(record, others)
    raise_errors(request, findings)
    assert lease is not None
    assert owned_by is not None
    dwelling, department = owned_by

    row, changed = _store_expense(
        state, writes, lease.id, existing, record, department.organisation_id
    )
    before = [expense_of(e) for e in stored]
    after = [*others, record]
    warnings: list[Finding] = []
    if changed and lease.status != LeaseStatus.DRAFT.value and record.valid_from is not None:
        warnings = rules.warnings_of(
            rules.rent_change_plausibility(
                _lease_record(lease),
                before,
                after,
                _expense_context(state, lease, dwelling),
                record.valid_from,
            )
        )
    held = bool(warnings) and not request.confirmed
    if held:  # the lease waits for its submitter's confirmation, as if sent with the change
        _hold_lease(state, writes, lease, warnings, department.organisation_id)
    events: list[Contract] = []
    if changed and not held and lease.status == LeaseStatus.ACCEPTED.value:
        events += rent_changed_contracts(lease, dwelling, department, before, after)
    return WriteOutcome(
        EntityType.HOUSING_EXPENSE,
        str(row.id),
        Outcome.HELD if held else Outcome.ACCEPTED,
        changed,
        row.version,
        row,
        warnings=field_errors(request, warnings),
        events=events,
    )
