"""Benchmarks API: key figures with benchmark, group, colour and five years of history for a
department, an organisation or a municipality; a department's comparable group; the rent-model
comparison; the public aggregates; the figure catalogue."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Annotated, Any, Literal

import xlsxwriter
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from benchmarks.api.access import Scope
from benchmarks.db.models import DepartmentFiguresRow as Row
from benchmarks.domain import figures as f
from benchmarks.domain.errors import NoFiguresError, UnknownFigureError
from benchmarks.domain.groups import CONSTRUCTION_PERIODS, DWELLING_SIZES, LEVELS
from benchmarks.services import reading
from benchmarks.settings import BenchmarksSettings
from common.app import UnitOfWorkDep
from common.problems import problem_responses

router = APIRouter(tags=["key figures"])
public = APIRouter(prefix="/public", tags=["public"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
RESPONSES = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role may not read departments' figures",
        404: "Unknown, or not yours to see, or no figures for the year",
        422: "Invalid parameters",
    }
)
PUBLIC_RESPONSES = problem_responses({404: "No figures yet", 422: "Invalid parameters"})

DepartmentId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
OrganisationId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
MunicipalityCode = Annotated[str, Path(pattern=r"^\d{3}$")]
Year = Annotated[
    int | None, Query(ge=2000, le=2100, description="calendar year; default: the latest")
]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
ColourFilter = Annotated[
    Literal["red", "yellow"] | None,
    Query(description="only departments with at least one figure of this colour"),
]


def _settings(request: Request) -> BenchmarksSettings:
    settings: BenchmarksSettings = request.app.state.settings
    return settings


class FigureDefinition(BaseModel):
    code: str
    name: str
    unit: str
    direction: str
    source: str
    definition: str
    threshold: dict[str, Any] | None
    yearly_index: Decimal | None


class Catalogue(BaseModel):
    figures: list[FigureDefinition]
    construction_periods: list[dict[str, Any]]
    dwelling_sizes: list[dict[str, Any]]
    widening_order: list[dict[str, Any]]
    minimum_group_size: int
    minimum_accounts_per_year: int
    public_minimum_departments: int


@public.get(
    "/catalogue",
    summary="The key-figure catalogue: definitions, units, directions, thresholds, bands",
    description="Public, no token. The codes are stable (KeyFiguresUpdatedV1 carries them).",
)
async def catalogue(request: Request) -> Catalogue:
    settings = _settings(request)
    return Catalogue(
        figures=[
            FigureDefinition(
                code=spec.code,
                name=spec.name,
                unit=spec.unit,
                direction=spec.direction.value,
                source=spec.source.value,
                definition=spec.definition,
                threshold=(
                    settings.thresholds[spec.code].model_dump(mode="json")
                    if spec.code in settings.thresholds
                    else None
                ),
                yearly_index=(
                    settings.index_for(spec.code) if spec.source is f.Source.ACCOUNTS else None
                ),
            )
            for spec in f.CATALOGUE
        ],
        construction_periods=[{"code": b.code, "label": b.label} for b in CONSTRUCTION_PERIODS],
        dwelling_sizes=[{"code": b.code, "label": b.label} for b in DWELLING_SIZES],
        widening_order=[
            {"level": lv.number, "criteria": list(lv.criteria), "label": lv.label} for lv in LEVELS
        ],
        minimum_group_size=settings.min_group_size,
        minimum_accounts_per_year=settings.min_accounts_per_year,
        public_minimum_departments=settings.public_min_departments,
    )


@router.get(
    "/departments/{department_id}/key-figures",
    summary="A department's key figures with benchmark, group, colour and five years' history",
    responses=RESPONSES,
)
async def department_key_figures(
    request: Request,
    uow: UnitOfWorkDep,
    scope: Scope,
    department_id: DepartmentId,
    year: Year = None,
) -> reading.DepartmentFigures:
    return await reading.department_figures(
        uow.session, _settings(request), department_id, year, scope.sees
    )


@router.get(
    "/departments/{department_id}/comparable-group",
    summary="The comparable departments a figure's benchmark averages over",
    description=(
        "The group of the narrowest level with at least the minimum number of departments with "
        "a value (see /public/catalogue for the widening order). Members you may not see in "
        "detail are only counted."
    ),
    responses=RESPONSES,
)
async def department_comparable_group(
    request: Request,
    uow: UnitOfWorkDep,
    scope: Scope,
    department_id: DepartmentId,
    year: Year = None,
    figure: Annotated[str, Query(max_length=64)] = f.RENT_PER_M2,
) -> reading.ComparableGroup:
    if figure not in f.BY_CODE:
        raise UnknownFigureError(
            f"Unknown key figure '{figure}'; choose one of: {', '.join(f.CODES)}."
        )
    return await reading.comparable_group(
        uow.session, _settings(request), department_id, year, figure, scope.sees
    )


@router.get(
    "/departments/{department_id}/rent-comparison",
    summary="The rent model's comparison: the department's rent against the comparable average",
    responses=RESPONSES,
)
async def department_rent_comparison(
    request: Request,
    uow: UnitOfWorkDep,
    scope: Scope,
    department_id: DepartmentId,
    year: Year = None,
) -> reading.RentComparison:
    return await reading.rent_comparison(
        uow.session, _settings(request), department_id, year, scope.sees
    )


async def _overview(
    request: Request,
    uow: UnitOfWorkDep,
    *,
    scope_name: str,
    scope_id: str,
    aggregate_condition: Any,
    visible_condition: Any,
    year: int | None,
    colour: str | None,
    limit: int,
    offset: int,
    what: str,
) -> reading.OverviewFigures:
    settings = _settings(request)
    aggregate = await reading.aggregate_figures(
        uow.session,
        settings,
        scope=scope_name,
        scope_id=scope_id,
        condition=aggregate_condition,
        year=year,
        what=what,
    )
    page = await reading.department_page(
        uow.session,
        settings,
        condition=visible_condition,
        year=aggregate.year,
        colour=colour,
        limit=limit,
        offset=offset,
    )
    return reading.OverviewFigures(aggregate=aggregate, departments=page)


def _workbook(overview: reading.OverviewFigures) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    fills = {
        "red": workbook.add_format({"bg_color": "#F4B6B6"}),
        "yellow": workbook.add_format({"bg_color": "#FFF2A8"}),
    }
    sheet = workbook.add_worksheet("Nøgletal")
    sheet.write_row(0, 0, ["Nøgletal", "Kode", "Enhed", "Værdi", "Afdelinger", "Landsgns."], bold)
    for line, total in enumerate(overview.aggregate.figures, start=1):
        sheet.write_row(line, 0, [total.name, total.code, total.unit])
        if total.value is not None:
            sheet.write_number(line, 3, float(total.value))
        sheet.write_number(line, 4, total.departments)
        if total.benchmark is not None:
            sheet.write_number(line, 5, float(total.benchmark))
    detail = workbook.add_worksheet("Afdelinger")
    header = ["Afdeling", "Boligorganisation", "Kommune", "År", "Lejemål"]
    for spec in f.CATALOGUE:
        header += [f"{spec.name} ({spec.unit})", "Benchmark", "Farve", "Begrundelse"]
    detail.write_row(0, 0, header, bold)
    for line, department in enumerate(overview.departments.items, start=1):
        detail.write_row(
            line,
            0,
            [
                department.department_id,
                department.organisation_id,
                department.municipality_code,
                department.year,
                department.dwellings,
            ],
        )
        column = 5
        for figure in department.figures:
            fill = fills.get(figure.colour)
            if figure.value is not None:
                detail.write_number(line, column, float(figure.value), fill)
            if figure.benchmark is not None:
                detail.write_number(line, column + 1, float(figure.benchmark))
            detail.write_string(line, column + 2, figure.colour)
            if figure.reason:
                detail.write_string(line, column + 3, figure.reason)
            column += 4
    workbook.close()
    return buffer.getvalue()


def _respond(overview: reading.OverviewFigures, format: str, name: str) -> Any:
    if format == "xlsx":
        return Response(
            _workbook(overview),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return overview


OVERVIEW_RESPONSES = {
    **RESPONSES,
    200: {"content": {XLSX: {}}, "description": "JSON, or XLSX with format=xlsx"},
}


@router.get(
    "/organisations/{organisation_id}/key-figures",
    summary="An organisation's key figures (the average department) and its departments' detail",
    description=(
        "The aggregate is the average over the organisation's departments you may see, against "
        "the national average; `departments` lists them with their figures (paginated; "
        "`colour` keeps those with a red or yellow figure). `format=xlsx` returns a workbook."
    ),
    responses=OVERVIEW_RESPONSES,
    response_model=reading.OverviewFigures,
)
async def organisation_key_figures(
    request: Request,
    uow: UnitOfWorkDep,
    scope: Scope,
    organisation_id: OrganisationId,
    year: Year = None,
    colour: ColourFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Any:
    if scope.organisation_ids is not None and organisation_id not in scope.organisation_ids:
        raise NoFiguresError(f"Organisation '{organisation_id}' was not found.")
    condition = (Row.organisation_id == organisation_id) & scope.filter(
        Row.organisation_id, Row.municipality_code
    )
    overview = await _overview(
        request,
        uow,
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
    return _respond(overview, format, f"noegletal-{organisation_id}-{overview.aggregate.year}")


@router.get(
    "/municipalities/{municipality_code}/key-figures",
    summary="A municipality's key figures (the average department) and the departments you see",
    description=(
        "The aggregate is the average over all departments lying in the municipality, against "
        "the national average; `departments` lists those you may see in detail: all of them "
        "for the municipality itself and the fund, your own for an organisation."
    ),
    responses=OVERVIEW_RESPONSES,
    response_model=reading.OverviewFigures,
)
async def municipality_key_figures(
    request: Request,
    uow: UnitOfWorkDep,
    scope: Scope,
    municipality_code: MunicipalityCode,
    year: Year = None,
    colour: ColourFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Any:
    if scope.municipality_code is not None and municipality_code != scope.municipality_code:
        raise NoFiguresError(f"Municipality '{municipality_code}' was not found.")
    in_municipality = Row.municipality_code == municipality_code
    overview = await _overview(
        request,
        uow,
        scope_name="municipality",
        scope_id=municipality_code,
        aggregate_condition=in_municipality,
        visible_condition=in_municipality
        & scope.filter(Row.organisation_id, Row.municipality_code),
        year=year,
        colour=colour,
        limit=limit,
        offset=offset,
        what=f"Municipality '{municipality_code}'",
    )
    return _respond(overview, format, f"noegletal-{municipality_code}-{overview.aggregate.year}")


@public.get(
    "/key-figures",
    summary="Public key figures: the average department nationally, in a municipality or a group",
    description=(
        "Public, no token. Averages over departments (the average department); a figure over "
        "fewer departments than the public minimum is suppressed (null, `suppressed: true`). "
        "Filter by municipality and by the comparable-group criteria."
    ),
    responses=PUBLIC_RESPONSES,
)
async def public_key_figures(
    request: Request,
    uow: UnitOfWorkDep,
    year: Year = None,
    municipality: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    housing_type: Annotated[Literal["family", "youth", "elderly"] | None, Query()] = None,
    region: Annotated[Literal["capital", "rest"] | None, Query()] = None,
    building_type: Annotated[Literal["etage", "tæt-lav"] | None, Query()] = None,
    period_band: Annotated[
        Literal["-1944", "1945-1959", "1960-1974", "1975-1989", "1990-2004", "2005-"] | None,
        Query(),
    ] = None,
    size_band: Annotated[Literal["-49", "50-69", "70-89", "90-"] | None, Query()] = None,
) -> reading.PublicFigures:
    return await reading.public_figures(
        uow.session,
        _settings(request),
        year=year,
        municipality_code=municipality,
        criteria={
            "housing_type": housing_type,
            "region": region,
            "building_type": building_type,
            "period_band": period_band,
            "size_band": size_band,
        },
    )
