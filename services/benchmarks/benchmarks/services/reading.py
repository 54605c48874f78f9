"""Read use cases: a department's figures with benchmarks and history, its comparable group,
the rent-model comparison, and aggregates for organisations, municipalities and the country.

Aggregates (organisation, municipality, national, a comparable group) are *the average
department*: the unweighted mean of the departments' values, as the benchmarks are. Each use
case returns what the API renders (:mod:`benchmarks.api.schemas`).

Another organisation's department (or one outside a municipality) is not found, exactly as an
unknown department is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db import cells
from benchmarks.db import reading as db
from benchmarks.db.models import DepartmentFiguresRow as Figures
from benchmarks.domain import figures as f
from benchmarks.domain.benchmarks import FigureResult, PublicAverage, public_average
from benchmarks.domain.comparison import RentDifference, rent_difference
from benchmarks.domain.critical import Assessment, Colour, assess, round4
from benchmarks.domain.errors import NoFiguresError
from benchmarks.domain.groups import LEVELS, Level, choose_level
from benchmarks.domain.years import HISTORY_YEARS, in_history, pick_year
from benchmarks.services.benchmarking import Benchmarker
from benchmarks.services.resident_composition import resident_composition
from benchmarks.settings import BenchmarksSettings
from common.access import Scope
from common.events.contracts import ResidentComposition

NATIONAL = "landsgennemsnittet"

# --- what the use cases return ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepartmentReading:
    row: Figures
    figures: list[FigureResult]
    history: list[tuple[int, list[FigureResult]]]  # the history years, oldest first


@dataclass(frozen=True, slots=True)
class GroupMember:
    department_id: str
    organisation_id: str
    municipality_code: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class GroupReading:
    row: Figures
    figure: str
    level: Level | None  # None: no group is large enough
    minimum_size: int
    size: int
    average: Decimal | None
    members: list[GroupMember]  # those the caller may see in detail
    other_members: int


@dataclass(frozen=True, slots=True)
class RentReading:
    row: Figures
    rent: FigureResult
    difference: RentDifference
    resident_composition: ResidentComposition


@dataclass(frozen=True, slots=True)
class AggregateValue:
    spec: f.FigureSpec
    departments: int
    value: Decimal | None
    benchmark: Decimal | None  # the national average department
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class AggregateReading:
    scope: str
    id: str | None
    year: int
    departments: int
    figures: list[AggregateValue]
    history: list[tuple[int, list[AggregateValue]]]


@dataclass(frozen=True, slots=True)
class DepartmentPage:
    items: list[tuple[Figures, list[FigureResult]]]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Overview:
    aggregate: AggregateReading
    departments: DepartmentPage


@dataclass(frozen=True, slots=True)
class PublicReading:
    year: int
    municipality_code: str | None
    criteria: dict[str, str | None]
    minimum_departments: int
    figures: list[tuple[f.FigureSpec, PublicAverage]]


# --- a department ----------------------------------------------------------------------------


async def department_row(
    session: AsyncSession, scope: Scope, department_id: str, year: int | None
) -> tuple[Figures, list[Figures]]:
    """The department's row of ``year`` (default: its latest) and all its rows; 404 when the
    caller may not see it."""
    rows = await db.department_years(session, department_id)
    if rows and not scope.sees(rows[-1].organisation_id, rows[-1].municipality_code):
        rows = []  # not found, with the same problem as an unknown department
    return pick_year(rows, year, f"Department '{department_id}'"), rows


async def department_figures(
    session: AsyncSession,
    settings: BenchmarksSettings,
    scope: Scope,
    department_id: str,
    year: int | None,
) -> DepartmentReading:
    row, rows = await department_row(session, scope, department_id, year)
    benchmarker = Benchmarker(session, settings)
    await benchmarker.prefetch(row, HISTORY_YEARS)
    results = await benchmarker.figures(row)
    history = [
        (past.year, results if past is row else await benchmarker.figures(past))
        for past in rows
        if in_history(row.year, past.year)
    ]
    return DepartmentReading(row, results, history)


async def comparable_group(
    session: AsyncSession,
    settings: BenchmarksSettings,
    scope: Scope,
    department_id: str,
    year: int | None,
    figure: str,
) -> GroupReading:
    spec = f.spec(figure)
    row, _ = await department_row(session, scope, department_id, year)
    counts = {
        level.number: await db.group_size(session, row, level.criteria, spec.code)
        for level in LEVELS
    }
    level = choose_level(counts, settings.min_group_size)
    members: list[GroupMember] = []
    others = 0
    average = None
    if level is not None:
        found = await db.group_members(session, row, level.criteria, spec.code)
        values = [Decimal(value) for *_, value in found]
        average = round4(sum(values, Decimal(0)) / len(values)) if values else None
        for department_id_, organisation_id, municipality_code, value in found:
            if scope.sees(organisation_id, municipality_code):
                members.append(
                    GroupMember(department_id_, organisation_id, municipality_code, value)
                )
            else:
                others += 1
    return GroupReading(
        row=row,
        figure=spec.code,
        level=level,
        minimum_size=settings.min_group_size,
        size=counts[level.number] if level else 0,
        average=average,
        members=members,
        other_members=others,
    )


async def rent_comparison(
    session: AsyncSession,
    settings: BenchmarksSettings,
    scope: Scope,
    department_id: str,
    year: int | None,
) -> RentReading:
    row, _ = await department_row(session, scope, department_id, year)
    results = {r.code: r for r in await Benchmarker(session, settings).figures(row)}
    rent = results[f.RENT_PER_M2]
    difference = rent_difference(rent.value, rent.benchmark, row.average_dwelling_size)
    residents = await resident_composition(session, settings, row, rent)
    return RentReading(row, rent, difference, residents)


# --- aggregates ------------------------------------------------------------------------------


async def aggregate_figures(
    session: AsyncSession,
    settings: BenchmarksSettings,
    *,
    scope: str,
    scope_id: str | None,
    condition: db.Condition,
    year: int | None,
    what: str,
) -> AggregateReading:
    """The average department of the departments matching ``condition`` against the national
    one, in ``year`` (default: their latest) and the history years before it."""
    chosen = year if year is not None else await db.latest_year(session, condition)
    if chosen is None:
        raise NoFiguresError(f"{what} has no key figures.")
    years = list(range(chosen - HISTORY_YEARS + 1, chosen + 1))
    mine = await db.averages(session, condition, years)
    if chosen not in mine:
        raise NoFiguresError(f"{what} has no key figures for {chosen}.")
    national = await cells.national_averages(session, years)

    def values_of(year_: int) -> list[AggregateValue]:
        values = []
        for spec in f.CATALOGUE:
            count, value = mine[year_][spec.code]
            benchmark = national.get(year_, {}).get(spec.code, (0, None))[1]
            assessment = assess(
                spec, value, benchmark, settings.threshold(spec.code), group_label=NATIONAL
            )
            values.append(AggregateValue(spec, count, value, benchmark, assessment))
        return values

    return AggregateReading(
        scope=scope,
        id=scope_id,
        year=chosen,
        departments=mine[chosen]["*"][0],
        figures=values_of(chosen),
        history=[(y, values_of(y)) for y in years if y in mine],
    )


async def department_page(
    session: AsyncSession,
    settings: BenchmarksSettings,
    *,
    condition: db.Condition,
    year: int,
    colour: str | None,
    limit: int,
    offset: int,
) -> DepartmentPage:
    """The departments matching ``condition`` in ``year``, each with its figures; with
    ``colour``, only those with at least one figure of that colour (red / yellow)."""
    rows = await db.departments_in_year(session, condition, year)
    benchmarker = Benchmarker(session, settings)
    items: list[tuple[Figures, list[FigureResult]]] = []
    total = 0
    for row in rows:
        if colour is None and not offset <= total < offset + limit:
            total += 1  # counted without computing its figures
            continue
        results = await benchmarker.figures(row)
        if colour is not None and Colour(colour) not in {r.colour for r in results}:
            continue
        if offset <= total < offset + limit:
            items.append((row, results))
        total += 1
    return DepartmentPage(items=items, total=total, limit=limit, offset=offset)


async def _overview(
    session: AsyncSession,
    settings: BenchmarksSettings,
    *,
    scope_name: str,
    scope_id: str,
    aggregate_condition: db.Condition,
    visible_condition: db.Condition,
    year: int | None,
    colour: str | None,
    limit: int,
    offset: int,
    what: str,
) -> Overview:
    aggregate = await aggregate_figures(
        session,
        settings,
        scope=scope_name,
        scope_id=scope_id,
        condition=aggregate_condition,
        year=year,
        what=what,
    )
    page = await department_page(
        session,
        settings,
        condition=visible_condition,
        year=aggregate.year,
        colour=colour,
        limit=limit,
        offset=offset,
    )
    return Overview(aggregate, page)


async def organisation_overview(
    session: AsyncSession,
    settings: BenchmarksSettings,
    scope: Scope,
    organisation_id: str,
    *,
    year: int | None,
    colour: str | None,
    limit: int,
    offset: int,
) -> Overview:
    """The average of the organisation's departments the caller may see, and those
    departments; another organisation is not found for an organisation's token."""
    if scope.organisation_ids is not None and organisation_id not in scope.organisation_ids:
        raise NoFiguresError(f"Organisation '{organisation_id}' was not found.")
    condition = db.of_organisation(organisation_id) & db.visible_to(scope)
    return await _overview(
        session,
        settings,
        scope_name="organisation",
        scope_id=organisation_id,
        aggregate_condition=condition,
        visible_condition=condition,
        year=year,
        colour=colour,
        limit=limit,
        offset=offset,
        what=f"Organisation '{organisation_id}'",
    )


