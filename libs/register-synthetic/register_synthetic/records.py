"""The synthetic register's records: one frozen dataclass per register table, its fields the
table's columns (``register/db/models.py``) without the server-filled ones."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any, ClassVar, Final

# --- records --------------------------------------------------------------------------------------


class Record:
    """A row of one register table: ``as_row()`` gives the column → value mapping."""

    __slots__ = ()
    ENTITY: ClassVar[str]  # record_versions.entity_type
    TABLE: ClassVar[str]

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _columns(type(self))}

    def as_copy_row(self) -> tuple[Any, ...]:
        """The values in ``TABLE_COLUMNS[TABLE]`` order, for PostgreSQL ``COPY``."""
        getter = _GETTERS.get(type(self))
        if getter is None:
            getter = _GETTERS[type(self)] = attrgetter(*_columns(type(self)))
        values: tuple[Any, ...] = getter(self)
        return values


_COLUMNS_CACHE: dict[type, tuple[str, ...]] = {}
_GETTERS: dict[type, attrgetter[Any]] = {}


def _columns(cls: type) -> tuple[str, ...]:
    names = _COLUMNS_CACHE.get(cls)
    if names is None:
        names = _COLUMNS_CACHE[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True, slots=True)
class Organisation(Record):
    ENTITY: ClassVar[str] = "organisation"
    TABLE: ClassVar[str] = "organisations"
    id: str
    cvr: str
    name: str
    home_municipality_code: str
    administered_by: str | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Department(Record):
    ENTITY: ClassVar[str] = "department"
    TABLE: ClassVar[str] = "departments"
    id: str
    organisation_id: str
    name: str
    municipality_code: str
    housing_type: str
    construction_year: int
    building_type: str
    region: str
    version: int = 1


@dataclass(frozen=True, slots=True)
class BuildingSection(Record):
    ENTITY: ClassVar[str] = "building_section"
    TABLE: ClassVar[str] = "building_sections"
    id: str
    department_id: str
    name: str
    construction_year: int | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Dwelling(Record):
    ENTITY: ClassVar[str] = "dwelling"
    TABLE: ClassVar[str] = "dwellings"
    id: str
    department_id: str
    building_section_id: str | None
    bbr_unit_id: str | None
    street: str
    house_number: str
    floor: str | None
    door: str | None
    postcode: str
    city: str
    rooms: int
    area_m2: Decimal
    step_free_access: bool | None
    elevator: bool | None
    wheelchair_accessible: bool | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Lease(Record):
    """A lease; ``warnings`` (JSONB) is always empty: ``[]`` in ``as_row``, ``'[]'`` to COPY."""

    ENTITY: ClassVar[str] = "lease"
    TABLE: ClassVar[str] = "leases"
    id: str
    dwelling_id: str
    external_reference: str | None
    start_date: date
    end_date: date | None
    allocation_type: str
    vacancy_loss_flag: bool
    vacant_soon_flag: bool
    deposit: Decimal | None
    tenant_name: str | None = None  # synthetic data carries no personal data
    status: str = "accepted"
    version: int = 1

    def as_row(self) -> dict[str, Any]:
        row = Record.as_row(self)
        row["warnings"] = []
        return row

    def as_copy_row(self) -> tuple[Any, ...]:
        return (*Record.as_copy_row(self), "[]")


@dataclass(frozen=True, slots=True)
class HousingExpense(Record):
    """A monthly housing expense; ``id`` is the table's identity (filled by PostgreSQL)."""

    ENTITY: ClassVar[str] = "housing_expense"
    TABLE: ClassVar[str] = "housing_expenses"
    lease_id: str
    expense_type: str
    monthly_amount: Decimal
    valid_from: date
    valid_to: date | None
    version: int = 1


RECORD_TYPES: Final[tuple[type[Record], ...]] = (
    Organisation,
    Department,
    BuildingSection,
    Dwelling,
    Lease,
    HousingExpense,
)
# Columns of the rows ``iter_table_rows`` yields, per table, in dependency (foreign key) order.
TABLE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    cls.TABLE: _columns(cls) + (("warnings",) if cls is Lease else ()) for cls in RECORD_TYPES
}


@dataclass(frozen=True, slots=True)
class DepartmentBundle:
    """One department with everything under it: the unit the generator streams."""

    department: Department
    sections: tuple[BuildingSection, ...]
    dwellings: tuple[Dwelling, ...]
    leases: tuple[Lease, ...]
    expenses: tuple[HousingExpense, ...]

    def records(self) -> Iterator[Record]:
        yield self.department
        yield from self.sections
        yield from self.dwellings
        yield from self.leases
        yield from self.expenses
