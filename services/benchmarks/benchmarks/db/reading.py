"""The queries of the read use cases over ``department_figures``: a department's years, the
members of a comparable group, averages over a set of departments, a page of departments."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import DepartmentFiguresRow as Figures
from benchmarks.domain import figures as f
from benchmarks.domain.benchmarks import Average
from benchmarks.domain.critical import round4
from common.access import Scope

Condition = ColumnElement[bool]


def visible_to(scope: Scope) -> Condition:
    """The departments ``scope`` may see in detail."""
    return scope.filter(Figures.organisation_id, Figures.municipality_code)


def of_organisation(organisation_id: str) -> Condition:
    return Figures.organisation_id == organisation_id


def in_municipality(municipality_code: str) -> Condition:
    return Figures.municipality_code == municipality_code


async def department_years(session: AsyncSession, department_id: str) -> list[Figures]:
    """Every figures row of the department, by year."""
    rows = await session.scalars(
        select(Figures).where(Figures.department_id == department_id).order_by(Figures.year)
    )
    return list(rows.all())


async def departments_in_year(
    session: AsyncSession, condition: Condition, year: int
) -> Sequence[Figures]:
    """The figures rows of ``year`` matching ``condition``, by department."""
    rows = await session.scalars(
        select(Figures).where(condition, Figures.year == year).order_by(Figures.department_id)
    )
    return rows.all()


def _same_criteria(row: Figures, criteria: Sequence[str]) -> Condition:
    condition: Condition = true()
    for criterion in criteria:
        value = getattr(row, criterion)
        if value is None:  # unknown master data: no such group
            return false()
        condition = and_(condition, getattr(Figures, criterion) == value)
    return condition


async def group_size(
    session: AsyncSession, row: Figures, criteria: Sequence[str], code: str
) -> int:
    """Departments of ``row``'s year sharing its ``criteria`` with a value for figure ``code``."""
    value = getattr(Figures, code)
    count = await session.scalar(
        select(func.count(value)).where(Figures.year == row.year, _same_criteria(row, criteria))
    )
    return int(count or 0)


async def group_members(
    session: AsyncSession, row: Figures, criteria: Sequence[str], code: str
) -> list[tuple[str, str, str, Decimal]]:
    """(department, organisation, municipality, value) of the departments of ``row``'s year
    sharing its ``criteria`` with a value for figure ``code``, by department."""
    value = getattr(Figures, code)
    found = await session.execute(
        select(Figures.department_id, Figures.organisation_id, Figures.municipality_code, value)
        .where(Figures.year == row.year, value.is_not(None), _same_criteria(row, criteria))
        .order_by(Figures.department_id)
    )
    return [
        (department, organisation, municipality, v)
        for department, organisation, municipality, v in found
    ]


async def averages(
    session: AsyncSession, condition: Condition, years: Sequence[int]
) -> dict[int, dict[str, Average]]:
    """Per year with departments matching ``condition``: under ``"*"`` their number, and per
    figure (departments with a value, their average department)."""
    columns = []
    for code in f.CODES:
        column = getattr(Figures, code)
        columns.extend([func.count(column), func.avg(column)])
    found = (
        await session.execute(
            select(Figures.year, func.count(), *columns)
            .where(condition, Figures.year.in_(list(years)))
            .group_by(Figures.year)
        )
    ).all()
    out: dict[int, dict[str, Average]] = {}
    for line in found:
        values: dict[str, Average] = {"*": (int(line[1]), None)}
        for index, code in enumerate(f.CODES):
            count, mean = line[2 + 2 * index], line[3 + 2 * index]
            values[code] = (int(count), None if mean is None else round4(mean))
        out[int(line[0])] = values
    return out


async def latest_year(session: AsyncSession, condition: Condition | None = None) -> int | None:
    """The latest year with figures of departments matching ``condition`` (default: any)."""
    year = await session.scalar(
        select(func.max(Figures.year)).where(true() if condition is None else condition)
    )
    return None if year is None else int(year)


async def band_average(
    session: AsyncSession,
    row: Figures,
    criteria: Sequence[str],
    code: str,
    band_column: str,
    low: Decimal | None,
    high: Decimal | None,
) -> Average:
    """(departments with a value, their average) for figure ``code`` among the departments of
    ``row``'s year sharing its ``criteria`` whose ``band_column`` lies in [low, high)."""
    value = getattr(Figures, code)
    banded = getattr(Figures, band_column)
    condition = and_(Figures.year == row.year, _same_criteria(row, criteria), banded.is_not(None))
    if low is not None:
        condition = and_(condition, banded >= low)
    if high is not None:
        condition = and_(condition, banded < high)
    count, mean = (
        await session.execute(select(func.count(value), func.avg(value)).where(condition))
    ).one()
    return int(count or 0), None if mean is None else round4(mean)