async def municipality_overview(
    session: AsyncSession,
    settings: BenchmarksSettings,
    scope: Scope,
    municipality_code: str,
    *,
    year: int | None,
    colour: str | None,
    limit: int,
    offset: int,
) -> Overview:
    """The average of every department in the municipality, and those the caller may see;
    another municipality is not found for a municipality's token."""
    if scope.municipality_code is not None and municipality_code != scope.municipality_code:
        raise NoFiguresError(f"Municipality '{municipality_code}' was not found.")
    in_municipality = db.in_municipality(municipality_code)
    return await _overview(
        session,
        settings,
        scope_name="municipality",
        scope_id=municipality_code,
        aggregate_condition=in_municipality,
        visible_condition=in_municipality & db.visible_to(scope),
        year=year,
        colour=colour,
        limit=limit,
        offset=offset,
        what=f"Municipality '{municipality_code}'",
    )


async def public_figures(
    session: AsyncSession,
    settings: BenchmarksSettings,
    *,
    year: int | None,
    municipality_code: str | None,
    criteria: dict[str, str | None],
) -> PublicReading:
    """The average department over the benchmark cells matching the filters, each figure
    suppressed under the public minimum of departments."""
    chosen = year if year is not None else await db.latest_year(session)
    if chosen is None:
        raise NoFiguresError("There are no key figures yet.")
    filters = {c: v for c, v in criteria.items() if v is not None}
    if municipality_code is not None:
        filters["municipality_code"] = municipality_code
    sums = await cells.public_sums(session, chosen, filters)
    minimum = settings.public_min_departments
    return PublicReading(
        year=chosen,
        municipality_code=municipality_code,
        criteria=criteria,
        minimum_departments=minimum,
        figures=[
            (spec, public_average(sums[2 * index], sums[2 * index + 1], minimum))
            for index, spec in enumerate(f.CATALOGUE)
        ],
    )
