"""Every query of the register's write side and its record reads.

Reads of other callers are filtered by their :class:`RegisterScope`; writes lock the rows they
change (``SELECT ... FOR UPDATE``) and update with the expected version in the ``WHERE`` clause,
so two concurrent updates of one record cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from register.api.access import RegisterScope
from register.db.models import (
    Base,
    BuildingSectionRow,
    DepartmentRow,
    DwellingRow,
    HousingExpenseRow,
    LeaseRow,
    OrganisationRow,
    RecordVersionRow,
    SubmissionRow,
)
from register.domain.codes import RENT_FORMING
from register.domain.records import DepartmentRentStatistics, LeaseStatus

RowT = TypeVar("RowT", bound=Base)

HISTORY_EXCLUDED_COLUMNS = frozenset({"created_at", "updated_at"})


class DuplicateRecordError(Exception):
    """An insert hit a unique key (a concurrent create of the same record)."""


@dataclass(frozen=True, slots=True)
class LeaseFilters:
    department_id: str | None = None
    dwelling_id: str | None = None
    municipality_code: str | None = None
    status: str | None = None
    changed_since: datetime | None = None


def history_data(row: Base) -> dict[str, Any]:
    """A row's columns as JSON: English names, ISO dates, amounts with two decimals."""
    data: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in HISTORY_EXCLUDED_COLUMNS:
            continue
        value = getattr(row, column.key)
        if isinstance(value, Decimal):
            value = format(value.quantize(Decimal("0.01")), "f")
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        data[column.key] = value
    return data


class RegisterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- single rows -------------------------------------------------------------------------

    async def get(self, row_type: type[RowT], key: Any, *, lock: bool = False) -> RowT | None:
        statement = select(row_type).where(row_type.__mapper__.primary_key[0] == key)
        if lock:
            statement = statement.with_for_update()
        return (
            await self.session.scalars(statement.execution_options(populate_existing=True))
        ).one_or_none()

    async def expense_by_natural_key(
        self, lease_id: str, expense_type: str, valid_from: date, *, lock: bool = False
    ) -> HousingExpenseRow | None:
        statement = select(HousingExpenseRow).where(
            HousingExpenseRow.lease_id == lease_id,
            HousingExpenseRow.expense_type == expense_type,
            HousingExpenseRow.valid_from == valid_from,
        )
        if lock:
            statement = statement.with_for_update()
        return (await self.session.scalars(statement)).one_or_none()

    async def department_of_section(self, section_id: str) -> DepartmentRow | None:
        return (
            await self.session.scalars(
                select(DepartmentRow)
                .join(BuildingSectionRow, BuildingSectionRow.department_id == DepartmentRow.id)
                .where(BuildingSectionRow.id == section_id)
            )
        ).one_or_none()

    async def department_of_dwelling(self, dwelling_id: str) -> DepartmentRow | None:
        return (
            await self.session.scalars(
                select(DepartmentRow)
                .join(DwellingRow, DwellingRow.department_id == DepartmentRow.id)
                .where(DwellingRow.id == dwelling_id)
            )
        ).one_or_none()

    async def dwelling_and_department_of_lease(
        self, lease_id: str
    ) -> tuple[DwellingRow, DepartmentRow] | None:
        row = (
            await self.session.execute(
                select(DwellingRow, DepartmentRow)
                .join(LeaseRow, LeaseRow.dwelling_id == DwellingRow.id)
                .join(DepartmentRow, DepartmentRow.id == DwellingRow.department_id)
                .where(LeaseRow.id == lease_id)
            )
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    # --- writes ------------------------------------------------------------------------------

    async def insert(self, row: RowT) -> RowT:
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError as exc:
            raise DuplicateRecordError(str(exc.orig)) from exc
        await self.session.refresh(row)
        return row

    async def update_versioned(
        self, row: RowT, expected_version: int, values: dict[str, Any]
    ) -> bool:
        """``UPDATE ... WHERE id = :id AND version = :expected``; False if it matched no row."""
        row_type = type(row)
        key_column = row_type.__mapper__.primary_key[0]
        key = getattr(row, str(key_column.key))
        try:
            async with self.session.begin_nested():
                result = await self.session.execute(
                    update(row_type)
                    .where(key_column == key, row_type.version == expected_version)  # type: ignore[attr-defined]
                    .values(**values, version=expected_version + 1, updated_at=func.now())
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError as exc:
            raise DuplicateRecordError(str(exc.orig)) from exc
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        await self.session.refresh(row)
        return True

    async def append_version(
        self,
        *,
        entity_type: str,
        row: Base,
        entity_id: str,
        organisation_id: str,
        recorded_by: str,
        submission_id: uuid.UUID,
    ) -> None:
        self.session.add(
            RecordVersionRow(
                entity_type=entity_type,
                entity_id=entity_id,
                version=row.version,  # type: ignore[attr-defined]
                organisation_id=organisation_id,
                data=history_data(row),
                recorded_by=recorded_by,
                submission_id=submission_id,
            )
        )
        await self.session.flush()

    async def last_accepted_lease_state(self, lease_id: str) -> dict[str, Any] | None:
        """The lease as last published (its latest accepted version), if it ever was."""
        data = await self.session.scalar(
            select(RecordVersionRow.data)
            .where(
                RecordVersionRow.entity_type == "lease",
                RecordVersionRow.entity_id == lease_id,
                RecordVersionRow.data["status"].astext == LeaseStatus.ACCEPTED.value,
            )
            .order_by(RecordVersionRow.version.desc())
            .limit(1)
        )
        return data

    async def add_submission(
        self, *, submission_id: uuid.UUID, kind: str, submitted_by: str, organisation_ids: list[str]
    ) -> SubmissionRow:
        row = SubmissionRow(
            id=submission_id,
            kind=kind,
            submitted_by=submitted_by,
            organisation_ids=organisation_ids,
            accepted=0,
            rejected=0,
            held=0,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    # --- what the rules need -----------------------------------------------------------------

    async def leases_of_dwelling(
        self, dwelling_id: str
    ) -> list[tuple[LeaseRow, list[HousingExpenseRow]]]:
        leases = list(
            await self.session.scalars(
                select(LeaseRow).where(LeaseRow.dwelling_id == dwelling_id).order_by(LeaseRow.id)
            )
        )
        expenses = await self.expenses_of_leases([lease.id for lease in leases])
        return [(lease, expenses.get(lease.id, [])) for lease in leases]

    async def expenses_of_leases(
        self, lease_ids: Sequence[str]
    ) -> dict[str, list[HousingExpenseRow]]:
        if not lease_ids:
            return {}
        grouped: dict[str, list[HousingExpenseRow]] = {}
        rows = await self.session.scalars(
            select(HousingExpenseRow)
            .where(HousingExpenseRow.lease_id.in_(list(lease_ids)))
            .order_by(HousingExpenseRow.id)
        )
        for row in rows:
            grouped.setdefault(row.lease_id, []).append(row)
        return grouped

    async def department_rent_statistics(self, department_id: str) -> DepartmentRentStatistics:
        """Median rent per m² of the department's accepted leases, each at its start date."""
        row = (
            await self.session.execute(
                text(
                    "SELECT count(*) AS leases,"
                    " percentile_cont(0.5) WITHIN GROUP (ORDER BY rent.amount / d.area_m2)"
                    "   AS median"
                    " FROM leases l"
                    " JOIN dwellings d ON d.id = l.dwelling_id"
                    " JOIN LATERAL ("
                    "   SELECT sum(e.monthly_amount) AS amount FROM housing_expenses e"
                    "   WHERE e.lease_id = l.id AND e.expense_type = ANY(:rent_forming)"
                    "   AND e.valid_from <= l.start_date"
                    "   AND (e.valid_to IS NULL OR e.valid_to >= l.start_date)"
                    " ) rent ON true"
                    " WHERE d.department_id = :department AND l.status = 'accepted'"
                    " AND rent.amount > 0 AND d.area_m2 > 0"
                ),
                {
                    "department": department_id,
                    "rent_forming": sorted(t.value for t in RENT_FORMING),
                },
            )
        ).one()
        median = None if row.median is None else Decimal(str(row.median))
        return DepartmentRentStatistics(lease_count=int(row.leases), median_rent_per_m2=median)

    # --- scoped reads ------------------------------------------------------------------------

    @staticmethod
    def _page(statement: Select[Any], key: Any, after: Any, limit: int) -> Select[Any]:
        if after is not None:
            statement = statement.where(key > after)
        return statement.order_by(key).limit(limit + 1)

    async def _rows(self, statement: Select[Any]) -> list[Any]:
        return list(await self.session.scalars(statement))

    @staticmethod
    def _organisation_visible(scope: RegisterScope) -> ColumnElement[bool]:
        condition = scope.organisation_filter(OrganisationRow.id)
        if scope.municipality_code is None:
            return condition
        in_municipality = or_(
            OrganisationRow.home_municipality_code == scope.municipality_code,
            exists().where(
                DepartmentRow.organisation_id == OrganisationRow.id,
                DepartmentRow.municipality_code == scope.municipality_code,
            ),
        )
        return and_(condition, in_municipality)

    @staticmethod
    def _department_visible(scope: RegisterScope) -> ColumnElement[bool]:
        return and_(
            scope.organisation_filter(DepartmentRow.organisation_id),
            scope.municipality_filter(DepartmentRow.municipality_code),
        )

    @staticmethod
    def _lease_visible(scope: RegisterScope) -> ColumnElement[bool]:
        """Drafts and held leases are the submitter's business until they are accepted."""
        condition = RegisterRepository._department_visible(scope)
        if scope.organisation_ids is None:
            condition = and_(condition, LeaseRow.status == LeaseStatus.ACCEPTED.value)
        return condition

    async def visible_organisation(
        self, scope: RegisterScope, organisation_id: str
    ) -> OrganisationRow | None:
        return (
            await self.session.scalars(
                select(OrganisationRow).where(
                    OrganisationRow.id == organisation_id, self._organisation_visible(scope)
                )
            )
        ).one_or_none()

    async def list_organisations(
        self,
        scope: RegisterScope,
        *,
        municipality_code: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[OrganisationRow]:
        statement = select(OrganisationRow).where(self._organisation_visible(scope))
        if municipality_code is not None:
            statement = statement.where(OrganisationRow.home_municipality_code == municipality_code)
        if changed_since is not None:
            statement = statement.where(OrganisationRow.updated_at >= changed_since)
        return await self._rows(self._page(statement, OrganisationRow.id, after, limit))

    async def visible_department(
        self, scope: RegisterScope, department_id: str
    ) -> DepartmentRow | None:
        return (
            await self.session.scalars(
                select(DepartmentRow).where(
                    DepartmentRow.id == department_id, self._department_visible(scope)
                )
            )
        ).one_or_none()

    async def list_departments(
        self,
        scope: RegisterScope,
        *,
        organisation_id: str | None,
        municipality_code: str | None,
        housing_type: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[DepartmentRow]:
        statement = select(DepartmentRow).where(self._department_visible(scope))
        if organisation_id is not None:
            statement = statement.where(DepartmentRow.organisation_id == organisation_id)
        if municipality_code is not None:
            statement = statement.where(DepartmentRow.municipality_code == municipality_code)
        if housing_type is not None:
            statement = statement.where(DepartmentRow.housing_type == housing_type)
        if changed_since is not None:
            statement = statement.where(DepartmentRow.updated_at >= changed_since)
        return await self._rows(self._page(statement, DepartmentRow.id, after, limit))

    def _sections(self, scope: RegisterScope) -> Select[Any]:
        return (
            select(BuildingSectionRow)
            .join(DepartmentRow, DepartmentRow.id == BuildingSectionRow.department_id)
            .where(self._department_visible(scope))
        )

    async def visible_section(
        self, scope: RegisterScope, section_id: str
    ) -> BuildingSectionRow | None:
        statement = self._sections(scope).where(BuildingSectionRow.id == section_id)
        return (await self.session.scalars(statement)).one_or_none()

    async def list_sections(
        self,
        scope: RegisterScope,
        *,
        department_id: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[BuildingSectionRow]:
        statement = self._sections(scope)
        if department_id is not None:
            statement = statement.where(BuildingSectionRow.department_id == department_id)
        if changed_since is not None:
            statement = statement.where(BuildingSectionRow.updated_at >= changed_since)
        return await self._rows(self._page(statement, BuildingSectionRow.id, after, limit))

    def _dwellings(self, scope: RegisterScope) -> Select[Any]:
        return (
            select(DwellingRow)
            .join(DepartmentRow, DepartmentRow.id == DwellingRow.department_id)
            .where(self._department_visible(scope))
        )

    async def visible_dwelling(self, scope: RegisterScope, dwelling_id: str) -> DwellingRow | None:
        statement = self._dwellings(scope).where(DwellingRow.id == dwelling_id)
        return (await self.session.scalars(statement)).one_or_none()

    async def list_dwellings(
        self,
        scope: RegisterScope,
        *,
        department_id: str | None,
        municipality_code: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[DwellingRow]:
        statement = self._dwellings(scope)
        if department_id is not None:
            statement = statement.where(DwellingRow.department_id == department_id)
        if municipality_code is not None:
            statement = statement.where(DepartmentRow.municipality_code == municipality_code)
        if changed_since is not None:
            statement = statement.where(DwellingRow.updated_at >= changed_since)
        return await self._rows(self._page(statement, DwellingRow.id, after, limit))

    def _leases(self, scope: RegisterScope) -> Select[Any]:
        return (
            select(LeaseRow)
            .join(DwellingRow, DwellingRow.id == LeaseRow.dwelling_id)
            .join(DepartmentRow, DepartmentRow.id == DwellingRow.department_id)
            .where(self._lease_visible(scope))
        )

    async def visible_lease(self, scope: RegisterScope, lease_id: str) -> LeaseRow | None:
        statement = self._leases(scope).where(LeaseRow.id == lease_id)
        return (await self.session.scalars(statement)).one_or_none()

    async def list_leases(
        self, scope: RegisterScope, filters: LeaseFilters, *, after: str | None, limit: int
    ) -> list[LeaseRow]:
        statement = self._leases(scope)
        if filters.department_id is not None:
            statement = statement.where(DwellingRow.department_id == filters.department_id)
        if filters.dwelling_id is not None:
            statement = statement.where(LeaseRow.dwelling_id == filters.dwelling_id)
        if filters.municipality_code is not None:
            statement = statement.where(
                DepartmentRow.municipality_code == filters.municipality_code
            )
        if filters.status is not None:
            statement = statement.where(LeaseRow.status == filters.status)
        if filters.changed_since is not None:
            statement = statement.where(LeaseRow.updated_at >= filters.changed_since)
        return await self._rows(self._page(statement, LeaseRow.id, after, limit))

    async def list_expenses(
        self, lease_id: str, *, after: int | None, limit: int
    ) -> list[HousingExpenseRow]:
        statement = select(HousingExpenseRow).where(HousingExpenseRow.lease_id == lease_id)
        return await self._rows(self._page(statement, HousingExpenseRow.id, after, limit))
