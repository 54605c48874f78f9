"""Every query of the pages. Visibility comes in as a condition built from the caller's scope
(``common.access.Scope.filter``) and the page's filters; nothing here decides who sees what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from dashboards.db.models import DepartmentColoursRow, DwellingRow, LeaseRow, PackageRow

DANISH_ZONE = "Europe/Copenhagen"


@dataclass(frozen=True, slots=True)
class Where:
    """A caller's visible rows narrowed by the page's filters, per table."""

    organisation_ids: frozenset[str] | None  # the scope's organisations (None: any)
    scope_municipality: str | None  # the scope's municipality (None: any)
    municipality: str | None  # the page's filter
    organisation: str | None  # the page's filter

    def on(self, organisation_column: object, municipality_column: object) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = true()
        if self.organisation_ids is not None:
            condition = condition & organisation_column.in_(sorted(self.organisation_ids))  # type: ignore[attr-defined]
        if self.scope_municipality is not None:
            condition = condition & (municipality_column == self.scope_municipality)
        if self.municipality is not None:
            condition = condition & (municipality_column == self.municipality)
        if self.organisation is not None:
            condition = condition & (organisation_column == self.organisation)
        return condition

    def on_packages(self) -> ColumnElement[bool]:
        """A package lies in its home municipality and in each location municipality."""
        condition: ColumnElement[bool] = true()
        p = PackageRow

        def in_municipality(code: str) -> ColumnElement[bool]:
            return or_(
                p.home_municipality_code == code,
                p.location_municipality_codes.contains(array([code])),
            )

        if self.organisation_ids is not None:
            condition = condition & p.organisation_id.in_(sorted(self.organisation_ids))
        if self.scope_municipality is not None:
            condition = condition & in_municipality(self.scope_municipality)
        if self.municipality is not None:
            condition = condition & in_municipality(self.municipality)
        if self.organisation is not None:
            condition = condition & (p.organisation_id == self.organisation)
        return condition


def _danish_day(column: object) -> ColumnElement[date]:
    return cast(func.timezone(DANISH_ZONE, column), Date)


async def daily_counts(
    session: AsyncSession, where: Where, column: str, first: date, last: date
) -> dict[date, int]:
    """Leases per Danish day of ``column`` (``created_at`` or ``terminated_at``)."""
    moment = getattr(LeaseRow, column)
    day = _danish_day(moment)
    rows = await session.execute(
        select(day, func.count())
        .where(
            where.on(LeaseRow.organisation_id, LeaseRow.municipality_code),
            moment.is_not(None),
            day.between(first, last),
        )
        .group_by(day)
    )
    return {d: n for d, n in rows}


async def vacancy_now(session: AsyncSession, where: Where) -> tuple[int, int]:
    """(vacant with a loss — tomgang, about to be vacant — ledig) dwellings."""
    row = (
        await session.execute(
            select(
                func.count().filter(DwellingRow.vacancy_loss),
                func.count().filter(DwellingRow.vacant_soon),
            ).where(where.on(DwellingRow.organisation_id, DwellingRow.municipality_code))
        )
    ).one()
    return int(row[0]), int(row[1])


async def lettings_by_allocation(
    session: AsyncSession, where: Where, first: date, last: date
) -> dict[str, int]:
    """Leases starting in [first, last] by allocation type (re-lettings)."""
    rows = await session.execute(
        select(LeaseRow.allocation_type, func.count())
        .where(
            where.on(LeaseRow.organisation_id, LeaseRow.municipality_code),
            LeaseRow.allocation_type.is_not(None),
            LeaseRow.start_date.between(first, last),
        )
        .group_by(LeaseRow.allocation_type)
    )
    return {str(kind): n for kind, n in rows}


async def rent_bands(
    session: AsyncSession, where: Where, day: date, edges: Sequence[Decimal]
) -> dict[int, int]:
    """Leases running on ``day`` with a known rent, per band (``width_bucket`` over ``edges``:
    0 below the first edge, n at or above the n-th)."""
    bucket = func.width_bucket(LeaseRow.monthly_rent, array([literal(e) for e in edges]))
    rows = await session.execute(
        select(bucket, func.count())
        .where(
            where.on(LeaseRow.organisation_id, LeaseRow.municipality_code),
            LeaseRow.monthly_rent.is_not(None),
            LeaseRow.start_date <= day,
            or_(LeaseRow.end_date.is_(None), LeaseRow.end_date >= day),
        )
        .group_by(bucket)
    )
    return {int(b): n for b, n in rows}


@dataclass(frozen=True, slots=True)
class PackageFacts:
    package_id: str
    organisation_id: str
    home_municipality_code: str
    sent_at: datetime | None
    returned_at: datetime | None
    meeting_held_on: date | None
    statement_at: datetime | None
    red_figures: int | None
    yellow_figures: int | None


async def packages(session: AsyncSession, where: Where, year: int) -> list[PackageFacts]:
    p = PackageRow
    rows = await session.execute(
        select(
            p.package_id,
            p.organisation_id,
            p.home_municipality_code,
            p.sent_at,
            p.returned_at,
            p.meeting_held_on,
            p.statement_at,
            p.red_figures,
            p.yellow_figures,
        )
        .where(where.on_packages(), p.governance_year == year)
        .order_by(p.home_municipality_code, p.organisation_id, p.package_id)
    )
    return [PackageFacts(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class DepartmentColours:
    department_id: str
    organisation_id: str
    municipality_code: str
    red: int
    yellow: int
    red_codes: str


async def coloured_departments(
    session: AsyncSession, where: Where, year: int, limit: int
) -> tuple[list[DepartmentColours], int, int]:
    """The departments with the most red (then yellow) figures in ``year``, and how many
    departments have any red, any yellow."""
    c = DepartmentColoursRow
    condition = and_(where.on(c.organisation_id, c.municipality_code), c.year == year)
    rows = await session.execute(
        select(
            c.department_id, c.organisation_id, c.municipality_code, c.red, c.yellow, c.red_codes
        )
        .where(condition, (c.red > 0) | (c.yellow > 0))
        .order_by(c.red.desc(), c.yellow.desc(), c.department_id)
        .limit(limit)
    )
    totals = (
        await session.execute(
            select(func.count().filter(c.red > 0), func.count().filter(c.yellow > 0)).where(
                condition
            )
        )
    ).one()
    return [DepartmentColours(*row) for row in rows], int(totals[0]), int(totals[1])


async def municipalities(session: AsyncSession, where: Where) -> list[str]:
    """The municipality codes the caller can choose in the filter."""
    rows = await session.execute(
        select(LeaseRow.municipality_code)
        .where(where.on(LeaseRow.organisation_id, LeaseRow.municipality_code))
        .distinct()
        .order_by(LeaseRow.municipality_code)
    )
    return [str(code) for code in rows.scalars()]


async def revision(session: AsyncSession) -> int:
    value = (
        await session.execute(text("SELECT revision FROM model_revision WHERE id = 1"))
    ).scalar()
    return int(value or 0)
