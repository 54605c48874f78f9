"""Averages over the benchmark cells: the groups around a department at every widening level,
its municipality, the country, and how many departments reported accounts.

Each part is an index range scan of the cells' primary key (or one year's cells)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import BenchmarkCellRow
from benchmarks.domain import figures as f
from benchmarks.domain.benchmarks import Aggregate, Average, average
from benchmarks.domain.groups import LEVELS, GroupKey, Level

_SUMS = ", ".join(f"sum(n_{c}) AS n_{c}, sum(s_{c}) AS s_{c}" for c in f.CODES)


def _criteria_sql(level: Level, params: dict[str, Any]) -> str:
    if not level.criteria:
        return "true"
    parts = []
    for criterion in level.criteria:
        if params.get(criterion) is None:
            return "false"  # a department with unknown master data has no such group
        parts.append(f"{criterion} = :{criterion}")
    return " AND ".join(parts)


async def aggregates_for_years(
    session: AsyncSession, years: list[int], key: GroupKey, municipality_code: str
) -> dict[int, dict[str, Aggregate]]:
    """Counts and averages of every figure in each of ``years`` for the groups around ``key``
    (every widening level), the municipality and the country: one statement."""
    params: dict[str, Any] = {
        "years": years,
        "municipality_code": municipality_code,
        "housing_type": key.housing_type or None,
        "region": key.region or None,
        "building_type": key.building_type or None,
        "period_band": key.period_band or None,
        "size_band": key.size_band,
    }
    parts = [(str(level.number), _criteria_sql(level, params)) for level in LEVELS]
    parts += [("m", "municipality_code = :municipality_code")]
    selects = [
        f"SELECT year, '{name}' AS part, {_SUMS} FROM benchmark_cells "  # noqa: S608 - fixed catalogue and criteria
        f"WHERE year = ANY(CAST(:years AS int[])) AND {condition} GROUP BY year"
        for name, condition in parts
        if condition != "false"
    ]
    found = (await session.execute(text(" UNION ALL ".join(selects)), params)).mappings().all()
    sums = {(int(r["year"]), r["part"]): r for r in found}

    def pair(year: int, part: str, code: str) -> Average:
        row = sums.get((year, part))
        return (0, None) if row is None else average(row[f"n_{code}"], row[f"s_{code}"])

    return {
        year: {
            code: Aggregate(
                by_level={lv.number: pair(year, str(lv.number), code) for lv in LEVELS},
                municipal=pair(year, "m", code),
                national=pair(year, str(LEVELS[-1].number), code),
            )
            for code in f.CODES
        }
        for year in years
    }


async def national_averages(
    session: AsyncSession, years: list[int]
) -> dict[int, dict[str, Average]]:
    """Per year and figure: (departments with a value, the national average department)."""
    found = (
        await session.execute(
            text(
                f"SELECT year, {_SUMS} FROM benchmark_cells "  # noqa: S608 - fixed catalogue
                "WHERE year = ANY(CAST(:years AS int[])) GROUP BY year"
            ),
            {"years": years},
        )
    ).mappings()
    return {
        int(row["year"]): {c: average(row[f"n_{c}"], row[f"s_{c}"]) for c in f.CODES}
        for row in found
    }


async def accounts_by_year(session: AsyncSession, years: list[int]) -> dict[int, int]:
    """Departments with reported accounts per year (nationally), 0 for a year without."""
    found = await session.execute(
        select(BenchmarkCellRow.year, func.sum(BenchmarkCellRow.n_administration_cost_per_dwelling))
        .where(BenchmarkCellRow.year.in_(years))
        .group_by(BenchmarkCellRow.year)
    )
    counts = {int(year): int(count or 0) for year, count in found}
    return {year: counts.get(year, 0) for year in years}


async def public_sums(session: AsyncSession, year: int, filters: dict[str, str]) -> list[Any]:
    """The counts and sums of every figure (``n``, ``s`` per code in catalogue order) over the
    cells of ``year`` matching ``filters`` (municipality_code and comparison criteria)."""
    condition = BenchmarkCellRow.year == year
    for column, value in filters.items():
        condition = condition & (getattr(BenchmarkCellRow, column) == value)
    sums = (
        await session.execute(
            select(
                *(
                    func.sum(getattr(BenchmarkCellRow, f"{prefix}_{code}"))
                    for code in f.CODES
                    for prefix in ("n", "s")
                )
            ).where(condition)
        )
    ).one()
    return list(sums)
