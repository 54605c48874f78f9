"""The rent register's contracts: leases, dwellings' vacancy, departments and organisations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar, Self

from pydantic import AwareDatetime, Field, model_validator

from common.events.contracts.base import (
    AllocationType,
    Amount,
    Contract,
    HousingType,
    Id,
    MunicipalityCode,
    SquareMetres,
    ensure_lease_period,
    ensure_one_vacancy_flag,
)

__all__ = [
    "DepartmentUpsertedV1",
    "DwellingVacancyChangedV1",
    "LeaseCreatedV1",
    "LeaseTerminatedV1",
    "LeaseUpdatedV1",
    "OrganisationUpsertedV1",
    "RentChangedV1",
]


class LeaseCreatedV1(Contract):
    """A lease was recorded in the rent register (huslejeregister).

    Carries the facts the benchmark calculator counts: where the dwelling is, its type, size
    and rent, how it was let, and the register's two vacancy flags."""

    event_type: ClassVar[str] = "register.lease.created"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("allocation", "benchmarks", "dashboards")
    summary: ClassVar[str] = "A lease was recorded in the rent register."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    start_date: date = Field(description="First day of the lease.")
    end_date: date | None = Field(
        default=None,
        description="Last day of a fixed-term lease; null for a lease until further notice.",
    )
    allocation_type: AllocationType = Field(
        description="How the dwelling was let (anvisningstype), recorded when the lease is created."
    )
    monthly_rent: Amount = Field(
        description="Rent per month in DKK, excluding utilities (forbrug), two decimals."
    )
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    rooms: int = Field(ge=1, le=99, description="Number of rooms.")
    housing_type: HousingType = Field(description="family, youth or elderly dwelling.")
    vacancy_loss_flag: bool = Field(
        description=(
            "The dwelling stands vacant with a loss to the department "
            "(LejekontraktTomgangsledigIndikator, tomgang). Never set together with "
            "vacant_soon_flag."
        )
    )
    vacant_soon_flag: bool = Field(
        description=(
            "The dwelling is about to become vacant and is shown on the vacancy listing "
            "(LejekontraktLedigIndikator, ledig). Never set together with vacancy_loss_flag."
        )
    )
    recorded_at: AwareDatetime = Field(description="When the register recorded the lease.")
    rent_day: date | None = Field(
        default=None,
        description=(
            "The day whose rent monthly_rent is: the register's today (Copenhagen time), "
            "clamped into the lease period. Absent only in events recorded before it was added."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ensure_one_vacancy_flag(self.vacancy_loss_flag, self.vacant_soon_flag)
        ensure_lease_period(self.start_date, self.end_date, self.rent_day)
        return self

    @classmethod
    def example(cls) -> Self:
        return cls(
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            start_date=date(2026, 12, 1),
            allocation_type=AllocationType.MUNICIPAL_ALLOCATION,
            monthly_rent=Decimal("5875.00"),
            area_m2=Decimal("68.50"),
            rooms=3,
            housing_type=HousingType.FAMILY,
            vacancy_loss_flag=False,
            vacant_soon_flag=False,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
            rent_day=date(2026, 12, 1),
        )


class LeaseUpdatedV1(Contract):
    """An accepted lease in the rent register changed (a correction or a new fact).

    Carries the lease's whole current state, like LeaseCreatedV1, plus its version, so a
    consumer can replace what it counted before."""

    event_type: ClassVar[str] = "register.lease.updated"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks", "dashboards")
    summary: ClassVar[str] = "An accepted lease in the rent register changed."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    version: int = Field(ge=1, description="The lease's version in the register after the change.")
    start_date: date = Field(description="First day of the lease.")
    end_date: date | None = Field(
        default=None, description="Last day of the lease; null for a lease until further notice."
    )
    allocation_type: AllocationType = Field(
        description="How the dwelling was let (anvisningstype), recorded when the lease is created."
    )
    monthly_rent: Amount = Field(
        description="Current rent per month in DKK (rent-forming expenses valid today, or at the "
        "nearest day of the lease period), excluding utilities, two decimals."
    )
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    rooms: int = Field(ge=1, le=99, description="Number of rooms.")
    housing_type: HousingType = Field(description="family, youth or elderly dwelling.")
    vacancy_loss_flag: bool = Field(
        description="The dwelling stands vacant with a loss to the department "
        "(LejekontraktTomgangsledigIndikator). Never set together with vacant_soon_flag."
    )
    vacant_soon_flag: bool = Field(
        description="The dwelling is about to become vacant (LejekontraktLedigIndikator). "
        "Never set together with vacancy_loss_flag."
    )
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")
    rent_day: date | None = Field(
        default=None,
        description=(
            "The day whose rent monthly_rent is: the register's today (Copenhagen time), "
            "clamped into the lease period. Absent only in events recorded before it was added."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ensure_one_vacancy_flag(self.vacancy_loss_flag, self.vacant_soon_flag)
        ensure_lease_period(self.start_date, self.end_date, self.rent_day)
        return self

    @classmethod
    def example(cls) -> Self:
        created = LeaseCreatedV1.example().model_dump()
        return cls(**{**created, "version": 2, "vacant_soon_flag": True})


class LeaseTerminatedV1(Contract):
    """A lease in the rent register got an end date, or its end date was moved.

    The dwelling will be (or was) re-let from the day after ``end_date``."""

    event_type: ClassVar[str] = "register.lease.terminated"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks", "dashboards")
    summary: ClassVar[str] = "A lease in the rent register got or moved its end date."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    start_date: date = Field(description="First day of the lease.")
    end_date: date = Field(description="Last day of the lease (the new end date).")
    previous_end_date: date | None = Field(
        default=None, description="The end date before this change; null if there was none."
    )
    allocation_type: AllocationType = Field(
        description="How the dwelling was let (anvisningstype)."
    )
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ensure_lease_period(self.start_date, self.end_date)
        return self

    @classmethod
    def example(cls) -> Self:
        return cls(
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            start_date=date(2026, 12, 1),
            end_date=date(2028, 3, 31),
            allocation_type=AllocationType.MUNICIPAL_ALLOCATION,
            recorded_at=datetime(2028, 1, 10, 8, 0, tzinfo=UTC),
        )


class RentChangedV1(Contract):
    """The monthly rent of an accepted lease changed because its rent-forming housing expenses
    (grundleje, forbedringsforhøjelse, renoveringstillæg) changed."""

    event_type: ClassVar[str] = "register.lease.rent_changed"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks", "dashboards")
    summary: ClassVar[str] = "The monthly rent of a lease in the rent register changed."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    as_of: date = Field(
        description="The first day of the lease period on which the rent differs from what "
        "the register had before (may lie in the future: a rent change from a date)."
    )
    previous_monthly_rent: Amount = Field(
        description="Rent per month in DKK on as_of before the change."
    )
    monthly_rent: Amount = Field(description="Rent per month in DKK on as_of after the change.")
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            as_of=date(2027, 1, 1),
            previous_monthly_rent=Decimal("5875.00"),
            monthly_rent=Decimal("6010.00"),
            area_m2=Decimal("68.50"),
            recorded_at=datetime(2026, 12, 15, 10, 0, tzinfo=UTC),
        )


class DwellingVacancyChangedV1(Contract):
    """A lease's vacancy flags changed, so the dwelling's vacancy changed: vacant with a loss
    (tomgang), about to become vacant (ledig, shown on the vacancy listing), or neither."""

    event_type: ClassVar[str] = "register.dwelling.vacancy_changed"
    topic: ClassVar[str] = "register.dwelling.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("allocation", "benchmarks", "dashboards")
    summary: ClassVar[str] = "The vacancy flags of a dwelling's lease changed."
    aggregate_field: ClassVar[str] = "dwelling_id"

    dwelling_id: Id = Field(description="The dwelling (lejemål); the aggregate id and Kafka key.")
    lease_id: Id = Field(description="The lease whose flags changed.")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    lease_start_date: date = Field(description="First day of the lease.")
    lease_end_date: date | None = Field(
        default=None, description="Last day of the lease; null for a lease until further notice."
    )
    vacancy_loss_flag: bool = Field(
        description="Vacant with a loss to the department (LejekontraktTomgangsledigIndikator)."
    )
    vacant_soon_flag: bool = Field(
        description="About to become vacant (LejekontraktLedigIndikator)."
    )
    monthly_rent: Amount = Field(description="Current rent per month in DKK, two decimals.")
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    rooms: int = Field(ge=1, le=99, description="Number of rooms.")
    housing_type: HousingType = Field(description="family, youth or elderly dwelling.")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @model_validator(mode="after")
    def _one_flag(self) -> Self:
        ensure_one_vacancy_flag(self.vacancy_loss_flag, self.vacant_soon_flag)
        return self

    @classmethod
    def example(cls) -> Self:
        return cls(
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            lease_start_date=date(2026, 12, 1),
            vacancy_loss_flag=False,
            vacant_soon_flag=True,
            monthly_rent=Decimal("5875.00"),
            area_m2=Decimal("68.50"),
            rooms=3,
            housing_type=HousingType.FAMILY,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        )


class DepartmentUpsertedV1(Contract):
    """A department (afdeling) was reported to the rent register or its facts changed."""

    event_type: ClassVar[str] = "register.department.upserted"
    topic: ClassVar[str] = "register.department.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("allocation", "benchmarks", "governance", "grants")
    summary: ClassVar[str] = "A department was created or changed in the rent register."
    aggregate_field: ClassVar[str] = "department_id"

    department_id: Id = Field(description="The department (afdeling); the aggregate id.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the department lies, three digits."
    )
    region: str = Field(
        pattern=r"^(capital|rest)$",
        description="'capital' (Region Hovedstaden) or 'rest' (the rest of the country), "
        "derived from the municipality.",
    )
    housing_type: HousingType = Field(description="family, youth or elderly dwellings.")
    building_type: str = Field(
        pattern=r"^(etage|tæt-lav)$",
        description="'etage' (multi-storey) or 'tæt-lav' (low and dense).",
    )
    construction_year: int = Field(ge=1000, le=9999, description="Year of construction.")
    version: int = Field(ge=1, description="The department's version in the register.")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            region="capital",
            housing_type=HousingType.FAMILY,
            building_type="etage",
            construction_year=1972,
            version=1,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        )


class OrganisationUpsertedV1(Contract):
    """A housing organisation (boligorganisation) was reported to the rent register or its
    facts changed: where it is at home and who administers it."""

    event_type: ClassVar[str] = "register.organisation.upserted"
    topic: ClassVar[str] = "register.organisation.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("allocation", "governance", "grants", "notifications")
    summary: ClassVar[str] = "A housing organisation was created or changed in the rent register."
    aggregate_field: ClassVar[str] = "organisation_id"

    organisation_id: Id = Field(
        description="The housing organisation (BoligorganisationIdentifikator); the aggregate id."
    )
    home_municipality_code: MunicipalityCode = Field(
        description="The organisation's home municipality (hjemstedskommune), three digits."
    )
    administered_by: Id | None = Field(
        default=None,
        description="The administration organisation (administrationsorganisation) acting for "
        "it, if any.",
    )
    name: str | None = Field(
        default=None,
        max_length=200,
        description="The organisation's name (BoligorganisationNavn), public like its id, so "
        "messages can name it; absent in events published before the field existed.",
    )
    version: int = Field(ge=1, description="The organisation's version in the register.")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            organisation_id="org-0101",
            home_municipality_code="101",
            administered_by="adm-0007",
            name="Boligselskabet Solgården",
            version=1,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        )
