"""Benchmarks of department-years: the comparable group's average per figure, the municipal and
national averages, the indexed-forward fallback for accounts figures, and the critical colour
(:mod:`benchmarks.domain.benchmarks`), over the benchmark cells (:mod:`benchmarks.db.cells`).

One aggregate query per year gives, for every figure and every widening level, the member
count and the average; the narrowest level with enough members is the figure's group.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db import cells
from benchmarks.db.models import DepartmentFiguresRow
from benchmarks.domain import figures as f
from benchmarks.domain.benchmarks import (
    Aggregate,
    FigureResult,
    accounts_source_year,
    benchmark_figure,
)
from benchmarks.domain.groups import GroupKey
from benchmarks.settings import BenchmarksSettings


def key_of(row: DepartmentFiguresRow) -> GroupKey:
    """A department-year's comparison criteria (unknown master data: empty)."""
    return GroupKey(
        housing_type=row.housing_type or "",
        region=row.region or "",
        building_type=row.building_type or "",
        period_band=row.period_band or "",
        size_band=row.size_band,
    )


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
            found = await cells.aggregates_for_years(self.session, [year], key, municipality)
            self._aggregates[cache_key] = found[year]
        return self._aggregates[cache_key]

    async def _load_accounts(self, years: list[int]) -> None:
        unknown = [y for y in years if y not in self._accounts]
        if unknown:
            self._accounts.update(await cells.accounts_by_year(self.session, unknown))

    async def prefetch(self, row: DepartmentFiguresRow, history: int) -> None:
        """Load in two statements what the figures of ``row`` and the ``history`` years before
        it need (their aggregates for its group, and the accounts counts for the fallback)."""
        first = row.year - history + 1 - self.settings.max_index_years
        years = list(range(first, row.year + 1))
        key = key_of(row)
        missing = [y for y in years if (y, key, row.municipality_code) not in self._aggregates]
        if missing:
            found = await cells.aggregates_for_years(
                self.session, missing, key, row.municipality_code
            )
            for year, by_code in found.items():
                self._aggregates[(year, key, row.municipality_code)] = by_code
        await self._load_accounts(years)

    async def _accounts_source_year(self, year: int) -> int | None:
        back = self.settings.max_index_years
        await self._load_accounts(list(range(year - back, year + 1)))
        return accounts_source_year(
            year,
            self._accounts,
            minimum=self.settings.min_accounts_per_year,
            max_index_years=back,
        )

    async def figures(self, row: DepartmentFiguresRow) -> list[FigureResult]:
        """Every figure of the department-year ``row`` with benchmark, averages and colour."""
        key = key_of(row)
        current = await self._aggregate(row.year, key, row.municipality_code)
        accounts_year = await self._accounts_source_year(row.year)
        results = []
        for spec in f.CATALOGUE:
            source_year: int | None = row.year
            aggregate: Aggregate | None = current[spec.code]
            if spec.source is f.Source.ACCOUNTS:
                source_year = accounts_year
                if accounts_year is None:
                    aggregate = None
                else:
                    by_code = await self._aggregate(accounts_year, key, row.municipality_code)
                    aggregate = by_code[spec.code]
            results.append(
                benchmark_figure(
                    spec,
                    getattr(row, spec.code),
                    aggregate,
                    year=row.year,
                    source_year=source_year,
                    min_group_size=self.settings.min_group_size,
                    threshold=self.settings.threshold(spec.code),
                    yearly_index=self.settings.index_for(spec.code),
                )
            )
        return results
