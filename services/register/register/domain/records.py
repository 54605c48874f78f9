"""The register's records as plain value objects, and the facts the rules need about them.

Records are what a submitter sends: any business field may be missing (``None``) because the
completeness rules, not the parser, decide what is mandatory (drafts skip them). Findings name
fields by their LBF webservice (wire) names, which are the domain's own vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from register.domain.codes import RENT_FORMING, ExpenseType


class EntityType(StrEnum):
    """Record kinds, in the order a submission applies them (parents before children)."""

    ORGANISATION = "organisation"
    DEPARTMENT = "department"
    BUILDING_SECTION = "building_section"
    DWELLING = "dwelling"
    LEASE = "lease"
    HOUSING_EXPENSE = "housing_expense"


DEPENDENCY_ORDER: Final[tuple[EntityType, ...]] = tuple(EntityType)


class LeaseStatus(StrEnum):
    ACCEPTED = "accepted"
    DRAFT = "draft"  # KladdeIndikator: stored, not validated for completeness, not published
    HELD = "held"  # plausibility warnings await the submitter's confirmation


class Outcome(StrEnum):
    """What a submission did with one record."""

    ACCEPTED = "accepted"  # stored and published
    HELD = "held"  # warnings await the submitter's confirmation; not published
    DRAFT = "draft"  # stored as a draft; not published
    REJECTED = "rejected"  # nothing stored


class Severity(StrEnum):
    ERROR = "error"  # rejects the record
    WARNING = "warning"  # holds the record until the submitter confirms it


FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one field; ``path`` is relative to the record (wire names)."""

    severity: Severity
    path: FieldPath
    code: str
    detail: str


# --- records as submitted ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    cvr: str | None = None
    name: str | None = None
    home_municipality_code: str | None = None
    administered_by: str | None = None


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    organisation_id: str | None = None
    name: str | None = None
    municipality_code: str | None = None
    housing_type: str | None = None
    construction_year: int | None = None
    building_type: str | None = None


@dataclass(frozen=True, slots=True)
class BuildingSection:
    id: str
    department_id: str | None = None
    name: str | None = None
    construction_year: int | None = None


@dataclass(frozen=True, slots=True)
class Dwelling:
    id: str
    department_id: str | None = None
    building_section_id: str | None = None
    bbr_unit_id: str | None = None
    street: str | None = None
    house_number: str | None = None
    floor: str | None = None
    door: str | None = None
    postcode: str | None = None
    city: str | None = None
    rooms: int | None = None
    area_m2: Decimal | None = None
    step_free_access: bool | None = None
    elevator: bool | None = None
    wheelchair_accessible: bool | None = None


@dataclass(frozen=True, slots=True)
class HousingExpense:
    expense_type: str | None = None
    monthly_amount: Decimal | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def key(self) -> tuple[str | None, date | None]:
        """A lease has at most one expense of a type starting on a given day."""
        return (self.expense_type, self.valid_from)


@dataclass(frozen=True, slots=True)
class Lease:
    id: str
    dwelling_id: str | None = None
    external_reference: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    allocation_type: str | None = None
    vacancy_loss_flag: bool = False
    vacant_soon_flag: bool = False
    deposit: Decimal | None = None
    tenant_name: str | None = None
    draft: bool = False
    expenses: tuple[HousingExpense, ...] = ()


# --- what the rules need to know about the register -------------------------------------------


@dataclass(frozen=True, slots=True)
class ExistingLease:
    """Another lease of the same dwelling, with its expenses (for overlap and rent rules)."""

    id: str
    start_date: date
    end_date: date | None
    vacancy_loss_flag: bool
    vacant_soon_flag: bool
    status: LeaseStatus
    expenses: tuple[HousingExpense, ...] = ()


@dataclass(frozen=True, slots=True)
class DepartmentRentStatistics:
    """Rent per m² of the department's accepted leases (each at its start date)."""

    lease_count: int
    median_rent_per_m2: Decimal | None


@dataclass(frozen=True, slots=True)
class LeaseContext:
    dwelling_area_m2: Decimal | None
    other_leases: Sequence[ExistingLease] = ()
    department_rent: DepartmentRentStatistics = field(
        default_factory=lambda: DepartmentRentStatistics(0, None)
    )
    stored_expenses: Sequence[HousingExpense] = ()


# --- rent --------------------------------------------------------------------------------------


def covers(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or day <= end)


def periods_overlap(
    first_start: date, first_end: date | None, second_start: date, second_end: date | None
) -> bool:
    """Closed periods ``[start, end]``; an open end runs forever."""
    return (second_end is None or first_start <= second_end) and (
        first_end is None or second_start <= first_end
    )


def rent_as_of(expenses: Iterable[HousingExpense], day: date) -> Decimal:
    """Monthly rent on ``day``: the rent-forming expenses valid that day (DESIGN.md)."""
    rent_forming = {t.value for t in RENT_FORMING}
    total = Decimal("0.00")
    for expense in expenses:
        if (
            expense.expense_type in rent_forming
            and expense.monthly_amount is not None
            and expense.valid_from is not None
            and covers(expense.valid_from, expense.valid_to, day)
        ):
            total += expense.monthly_amount
    return total


def first_rent_difference(
    before: Sequence[HousingExpense],
    after: Sequence[HousingExpense],
    start: date,
    end: date | None,
) -> date | None:
    """The first day of the lease period on which the two expense sets give different rents
    (rent can only change where an expense starts or the day after one ends)."""
    days = {start}
    for expense in (*before, *after):
        if expense.valid_from is not None:
            days.add(expense.valid_from)
        if expense.valid_to is not None and expense.valid_to < date.max:
            days.add(expense.valid_to + timedelta(days=1))
    for day in sorted(d for d in days if d >= start and (end is None or d <= end)):
        if rent_as_of(before, day) != rent_as_of(after, day):
            return day
    return None


def merge_expenses(
    stored: Iterable[HousingExpense], submitted: Iterable[HousingExpense]
) -> tuple[HousingExpense, ...]:
    """Submitted expenses replace stored ones with the same type and start date; others stay
    (an expense is ended by giving it an end date, never by leaving it out)."""
    merged = {expense.key: expense for expense in stored}
    merged.update({expense.key: expense for expense in submitted})
    return tuple(merged.values())


def rent_reference_date(start: date, end: date | None, today: date) -> date:
    """The day a lease's "current" rent is read: today, clamped into the lease period."""
    if today < start:
        return start
    if end is not None and today > end:
        return end
    return today


EXPENSE_TYPES: Final[frozenset[str]] = frozenset(t.value for t in ExpenseType)
