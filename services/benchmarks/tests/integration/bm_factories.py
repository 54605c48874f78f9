"""Factories of the events the calculator consumes, as the register and governance publish them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from common.events.contracts import (
    AccountsReportedV1,
    AllocationType,
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    HousingType,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    RentChangedV1,
)

RECORDED = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def department(
    department_id: str,
    organisation_id: str = "org-a",
    *,
    municipality: str = "101",
    region: str = "capital",
    housing_type: str = "family",
    building_type: str = "etage",
    construction_year: int = 1970,
    version: int = 1,
    recorded_at: datetime = RECORDED,
) -> DepartmentUpsertedV1:
    return DepartmentUpsertedV1(
        department_id=department_id,
        organisation_id=organisation_id,
        municipality_code=municipality,
        region=region,
        housing_type=HousingType(housing_type),
        building_type=building_type,
        construction_year=construction_year,
        version=version,
        recorded_at=recorded_at,
    )


def lease(
    lease_id: str,
    dwelling_id: str,
    department_id: str,
    *,
    start: date,
    end: date | None = None,
    rent: str = "5000.00",
    area: str = "75.00",
    organisation_id: str = "org-a",
    municipality: str = "101",
    allocation: str = "external_waiting_list",
    tomgang: bool = False,
    recorded_at: datetime = RECORDED,
) -> LeaseCreatedV1:
    return LeaseCreatedV1(
        lease_id=lease_id,
        dwelling_id=dwelling_id,
        department_id=department_id,
        organisation_id=organisation_id,
        municipality_code=municipality,
        start_date=start,
        end_date=end,
        allocation_type=AllocationType(allocation),
        monthly_rent=Decimal(rent),
        area_m2=Decimal(area),
        rooms=3,
        housing_type=HousingType.FAMILY,
        vacancy_loss_flag=tomgang,
        vacant_soon_flag=False,
        recorded_at=recorded_at,
    )


def updated(
    created: LeaseCreatedV1, *, version: int, recorded_at: datetime, **changes: Any
) -> LeaseUpdatedV1:
    data = {**created.model_dump(), "version": version, "recorded_at": recorded_at, **changes}
    return LeaseUpdatedV1(**data)


def terminated(
    created: LeaseCreatedV1,
    end: date,
    *,
    recorded_at: datetime,
    previous_end: date | None = None,
) -> LeaseTerminatedV1:
    return LeaseTerminatedV1(
        lease_id=created.lease_id,
        dwelling_id=created.dwelling_id,
        department_id=created.department_id,
        organisation_id=created.organisation_id,
        municipality_code=created.municipality_code,
        start_date=created.start_date,
        end_date=end,
        previous_end_date=previous_end,
        allocation_type=created.allocation_type,
        recorded_at=recorded_at,
    )


def rent_changed(
    created: LeaseCreatedV1, as_of: date, rent: str, *, recorded_at: datetime
) -> RentChangedV1:
    return RentChangedV1(
        lease_id=created.lease_id,
        dwelling_id=created.dwelling_id,
        department_id=created.department_id,
        organisation_id=created.organisation_id,
        municipality_code=created.municipality_code,
        as_of=as_of,
        previous_monthly_rent=created.monthly_rent,
        monthly_rent=Decimal(rent),
        area_m2=created.area_m2,
        recorded_at=recorded_at,
    )


def vacancy(
    created: LeaseCreatedV1, tomgang: bool, *, recorded_at: datetime
) -> DwellingVacancyChangedV1:
    return DwellingVacancyChangedV1(
        dwelling_id=created.dwelling_id,
        lease_id=created.lease_id,
        department_id=created.department_id,
        organisation_id=created.organisation_id,
        municipality_code=created.municipality_code,
        lease_start_date=created.start_date,
        lease_end_date=created.end_date,
        vacancy_loss_flag=tomgang,
        vacant_soon_flag=False,
        monthly_rent=created.monthly_rent,
        area_m2=created.area_m2,
        rooms=created.rooms,
        housing_type=created.housing_type,
        recorded_at=recorded_at,
    )


def accounts(
    department_id: str,
    year: int,
    *,
    organisation_id: str = "org-a",
    municipality: str = "101",
    revision: int = 1,
    dwellings: int = 4,
    area: str = "300.00",
    administration: str = "20000.00",
    maintenance: str = "30000.00",
    vacancy_loss: str = "1800.00",
    operating: str = "90000.00",
) -> AccountsReportedV1:
    return AccountsReportedV1(
        department_id=department_id,
        organisation_id=organisation_id,
        municipality_code=municipality,
        package_id=f"pkg-{year + 1}-{organisation_id}",
        accounts_year=year,
        revision=revision,
        dwellings=dwellings,
        total_area_m2=Decimal(area),
        administration_cost=Decimal(administration),
        maintenance_cost=Decimal(maintenance),
        vacancy_rent_loss=Decimal(vacancy_loss),
        operating_cost=Decimal(operating),
        reported_at=at(year + 1, 4, 30),
    )


def simple_department(
    department_id: str,
    rent: str,
    *,
    area: str = "75.00",
    organisation_id: str = "org-a",
    municipality: str = "101",
    **master: Any,
) -> list[Any]:
    """A department with one dwelling let all through 2025 at ``rent`` a month: its rent per m²
    a year is 12 × rent / area."""
    return [
        department(department_id, organisation_id, municipality=municipality, **master),
        lease(
            f"{department_id}-l1",
            f"{department_id}-d1",
            department_id,
            start=date(2020, 1, 1),
            rent=rent,
            area=area,
            organisation_id=organisation_id,
            municipality=municipality,
        ),
    ]
