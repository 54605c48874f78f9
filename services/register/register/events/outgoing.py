"""The register's outgoing events, built from stored rows (never with a tenant's name)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from common.db.uow import UnitOfWork
from common.events.contracts import (
    AllocationType,
    Contract,
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    HousingType,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    OrganisationUpsertedV1,
    RentChangedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from common.observability import current_correlation_id
from register.db.models import DepartmentRow, DwellingRow, LeaseRow, OrganisationRow


def publish(uow: UnitOfWork, events: list[Contract]) -> None:
    """Queue events for the outbox; they are written in the caller's transaction."""
    for envelope in envelopes(events):
        uow.record_event(envelope)


def envelopes(events: list[Contract]) -> list[Envelope]:
    """The events' envelopes for the outbox (with the request's correlation id)."""
    correlation_id = current_correlation_id()
    return [to_envelope(event, correlation_id=correlation_id) for event in events]


def start_of(lease: LeaseRow) -> date:
    """A published lease's start date: only accepted leases are published, and only a draft may
    lack one (the database's ``complete_unless_draft`` check)."""
    if lease.start_date is None:
        raise ValueError(f"Lease '{lease.id}' has no start date: a draft is never published.")
    return lease.start_date


def _allocation(lease: LeaseRow) -> AllocationType:
    if lease.allocation_type is None:
        raise ValueError(f"Lease '{lease.id}' has no allocation type: a draft is never published.")
    return AllocationType(lease.allocation_type)


def lease_created(
    lease: LeaseRow,
    dwelling: DwellingRow,
    department: DepartmentRow,
    rent: Decimal,
    rent_day: date,
) -> LeaseCreatedV1:
    return LeaseCreatedV1(
        lease_id=lease.id,
        dwelling_id=dwelling.id,
        department_id=department.id,
        organisation_id=department.organisation_id,
        municipality_code=department.municipality_code,
        start_date=start_of(lease),
        end_date=lease.end_date,
        allocation_type=_allocation(lease),
        monthly_rent=rent,
        area_m2=dwelling.area_m2,
        rooms=dwelling.rooms,
        housing_type=HousingType(department.housing_type),
        vacancy_loss_flag=lease.vacancy_loss_flag,
        vacant_soon_flag=lease.vacant_soon_flag,
        recorded_at=lease.updated_at,
        rent_day=rent_day,
    )


def lease_updated(
    lease: LeaseRow,
    dwelling: DwellingRow,
    department: DepartmentRow,
    rent: Decimal,
    rent_day: date,
) -> LeaseUpdatedV1:
    created = lease_created(lease, dwelling, department, rent, rent_day)
    return LeaseUpdatedV1(**created.model_dump(), version=lease.version)


def lease_terminated(
    lease: LeaseRow, department: DepartmentRow, previous_end_date: date | None
) -> LeaseTerminatedV1:
    assert lease.end_date is not None
    return LeaseTerminatedV1(
        lease_id=lease.id,
        dwelling_id=lease.dwelling_id,
        department_id=department.id,
        organisation_id=department.organisation_id,
        municipality_code=department.municipality_code,
        start_date=start_of(lease),
        end_date=lease.end_date,
        previous_end_date=previous_end_date,
        allocation_type=_allocation(lease),
        recorded_at=lease.updated_at,
    )


def rent_changed(
    lease: LeaseRow,
    dwelling: DwellingRow,
    department: DepartmentRow,
    *,
    as_of: date,
    previous_rent: Decimal,
    rent: Decimal,
    recorded_at: datetime,
) -> RentChangedV1:
    return RentChangedV1(
        lease_id=lease.id,
        dwelling_id=dwelling.id,
        department_id=department.id,
        organisation_id=department.organisation_id,
        municipality_code=department.municipality_code,
        as_of=as_of,
        previous_monthly_rent=previous_rent,
        monthly_rent=rent,
        area_m2=dwelling.area_m2,
        recorded_at=recorded_at,
    )


def vacancy_changed(
    lease: LeaseRow, dwelling: DwellingRow, department: DepartmentRow, rent: Decimal
) -> DwellingVacancyChangedV1:
    return DwellingVacancyChangedV1(
        dwelling_id=dwelling.id,
        lease_id=lease.id,
        department_id=department.id,
        organisation_id=department.organisation_id,
        municipality_code=department.municipality_code,
        lease_start_date=start_of(lease),
        lease_end_date=lease.end_date,
        vacancy_loss_flag=lease.vacancy_loss_flag,
        vacant_soon_flag=lease.vacant_soon_flag,
        monthly_rent=rent,
        area_m2=dwelling.area_m2,
        rooms=dwelling.rooms,
        housing_type=HousingType(department.housing_type),
        recorded_at=lease.updated_at,
    )


def organisation_upserted(organisation: OrganisationRow) -> OrganisationUpsertedV1:
    return OrganisationUpsertedV1(
        organisation_id=organisation.id,
        home_municipality_code=organisation.home_municipality_code,
        administered_by=organisation.administered_by,
        name=organisation.name,
        version=organisation.version,
        recorded_at=organisation.updated_at,
    )


def department_upserted(department: DepartmentRow) -> DepartmentUpsertedV1:
    return DepartmentUpsertedV1(
        department_id=department.id,
        organisation_id=department.organisation_id,
        municipality_code=department.municipality_code,
        region=department.region,
        housing_type=HousingType(department.housing_type),
        building_type=department.building_type,
        construction_year=department.construction_year,
        version=department.version,
        recorded_at=department.updated_at,
    )
