"""Benchmarks of a department-year: the comparable group's average per figure, the municipal and
national averages, the indexed-forward fallback for accounts figures, and the critical colour.

One aggregate query per year over ``department_figures`` gives, for every figure and every
widening level, the member count and the average; the narrowest level with enough members is
the figure's group (:func:`benchmarks.domain.groups.choose_level`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import BenchmarkCellRow, DepartmentFiguresRow
from benchmarks.domain import figures as f
from benchmarks.domain.critical import Colour, assess, index_forward, round4
from benchmarks.domain.groups import LEVELS, GroupKey, Level, choose_level
from benchmarks.settings import BenchmarksSettings


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Per level: (members with a value, their average); plus municipal and national."""

    by_level: dict[int, tuple[int, Decimal | None]]
    municipal: tuple[int, Decimal | None]
    national: tuple[int, Decimal | None]


@dataclass(frozen=True, slots=True)
class FigureResult:
    code: str
    name: str
    unit: str
    direction: str
    value: Decimal | None
    benchmark: Decimal | None
    benchmark_indexed: bool
    benchmark_year: int | None
    group_level: int | None
    group_label: str | None
    group_size: int
    municipal_average: Decimal | None
    national_average: Decimal | None
    colour: Colour
    reason: str | None


def key_of(row: DepartmentFiguresRow) -> GroupKey:
    return GroupKey(
        housing_type=row.housing_type or "",
        region=row.region or "",
        building_type=row.building_type or "",
        period_band=row.period_band or "",
        size_band=row.size_band,
    )


def _criteria_sql(level: Level, params: dict[str, Any]) -> str:
    if not level.criteria:
        return "true"
    parts = []
    for criterion in level.criteria:
        if params.get(criterion) is None:
            return "false"  # a department with unknown master data has no such group
        parts.append(f"{criterion} = :{criterion}")
    return " AND ".join(parts)


def _average(count: Any, total: Any) -> tuple[int, Decimal | None]:
    n = int(count or 0)
    return n, (round4(Decimal(total) / n) if n else None)


_SUMS = ", ".join(f"sum(n_{c}) AS n_{c}, sum(s_{c}) AS s_{c}" for c in f.CODES)


async def aggregates_for_years(
    session: AsyncSession, years: list[int], key: GroupKey, municipality_code: str
) -> dict[int, dict[str, Aggregate]]:
    """Counts and averages of every figure in each of ``years`` for the groups around ``key``
    (every widening level), the municipality and the country, from the benchmark cells: one
    statement, each part an index range scan of the cells' primary key (or one year's cells)."""
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

    def pair(year: int, part: str, code: str) -> tuple[int, Decimal | None]:
        row = sums.get((year, part))
        return (0, None) if row is None else _average(row[f"n_{code}"], row[f"s_{code}"])

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


async def aggregates(
    session: AsyncSession, year: int, key: GroupKey, municipality_code: str
) -> dict[str, Aggregate]:
    """:func:`aggregates_for_years` of one year."""
    return (await aggregates_for_years(session, [year], key, municipality_code))[year]


async def national_averages(
    session: AsyncSession, years: list[int]
) -> dict[int, dict[str, tuple[int, Decimal | None]]]:
    """Per year and figure: (departments with a value, the national average department)."""
    columns = ", ".join(f"sum(n_{c}) AS n_{c}, sum(s_{c}) AS s_{c}" for c in f.CODES)
    found = (
        await session.execute(
            text(
                f"SELECT year, {columns} FROM benchmark_cells "  # noqa: S608 - fixed catalogue
                "WHERE year = ANY(CAST(:years AS int[])) GROUP BY year"
            ),
            {"years": years},
        )
    ).mappings()
    return {
        int(row["year"]): {c: _average(row[f"n_{c}"], row[f"s_{c}"]) for c in f.CODES}
        for row in found
    }


async def accounts_by_year(session: AsyncSession, years: list[int]) -> dict[int, int]:
    """Departments with reported accounts per year (nationally)."""
    found = await session.execute(
        select(BenchmarkCellRow.year, func.sum(BenchmarkCellRow.n_administration_cost_per_dwelling))
        .where(BenchmarkCellRow.year.in_(years))
        .group_by(BenchmarkCellRow.year)
    )
    counts = {int(year): int(count or 0) for year, count in found}
    return {year: counts.get(year, 0) for year in years}


