"""Benchmarks API: key figures with benchmark, group, colour and five years of history for a
department, an organisation or a municipality; a department's comparable group; the rent-model
comparison; the public aggregates; the figure catalogue.

Who sees what: an organisation (and an administration organisation or ERP client acting for it)
the detail of its own departments, a municipality that of the departments lying in it, the fund
everything; another's department is not found (404). Other roles get 403 with a pointer to the
public aggregates, which need no token."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from benchmarks.api import schemas
from benchmarks.api.workbook import XLSX, workbook
from benchmarks.domain import figures as f
from benchmarks.domain.errors import UnknownFigureError
from benchmarks.services import reading
from benchmarks.settings import BenchmarksSettings
from common.access import Scope, scope_dependency
from common.app import UnitOfWorkDep
from common.auth import ORGANISATION_SCOPED_ROLES, Role
from common.problems import problem_responses

router = APIRouter(tags=["key figures"])
public = APIRouter(prefix="/public", tags=["public"])

DETAIL_ROLES = ORGANISATION_SCOPED_ROLES | {Role.MUNICIPALITY, Role.FUND}
DetailScope = Annotated[
    Scope,
    Depends(
        scope_dependency(
            DETAIL_ROLES,
            "read departments' key figures (the public aggregates are under "
            "/benchmarks/v1/public/)",
        )
    ),
]

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
OVERVIEW_RESPONSES = {
    **RESPONSES,
    200: {"content": {XLSX: {}}, "description": "JSON, or XLSX with format=xlsx"},
}

DepartmentId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
OrganisationId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
MunicipalityCode = Annotated[str, Path(pattern=r"^\d{3}$")]
Year = Annotated[
    int | None, Query(ge=2000, le=2100, description="calendar year; default: the latest")
]
# The overviews page by offset with a total (the colour filter is decided per department after
# its benchmarks are computed, so there is no SQL sort key to carry in a cursor).
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
ColourFilter = Annotated[
    Literal["red", "yellow"] | None,
    Query(description="only departments with at least one figure of this colour"),
]
Format = Annotated[Literal["json", "xlsx"], Query()]


def _settings(request: Request) -> BenchmarksSettings:
    settings: BenchmarksSettings = request.app.state.settings
    return settings


@public.get(
    "/catalogue",
    summary="The key-figure catalogue: definitions, units, directions, thresholds, bands",
    description="Public, no token. The codes are stable (KeyFiguresUpdatedV1 carries them).",
)
async def catalogue(request: Request) -> schemas.Catalogue:
    return schemas.Catalogue.of(_settings(request))


@router.get(
    "/departments/{department_id}/key-figures",
    summary="A department's key figures with benchmark, group, colour and five years' history",
    responses=RESPONSES,
)
async def department_key_figures(
    request: Request,
    uow: UnitOfWorkDep,
    scope: DetailScope,
    department_id: DepartmentId,
    year: Year = None,
) -> schemas.DepartmentFigures:
    found = await reading.department_figures(
        uow.session, _settings(request), scope, department_id, year
    )
    return schemas.DepartmentFigures.of(found)


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
    scope: DetailScope,
    department_id: DepartmentId,
    year: Year = None,
    figure: Annotated[str, Query(max_length=64)] = f.RENT_PER_M2,
) -> schemas.ComparableGroup:
    if figure not in f.BY_CODE:
        raise UnknownFigureError(
            f"Unknown key figure '{figure}'; choose one of: {', '.join(f.CODES)}."
        )
    group = await reading.comparable_group(
        uow.session, _settings(request), scope, department_id, year, figure
    )
    return schemas.ComparableGroup.of(group)


@router.get(
    "/departments/{department_id}/rent-comparison",
    summary="The rent model's comparison: the department's rent against the comparable average",
    responses=RESPONSES,
)
async def department_rent_comparison(
    request: Request,
    uow: UnitOfWorkDep,
    scope: DetailScope,
    department_id: DepartmentId,
    year: Year = None,
) -> schemas.RentComparison:
    found = await reading.rent_comparison(
        uow.session, _settings(request), scope, department_id, year
    )
    return schemas.RentComparison.of(found)


def _respond(overview: schemas.OverviewFigures, format: str, name: str) -> Any:
    if format == "xlsx":
        return Response(
            workbook(overview),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return overview


@router.get(
    "/organisations/{organisation_id}/key-figures",
    summary="An organisation's key figures (the average department) and its departments' detail",
    description=(
        "The aggregate is the average over the organisation's departments you may see, against "
        "the national average; `departments` lists them with their figures (paginated; "
        "`colour` keeps those with a red or yellow figure). `format=xlsx` returns a workbook."
    ),
    responses=OVERVIEW_RESPONSES,
    response_model=schemas.OverviewFigures,
)
async def organisation_key_figures(
    request: Request,
    uow: UnitOfWorkDep,
    scope: DetailScope,
    organisation_id: OrganisationId,
    year: Year = None,
    colour: ColourFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
    format: Format = "json",
) -> Any:
    found = await reading.organisation_overview(
        uow.session,
        _settings(request),
        scope,
        organisation_id,
        year=year,
        colour=colour,
        limit=limit,
        offset=offset,
    )
    overview = schemas.OverviewFigures.of(found)
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
    response_model=schemas.OverviewFigures,
)
async def municipality_key_figures(
    request: Request,
    uow: UnitOfWorkDep,
    scope: DetailScope,
    municipality_code: MunicipalityCode,
    year: Year = None,
    colour: ColourFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
    format: Format = "json",
) -> Any:
    found = await reading.municipality_overview(
        uow.session,
        _settings(request),
        scope,
        municipality_code,
        year=year,
        colour=colour,
        limit=limit,
        offset=offset,
    )
    overview = schemas.OverviewFigures.of(found)
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
) -> schemas.PublicFigures:
    found = await reading.public_figures(
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
    return schemas.PublicFigures.of(found)
