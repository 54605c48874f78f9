"""Wire models of the public statistics, the municipal data sheet and the vacancy listing and
counts. The use cases (``register.services.statistics``) return dataclasses of the same shape;
the routes validate them into these models (``from_attributes``)."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common.money import DKK
from register.domain.suppression import SUPPRESSION_NOTE, THRESHOLD
from register.services.statistics import VACANCY_DEFINITION


class Cell(BaseModel):
    """A published count: ``value`` is null when ``suppressed``."""

    value: int | None
    suppressed: bool


class SuppressionInfo(BaseModel):
    threshold: int = THRESHOLD
    method: str = SUPPRESSION_NOTE


class RentBand(BaseModel):
    code: str
    label: str
    min_monthly_rent: DKK | None
    max_monthly_rent: DKK | None


class HousingTypeRow(BaseModel):
    housing_type: str = Field(description="family | youth | elderly, or 'all' for the sum row")
    label: str
    by_rent_band: dict[str, Cell]
    total: Cell


class DwellingStatistics(BaseModel):
    date: dt.date
    municipality_code: str | None = Field(description="null: the whole country")
    municipality_name: str
    rent_bands: list[RentBand]
    rows: list[HousingTypeRow]
    suppression: SuppressionInfo = SuppressionInfo()


class AllocationRow(BaseModel):
    allocation_type: str = Field(description="an AllocationType code, or 'sum' for the sum row")
    label: str
    count: Cell
    share_percent: float | None = Field(description="share of all re-lettings, 1 decimal")


class RelettingStatistics(BaseModel):
    year: int
    municipality_code: str | None
    municipality_name: str
    housing_type: str | None = Field(description="null: all housing types")
    rows: list[AllocationRow]
    suppression: SuppressionInfo = SuppressionInfo()


class MunicipalShare(BaseModel):
    municipality_code: str | None
    municipality_name: str
    relettings: Cell
    municipal_allocations: Cell
    share_percent: float | None


class MunicipalAllocationStatistics(BaseModel):
    year: int
    housing_type: str | None
    national: MunicipalShare
    municipalities: list[MunicipalShare]
    suppression: SuppressionInfo = SuppressionInfo()


class MunicipalStockShare(BaseModel):
    municipality_code: str | None
    municipality_name: str
    dwellings_with_lease: Cell = Field(description="dwellings with a lease in force on the date")
    municipal_allocations: Cell = Field(
        description="of those, dwellings whose lease in force was let by municipal allocation"
    )
    share_percent: float | None = Field(description="municipal_allocations / dwellings, 1 decimal")


class MunicipalAllocationStockStatistics(BaseModel):
    date: dt.date
    housing_type: str | None = Field(description="null: all housing types")
    national: MunicipalStockShare
    municipalities: list[MunicipalStockShare]
    suppression: SuppressionInfo = SuppressionInfo()


# --- rent bands: re-lettings per band, shares per municipality ---------------------------------


class RelettingBandRow(BaseModel):
    rent_band: str = Field(description="a rent band code, or 'all' for the sum row")
    label: str
    dwellings: Cell = Field(description="dwellings in the band on the band date")
    relettings: Cell = Field(description="re-lettings in the year of dwellings in the band")
    relet_percent: float | None = Field(description="relettings / dwellings, 1 decimal")
    municipal_allocations: Cell = Field(description="of the re-lettings, municipal allocations")
    municipal_percent: float | None = Field(
        description="municipal_allocations / relettings, 1 decimal"
    )


class RelettingsByRentBand(BaseModel):
    year: int
    date: dt.date = Field(description="the date the dwellings' rent bands are counted on")
    municipality_code: str | None = Field(description="null: the whole country")
    municipality_name: str
    housing_type: str | None = Field(description="null: all housing types")
    rent_bands: list[RentBand]
    rows: list[RelettingBandRow]
    suppression: SuppressionInfo = SuppressionInfo()


class BandShare(BaseModel):
    dwellings: Cell
    share_percent: float | None = Field(
        description="of the area's dwellings (of the housing type), 1 decimal"
    )


class MunicipalRentBands(BaseModel):
    municipality_code: str | None = Field(description="null: the whole country")
    municipality_name: str
    dwellings: Cell
    by_rent_band: dict[str, BandShare]


class RentBandShares(BaseModel):
    date: dt.date
    housing_type: str | None = Field(description="null: all housing types")
    rent_bands: list[RentBand]
    national: MunicipalRentBands
    municipalities: list[MunicipalRentBands]
    suppression: SuppressionInfo = SuppressionInfo()


# --- municipal data sheet (kommunalt dataark) ---------------------------------------------------


class SheetUnit(BaseModel):
    """One line of the data sheet: the municipality, an organisation or a department."""

    level: Literal["municipality", "organisation", "department"]
    organisation_id: str | None = None
    organisation_name: str | None = None
    department_id: str | None = None
    department_name: str | None = None
    housing_type: str | None = None
    dwellings: dict[str, Cell] = Field(description="by housing type, and 'total'")
    average_monthly_rent: DKK | None = Field(
        description="mean rent of the dwellings with a rent in force on the date"
    )
    monthly_rent_per_m2: DKK | None = Field(
        description="Σ rent / Σ area of the dwellings with a rent in force on the date"
    )
    average_area_m2: Decimal | None
    averages_suppressed: bool
    move_outs: Cell = Field(description="accepted leases ending in the year")
    relettings: dict[str, Cell] = Field(description="by allocation type, and 'total'")


class DataSheet(BaseModel):
    municipality_code: str
    municipality_name: str
    date: dt.date = Field(description="stock, rents and sizes as of this date")
    year: int = Field(description="move-outs and re-lettings in this year")
    summary: SheetUnit
    organisations: list[SheetUnit]
    departments: list[SheetUnit]
    definitions: dict[str, str]
    suppression: SuppressionInfo = SuppressionInfo()


# --- vacancy listing ---------------------------------------------------------------------------


class VacantDwelling(BaseModel):
    """A dwelling about to become vacant (LejekontraktLedigIndikator), as danmarkbolig shows it.
    Never a tenant's name or an organisation-internal field."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)  # Danish on the wire

    dwelling_id: str = Field(alias="BoligUnikIdentifikator")
    street: str = Field(alias="Vejnavn")
    house_number: str = Field(alias="Husnummer")
    floor: str | None = Field(alias="Etage")
    door: str | None = Field(alias="SideDoer")
    postcode: str = Field(alias="Postnummer")
    city: str = Field(alias="Postdistrikt")
    municipality_code: str = Field(alias="KommuneKode")
    municipality_name: str = Field(alias="KommuneNavn")
    rooms: int = Field(alias="AntalVaerelser")
    area_m2: Decimal = Field(alias="BoligArealM2")
    monthly_rent: DKK | None = Field(
        alias="MaanedligHusleje", description="rent-forming expenses in force on the date"
    )
    step_free_access: bool | None = Field(alias="NiveaufriAdgangIndikator")
    elevator: bool | None = Field(alias="ElevatorIndikator")
    wheelchair_accessible: bool | None = Field(alias="KoerestolsegnetIndikator")
    housing_type: str = Field(alias="BoligtypeKode")
    department_name: str = Field(alias="AfdelingNavn")
    organisation_name: str = Field(alias="BoligorganisationNavn")
    available_from: date | None = Field(
        alias="LedigFraDato", description="the day after the current lease ends, if known"
    )


class VacancyPage(BaseModel):
    date: dt.date
    items: list[VacantDwelling]
    next_cursor: str | None = Field(description="pass as 'cursor' for the next page; null: end")


# --- monthly vacancy (tomgang) counts ----------------------------------------------------------


class DepartmentVacancy(BaseModel):
    organisation_id: str
    organisation_name: str
    department_id: str
    department_name: str
    municipality_code: str
    dwellings: int
    vacancy_days: int
    dwelling_months: Decimal


class OrganisationVacancy(BaseModel):
    organisation_id: str
    organisation_name: str
    dwellings: int
    vacancy_days: int
    dwelling_months: Decimal
    departments: list[DepartmentVacancy]


class MonthlyVacancy(BaseModel):
    month: str
    first_day: date
    last_day: date
    days_in_month: int
    definition: str = VACANCY_DEFINITION
    dwellings: int
    vacancy_days: int
    dwelling_months: Decimal
    organisations: list[OrganisationVacancy]
