"""A figure's benchmark: the comparable group's average department, the municipal and national
averages, the indexed-forward fallback for accounts figures, and the colour with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from benchmarks.domain import figures as f
from benchmarks.domain.critical import Colour, Threshold, assess, index_forward, round4
from benchmarks.domain.groups import Level, choose_level

Average = tuple[int, Decimal | None]
"""(departments with a value, their average department's value)."""


def average(count: Any, total: Any) -> Average:
    """The average department from a count and an exact sum (four decimals)."""
    n = int(count or 0)
    return n, (round4(Decimal(total) / n) if n else None)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One figure in one year around a department: the average per widening level (level
    number → average), in its municipality and nationally."""

    by_level: dict[int, Average]
    municipal: Average
    national: Average


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


def accounts_source_year(
    year: int, accounts_per_year: Mapping[int, int], *, minimum: int, max_index_years: int
) -> int | None:
    """The year whose accounts benchmarks ``year`` uses: itself when at least ``minimum``
    departments reported accounts for it, else the latest of the ``max_index_years`` before it
    that had (``accounts_per_year`` must hold those years); None when none had."""
    for back in range(max_index_years + 1):
        if accounts_per_year[year - back] >= minimum:
            return year - back
    return None


def benchmark_figure(
    spec: f.FigureSpec,
    value: Decimal | None,
    aggregate: Aggregate | None,
    *,
    year: int,
    source_year: int | None,
    min_group_size: int,
    threshold: Threshold | None,
    yearly_index: Decimal,
) -> FigureResult:
    """One figure of a department-year with its benchmark and colour.

    ``aggregate`` is that of ``source_year``: the year itself, or for an accounts figure an
    earlier year's, indexed forward by ``yearly_index`` a year (None: no year had enough)."""
    level: Level | None = None
    benchmark = municipal = national = None
    size = 0
    indexed = source_year is not None and source_year != year
    if aggregate is not None and source_year is not None:
        counts = {number: n for number, (n, _) in aggregate.by_level.items()}
        level = choose_level(counts, min_group_size)
        if level is not None:
            size, benchmark = aggregate.by_level[level.number]
        municipal = aggregate.municipal[1]
        national = aggregate.national[1]
        if indexed:
            years = year - source_year
            benchmark, municipal, national = (
                None if amount is None else index_forward(amount, yearly_index, years)
                for amount in (benchmark, municipal, national)
            )
    assessment = assess(
        spec,
        value,
        benchmark,
        threshold,
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


@dataclass(frozen=True, slots=True)
class PublicAverage:
    """An average department as the public sees it: suppressed (no value, no count) when
    fewer departments than the public minimum have a value."""

    value: Decimal | None
    departments: int | None
    suppressed: bool


def public_average(count: Any, total: Any, minimum: int) -> PublicAverage:
    departments, value = average(count, total)
    if departments < minimum:
        return PublicAverage(None, None, True)
    return PublicAverage(value, departments, False)