class Benchmarker:
    """Benchmarks for department-years, with the aggregate queries cached per (year, group)."""

    def __init__(self, session: AsyncSession, settings: BenchmarksSettings) -> None:
        self.session = session
        self.settings = settings
        self._aggregates: dict[tuple[int, GroupKey, str], dict[str, Aggregate]] = {}
        self._accounts: dict[int, int] = {}

    async def _aggregate(self, year: int, key: GroupKey, municipality: str) -> dict[str, Aggregate]:
        cache_key = (year, key, municipality)
        if cache_key not in self._aggregates:
            self._aggregates[cache_key] = await aggregates(self.session, year, key, municipality)
        return self._aggregates[cache_key]

    async def prefetch(self, row: DepartmentFiguresRow, history: int) -> None:
        """Load in two statements what the figures of ``row`` and the ``history`` years before
        it need (their aggregates for its group, and the accounts counts for the fallback)."""
        first = row.year - history + 1 - self.settings.max_index_years
        years = list(range(first, row.year + 1))
        key = key_of(row)
        missing = [y for y in years if (y, key, row.municipality_code) not in self._aggregates]
        if missing:
            found = await aggregates_for_years(self.session, missing, key, row.municipality_code)
            for year, by_code in found.items():
                self._aggregates[(year, key, row.municipality_code)] = by_code
        unknown = [y for y in years if y not in self._accounts]
        if unknown:
            self._accounts.update(await accounts_by_year(self.session, unknown))

    async def _enough_accounts(self, year: int) -> bool:
        if year not in self._accounts:
            self._accounts.update(await accounts_by_year(self.session, [year]))
        return self._accounts[year] >= self.settings.min_accounts_per_year

    async def _accounts_source_year(self, year: int) -> int | None:
        """The year whose accounts benchmarks ``year`` uses: itself when it has enough accounts,
        else the latest of the ``max_index_years`` before it that has."""
        for back in range(self.settings.max_index_years + 1):
            if await self._enough_accounts(year - back):
                return year - back
        return None

    async def figures(self, row: DepartmentFiguresRow) -> list[FigureResult]:
        """Every figure of the department-year ``row`` with benchmark, averages and colour."""
        key = key_of(row)
        current = await self._aggregate(row.year, key, row.municipality_code)
        accounts_year = await self._accounts_source_year(row.year)
        results = []
        for spec in f.CATALOGUE:
            value: Decimal | None = getattr(row, spec.code)
            source_year: int | None = row.year
            aggregate: Aggregate | None = current[spec.code]
            if spec.source is f.Source.ACCOUNTS:
                source_year = accounts_year
                if accounts_year is None:
                    aggregate = None
                else:
                    by_code = await self._aggregate(accounts_year, key, row.municipality_code)
                    aggregate = by_code[spec.code]
            results.append(self._result(spec, value, aggregate, row.year, source_year))
        return results

    def _result(
        self,
        spec: f.FigureSpec,
        value: Decimal | None,
        aggregate: Aggregate | None,
        year: int,
        source_year: int | None,
    ) -> FigureResult:
        level: Level | None = None
        benchmark = municipal = national = None
        size = 0
        indexed = source_year is not None and source_year != year
        if aggregate is not None and source_year is not None:
            counts = {number: n for number, (n, _) in aggregate.by_level.items()}
            level = choose_level(counts, self.settings.min_group_size)
            if level is not None:
                size, benchmark = aggregate.by_level[level.number]
            municipal = aggregate.municipal[1]
            national = aggregate.national[1]
            if indexed:
                years = year - source_year
                index = self.settings.index_for(spec.code)
                benchmark, municipal, national = (
                    None if amount is None else index_forward(amount, index, years)
                    for amount in (benchmark, municipal, national)
                )
        assessment = assess(
            spec,
            value,
            benchmark,
            self.settings.threshold(spec.code),
            group_label=level.label if level else "",
            indexed_from=source_year if indexed else None,
        )
        return FigureResult(
            code=spec.code,
            name=spec.name,
            unit=spec.unit,
            direction=spec.direction.value,
            value=value,
            benchmark=benchmark,
            benchmark_indexed=indexed and benchmark is not None,
            benchmark_year=source_year if benchmark is not None else None,
            group_level=level.number if level else None,
            group_label=level.label if level else None,
            group_size=size,
            municipal_average=municipal,
            national_average=national,
            colour=assessment.colour,
            reason=assessment.reason,
        )
