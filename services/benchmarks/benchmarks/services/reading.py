"""Read use cases: a department's figures with benchmarks and history, its comparable group,
the rent-model comparison, and aggregates for organisations, municipalities and the country.

Aggregates (organisation, municipality, national, a comparable group) are *the average
department*: the unweighted mean of the departments' values, as the benchmarks are.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import BenchmarkCellRow as Cell
from benchmarks.db.models import DepartmentFiguresRow as Row
from benchmarks.domain import figures as f
from benchmarks.domain.critical import assess, round4
from benchmarks.domain.errors import NoFiguresError
from benchmarks.domain.groups import CRITERIA, CRITERION_LABELS, LEVELS, choose_level
from benchmarks.services.benchmarking import Benchmarker, FigureResult, national_averages
from benchmarks.settings import BenchmarksSettings

HISTORY_YEARS = 5
CENTS = Decimal("0.01")


# --- response models -------------------------------------------------------------------------


class Figure(BaseModel):
    code: str = Field(description="The figure's code (stable; see GET /catalogue).")
    name: str = Field(description="The figure's Danish name.")
    unit: str
    direction: str = Field(description="higher_worse, lower_worse, both_worse or neutral.")
    value: Decimal | None = Field(description="The value; null when there is no data.")
    benchmark: Decimal | None = Field(
        description="Average of the comparable departments (the group below)."
    )
    benchmark_indexed: bool = Field(
        description="The benchmark is an earlier year's, indexed forward (too few accounts)."
    )
    benchmark_year: int | None = Field(description="The year the benchmark was computed from.")
    group_level: int | None = Field(description="Widening level of the group, 1 = narrowest.")
    group_label: str | None
    group_size: int = Field(description="Departments with a value in the group.")
    municipal_average: Decimal | None
    national_average: Decimal | None
    colour: str = Field(description="green, yellow, red, or none.")
    reason: str | None = Field(description="Why yellow or red, in Danish.")


class HistoryFigure(BaseModel):
    code: str
    value: Decimal | None
    benchmark: Decimal | None
    benchmark_indexed: bool
    colour: str


class HistoryYear(BaseModel):
    year: int
    figures: list[HistoryFigure]


class Criteria(BaseModel):
    housing_type: str | None
    region: str | None
    building_type: str | None
    period_band: str | None
    size_band: str | None


class DepartmentFigures(BaseModel):
    department_id: str
    organisation_id: str
    municipality_code: str
    year: int
    dwellings: int
    criteria: Criteria
    figures: list[Figure]
    history: list[HistoryYear] = Field(description="The five years up to and including `year`.")


class GroupMember(BaseModel):
    department_id: str
    organisation_id: str
    municipality_code: str
    value: Decimal


class ComparableGroup(BaseModel):
    department_id: str
    year: int
    figure: str
    level: int | None = Field(description="The level used; null when no group is large enough.")
    label: str | None
    criteria: dict[str, str | None] = Field(description="The criteria of the level used.")
    widened: list[str] = Field(description="The criteria dropped to reach the minimum size.")
    minimum_size: int
    size: int = Field(description="Departments in the group with a value (incl. this one).")
    average: Decimal | None
    members: list[GroupMember] = Field(
        description="The members you may see in detail; the others are only counted."
    )
    other_members: int = Field(description="Members outside what you may see.")


class RentComparison(BaseModel):
    department_id: str
    year: int
    rent_per_m2: Decimal | None = Field(description="The department's rent, DKK/m²/år.")
    comparable_rent_per_m2: Decimal | None = Field(
        description="The average comparable department's rent, DKK/m²/år."
    )
    group_level: int | None
    group_label: str | None
    group_size: int
    difference_per_m2: Decimal | None = Field(
        description="rent_per_m2 − comparable_rent_per_m2, DKK/m²/år (positive: above)."
    )
    difference_share: Decimal | None = Field(
        description="The difference in % of the comparable rent."
    )
    average_dwelling_size: Decimal | None
    difference_per_dwelling: Decimal | None = Field(
        description="difference_per_m2 × average dwelling size: DKK a year for an average "
        "dwelling of the department."
    )


class AggregateFigure(BaseModel):
    code: str
    name: str
    unit: str
    value: Decimal | None = Field(description="The average department's value.")
    departments: int = Field(description="Departments with a value.")
    benchmark: Decimal | None = Field(description="The national average department.")
    colour: str
    reason: str | None


class AggregateHistory(BaseModel):
    year: int
    figures: list[HistoryFigure]


class AggregateFigures(BaseModel):
    scope: str = Field(description="organisation, municipality or national.")
    id: str | None
    year: int
    departments: int
    figures: list[AggregateFigure]
    history: list[AggregateHistory]


class DepartmentSummary(BaseModel):
    department_id: str
    organisation_id: str
    municipality_code: str
    year: int
    dwellings: int
    red: int
    yellow: int
    figures: list[Figure]


class DepartmentPage(BaseModel):
    items: list[DepartmentSummary]
    total: int
    limit: int
    offset: int


class OverviewFigures(BaseModel):
    aggregate: AggregateFigures
    departments: DepartmentPage


class PublicFigure(BaseModel):
    code: str
    name: str
    unit: str
    value: Decimal | None = Field(description="The average department; null when suppressed.")
    departments: int | None = Field(description="Departments with a value; null when suppressed.")
    suppressed: bool


class PublicFigures(BaseModel):
    year: int
    municipality_code: str | None
    criteria: dict[str, str | None]
    minimum_departments: int
    figures: list[PublicFigure]


# --- helpers ---------------------------------------------------------------------------------


def figure_out(result: FigureResult) -> Figure:
    return Figure(
        code=result.code,
        name=result.name,
        unit=result.unit,
        direction=result.direction,
        value=result.value,
        benchmark=result.benchmark,
        benchmark_indexed=result.benchmark_indexed,
        benchmark_year=result.benchmark_year,
        group_level=result.group_level,
        group_label=result.group_label,
        group_size=result.group_size,
        municipal_average=result.municipal_average,
        national_average=result.national_average,
        colour=result.colour.value,
        reason=result.reason,
    )


def _criteria(row: Row) -> Criteria:
    return Criteria(**{c: getattr(row, c) for c in CRITERIA})


async def _department_rows(session: AsyncSession, department_id: str) -> list[Row]:
    return list(
        (
            await session.scalars(
                select(Row).where(Row.department_id == department_id).order_by(Row.year)
            )
        ).all()
    )


def _pick_year(rows: Sequence[Row], year: int | None, what: str) -> Row:
    if not rows:
        raise NoFiguresError(f"{what} was not found.")
    if year is None:
        return rows[-1]
    for row in rows:
        if row.year == year:
            return row
    years = ", ".join(str(r.year) for r in rows)
    raise NoFiguresError(f"{what} has no key figures for {year}; it has figures for {years}.")


async def department_row(
    session: AsyncSession, department_id: str, year: int | None, visible: Any
) -> tuple[Row, list[Row]]:
    """The department's row of ``year`` (default: its latest) and all its rows; 404 when the
    caller may not see it (``visible(organisation_id, municipality_code)``)."""
    what = f"Department '{department_id}'"
    rows = await _department_rows(session, department_id)
    if rows and not visible(rows[-1].organisation_id, rows[-1].municipality_code):
        rows = []
    return _pick_year(rows, year, what), rows


async def department_figures(
    session: AsyncSession,
    settings: BenchmarksSettings,
    department_id: str,
    year: int | None,
    visible: Any,
) -> DepartmentFigures:
    row, rows = await department_row(session, department_id, year, visible)
    benchmarker = Benchmarker(session, settings)
    await benchmarker.prefetch(row, HISTORY_YEARS)
    results = await benchmarker.figures(row)
    history = []
    for past in rows:
        if row.year - HISTORY_YEARS < past.year <= row.year:
            past_results = results if past is row else await benchmarker.figures(past)
            history.append(
                HistoryYear(
                    year=past.year,
                    figures=[
                        HistoryFigure(
                            code=r.code,
                            value=r.value,
                            benchmark=r.benchmark,
                            benchmark_indexed=r.benchmark_indexed,
                            colour=r.colour.value,
                        )
                        for r in past_results
                    ],
                )
            )
    return DepartmentFigures(
        department_id=row.department_id,
        organisation_id=row.organisation_id,
        municipality_code=row.municipality_code,
        year=row.year,
        dwellings=row.dwellings,
        criteria=_criteria(row),
        figures=[figure_out(r) for r in results],
        history=history,
    )


def _level_condition(row: Row, criteria: Sequence[str]) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = true()
    for criterion in criteria:
        value = getattr(row, criterion)
        column = getattr(Row, criterion)
        if value is None:  # unknown master data: no such group
            return false()
        condition = and_(condition, column == value)
    return condition


async def comparable_group(
    session: AsyncSession,
    settings: BenchmarksSettings,
    department_id: str,
    year: int | None,
    figure: str,
    visible: Any,
) -> ComparableGroup:
    spec = f.spec(figure)
    row, _ = await department_row(session, department_id, year, visible)
    value_column = getattr(Row, spec.code)
    counts: dict[int, int] = {}
    for candidate in LEVELS:
        counts[candidate.number] = int(
            await session.scalar(
                select(func.count(value_column)).where(
                    Row.year == row.year, _level_condition(row, candidate.criteria)
                )
            )
            or 0
        )
    level = choose_level(counts, settings.min_group_size)
    members: list[GroupMember] = []
    others = 0
    average = None
    if level is not None:
        found = (
            await session.execute(
                select(Row.department_id, Row.organisation_id, Row.municipality_code, value_column)
                .where(
                    Row.year == row.year,
                    value_column.is_not(None),
                    _level_condition(row, level.criteria),
                )
                .order_by(Row.department_id)
            )
        ).all()
        values = [Decimal(m[3]) for m in found]
        average = round4(sum(values, Decimal(0)) / len(values)) if values else None
        for member in found:
            if visible(member.organisation_id, member.municipality_code):
                members.append(
                    GroupMember(
                        department_id=member.department_id,
                        organisation_id=member.organisation_id,
                        municipality_code=member.municipality_code,
                        value=member[3],
                    )
                )
            else:
                others += 1
    narrowest = LEVELS[0].criteria
    return ComparableGroup(
        department_id=row.department_id,
        year=row.year,
        figure=spec.code,
        level=level.number if level else None,
        label=level.label if level else None,
        criteria={c: getattr(row, c) for c in (level.criteria if level else ())},
        widened=[CRITERION_LABELS[c] for c in narrowest if level and c not in level.criteria],
        minimum_size=settings.min_group_size,
        size=counts[level.number] if level else 0,
        average=average,
        members=members,
        other_members=others,
    )


async def rent_comparison(
    session: AsyncSession,
    settings: BenchmarksSettings,
    department_id: str,
    year: int | None,
    visible: Any,
) -> RentComparison:
    row, _ = await department_row(session, department_id, year, visible)
    results = {r.code: r for r in await Benchmarker(session, settings).figures(row)}
    rent = results[f.RENT_PER_M2]
    difference = share = per_dwelling = None
    if rent.value is not None and rent.benchmark is not None:
        difference = (rent.value - rent.benchmark).quantize(CENTS, rounding=ROUND_HALF_UP)
        if rent.benchmark != 0:
            share = ((rent.value - rent.benchmark) * 100 / rent.benchmark).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        size = row.average_dwelling_size
        if size is not None:
            per_dwelling = ((rent.value - rent.benchmark) * size).quantize(
                CENTS, rounding=ROUND_HALF_UP
            )
    return RentComparison(
        department_id=row.department_id,
        year=row.year,
        rent_per_m2=rent.value,
        comparable_rent_per_m2=rent.benchmark,
        group_level=rent.group_level,
        group_label=rent.group_label,
        group_size=rent.group_size,
        difference_per_m2=difference,
        difference_share=share,
        average_dwelling_size=row.average_dwelling_size,
        difference_per_dwelling=per_dwelling,
    )


# --- aggregates ------------------------------------------------------------------------------


async def _averages(
    session: AsyncSession, condition: ColumnElement[bool], years: Sequence[int]
) -> dict[int, dict[str, tuple[int, Decimal | None]]]:
    """Per year and figure: (departments with a value, their average)."""
    columns = []
    for code in f.CODES:
        column = getattr(Row, code)
        columns.extend([func.count(column), func.avg(column)])
    found = (
        await session.execute(
            select(Row.year, func.count(), *columns)
            .where(condition, Row.year.in_(list(years)))
            .group_by(Row.year)
        )
    ).all()
    out: dict[int, dict[str, tuple[int, Decimal | None]]] = {}
    for line in found:
        values: dict[str, tuple[int, Decimal | None]] = {"*": (int(line[1]), None)}
        for index, code in enumerate(f.CODES):
            count, average = line[2 + 2 * index], line[3 + 2 * index]
            values[code] = (int(count), None if average is None else round4(average))
        out[int(line[0])] = values
    return out


async def latest_year(session: AsyncSession, condition: ColumnElement[bool]) -> int | None:
    year = await session.scalar(select(func.max(Row.year)).where(condition))
    return None if year is None else int(year)


async def aggregate_figures(
    session: AsyncSession,
    settings: BenchmarksSettings,
    *,
    scope: str,
    scope_id: str | None,
    condition: ColumnElement[bool],
    year: int | None,
    what: str,
) -> AggregateFigures:
    chosen = year if year is not None else await latest_year(session, condition)
    if chosen is None:
        raise NoFiguresError(f"{what} has no key figures.")
    years = list(range(chosen - HISTORY_YEARS + 1, chosen + 1))
    mine = await _averages(session, condition, years)
    if chosen not in mine:
        raise NoFiguresError(f"{what} has no key figures for {chosen}.")
    national = await national_averages(session, years)

    def figures_of(
        year_: int,
    ) -> tuple[list[AggregateFigure], list[HistoryFigure]]:
        full, short = [], []
        for spec in f.CATALOGUE:
            count, value = mine[year_][spec.code]
            benchmark = national.get(year_, {}).get(spec.code, (0, None))[1]
            assessment = assess(
                spec,
                value,
                benchmark,
                settings.threshold(spec.code),
                group_label="landsgennemsnittet",
            )
            full.append(
                AggregateFigure(
                    code=spec.code,
                    name=spec.name,
                    unit=spec.unit,
                    value=value,
                    departments=count,
                    benchmark=benchmark,
                    colour=assessment.colour.value,
                    reason=assessment.reason,
                )
            )
            short.append(
                HistoryFigure(
                    code=spec.code,
                    value=value,
                    benchmark=benchmark,
                    benchmark_indexed=False,
                    colour=assessment.colour.value,
                )
            )
        return full, short

    figures, _ = figures_of(chosen)
    history = [AggregateHistory(year=y, figures=figures_of(y)[1]) for y in years if y in mine]
    return AggregateFigures(
        scope=scope,
        id=scope_id,
        year=chosen,
        departments=mine[chosen]["*"][0],
        figures=figures,
        history=history,
    )


async def department_page(
    session: AsyncSession,
    settings: BenchmarksSettings,
    *,
    condition: ColumnElement[bool],
    year: int,
    colour: str | None,
    limit: int,
    offset: int,
) -> DepartmentPage:
    """The departments matching ``condition`` in ``year``, each with its figures; with
    ``colour``, only those with at least one figure of that colour (red / yellow)."""
    rows = (
        await session.scalars(
            select(Row).where(condition, Row.year == year).order_by(Row.department_id)
        )
    ).all()
    benchmarker = Benchmarker(session, settings)
    summaries: list[DepartmentSummary] = []
    total = 0
    for row in rows:
        if colour is None and not offset <= total < offset + limit:
            total += 1
            continue
        results = await benchmarker.figures(row)
        colours = [r.colour.value for r in results]
        if colour is not None and colour not in colours:
            continue
        if offset <= total < offset + limit:
            summaries.append(
                DepartmentSummary(
                    department_id=row.department_id,
                    organisation_id=row.organisation_id,
                    municipality_code=row.municipality_code,
                    year=row.year,
                    dwellings=row.dwellings,
                    red=colours.count("red"),
                    yellow=colours.count("yellow"),
                    figures=[figure_out(r) for r in results],
                )
            )
        total += 1
    return DepartmentPage(items=summaries, total=total, limit=limit, offset=offset)


async def public_figures(
    session: AsyncSession,
    settings: BenchmarksSettings,
    *,
    year: int | None,
    municipality_code: str | None,
    criteria: dict[str, str | None],
) -> PublicFigures:
    """The average department over the benchmark cells matching the filters."""
    chosen = year if year is not None else await latest_year(session, true())
    if chosen is None:
        raise NoFiguresError("There are no key figures yet.")
    condition: ColumnElement[bool] = Cell.year == chosen
    if municipality_code is not None:
        condition = and_(condition, Cell.municipality_code == municipality_code)
    for criterion, value in criteria.items():
        if value is not None:
            condition = and_(condition, getattr(Cell, criterion) == value)
    sums = (
        await session.execute(
            select(
                *(
                    func.sum(getattr(Cell, f"{prefix}_{code}"))
                    for code in f.CODES
                    for prefix in ("n", "s")
                )
            ).where(condition)
        )
    ).one()
    minimum = settings.public_min_departments
    figures = []
    for index, spec in enumerate(f.CATALOGUE):
        count = int(sums[2 * index] or 0)
        average = round4(Decimal(sums[2 * index + 1]) / count) if count else None
        suppressed = count < minimum
        figures.append(
            PublicFigure(
                code=spec.code,
                name=spec.name,
                unit=spec.unit,
                value=None if suppressed else average,
                departments=None if suppressed else count,
                suppressed=suppressed,
            )
        )
    return PublicFigures(
        year=chosen,
        municipality_code=municipality_code,
        criteria=criteria,
        minimum_departments=minimum,
        figures=figures,
    )
