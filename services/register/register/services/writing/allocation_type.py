"""A lease re-let by the municipality's allocation gets the allocation type
``municipal_allocation`` (kommunal anvisning), whatever the ERP system reported: the allocation
service knows the municipality accepted the offer, and Table 1 and Figure 13 of seed 003 count
leases by this type. The change is a new version of the lease like any other (history, version,
events when the lease is published)."""

from __future__ import annotations

from register.db.models import LeaseRow
from register.db.writing import WriteSet, WriteState
from register.domain.codes import AllocationType
from register.domain.records import (
    EntityType,
    LeaseStatus,
    Outcome,
    rent_as_of,
    rent_reference_date,
)
from register.services.writing.commands import WriteOutcome
from register.services.writing.leases import expense_of, lease_contracts
from register.services.writing.shared import Planning


def plan_municipal_allocation(
    planning: Planning, lease_id: str, state: WriteState, writes: WriteSet
) -> WriteOutcome | None:
    """Record the lease as a municipal allocation; ``None`` if it already is one (or is gone)."""
    lease = state.leases.get(lease_id)
    owned_by = state.owner_of_lease(lease)
    if lease is None or owned_by is None:
        return None
    changed: LeaseRow
    changed, is_new = writes.put(
        LeaseRow, lease, {"allocation_type": AllocationType.MUNICIPAL_ALLOCATION.value}
    )
    if not is_new:
        return None
    dwelling, department = owned_by
    writes.record_version(EntityType.LEASE, changed, department.organisation_id)
    events = []
    if changed.status == LeaseStatus.ACCEPTED.value:  # held and draft leases are not published
        assert changed.start_date is not None  # every lease but a draft has one (a check)
        rent = rent_as_of(
            [expense_of(e) for e in state.expenses.get(lease_id, [])],
            rent_reference_date(changed.start_date, changed.end_date, planning.today),
        )
        events = lease_contracts(
            changed,
            dwelling,
            department,
            state.published.get(lease_id),
            changed=True,
            rent=rent,
            today=planning.today,
        )
    return WriteOutcome(
        EntityType.LEASE,
        changed.id,
        Outcome(changed.status),
        True,
        changed.version,
        changed,
        events=events,
    )
