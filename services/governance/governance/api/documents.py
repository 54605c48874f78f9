"""The package as PDF, the statistics (JSON or Excel) and what the public sees."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from common.access import Scope
from common.app import UnitOfWorkDep
from common.paging import Limit
from common.pdf import render_pdf_async
from common.problems import problem_responses
from governance.api.deps import GovernanceScope, PackageIdPath, figures_out
from governance.api.schemas import ID_PATTERN, FigureOut
from governance.db.models import PackageRow
from governance.domain.rules import PackageStatus
from governance.services import documents, public, statistics

router = APIRouter(tags=["documents and statistics"])

READ = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role may not read this",
        404: "No such package among those you may see",
    }
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Year = Annotated[int, Query(ge=2000, le=2100, description="Governance year (styringsår).")]
OrganisationFilter = Annotated[
    str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]
MunicipalityFilter = Annotated[str | None, Query(pattern=r"^\d{3}$")]
Codes = Annotated[
    list[Annotated[str, Query(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]] | None,
    Query(max_length=100, description="Only these key figures (repeat the parameter)."),
]


class Format(StrEnum):
    JSON = "json"
    XLSX = "xlsx"


@router.get(
    "/packages/{package_id}/pdf",
    response_class=Response,
    responses={**READ, 200: {"content": {"application/pdf": {}}}},
    summary="The package as PDF, or one form of it (form=report or a department id)",
)
async def package_pdf(
    package_id: PackageIdPath,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    form: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
) -> Response:
    document = await documents.package_document(uow.session, scope, package_id, form)
    # Read-only: end the transaction so the connection is free while the PDF renders.
    await uow.rollback()
    pdf = await render_pdf_async(document.html)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.filename}"'},
    )


class CellOut(BaseModel):
    value: str | None
    benchmark: str | None
    colour: str


class FigureHistoryOut(BaseModel):
    organisation_id: str
    department_id: str
    code: str
    unit: str
    years: dict[int, CellOut]


class KeyFigureReportOut(BaseModel):
    years: list[int]
    rows: list[FigureHistoryOut]


class DepartmentOut(BaseModel):
    department_id: str
    municipality_code: str | None
    status: str
    figures: dict[str, CellOut]


class OrganisationOut(BaseModel):
    organisation_id: str
    package_id: str
    status: str
    red_figures: int
    yellow_figures: int
    departments: list[DepartmentOut]


class DepartmentReportOut(BaseModel):
    year: int
    codes: list[str]
    organisations: list[OrganisationOut]


def _cell(cell: statistics.Cell) -> CellOut:
    return CellOut(value=cell.value, benchmark=cell.benchmark, colour=cell.colour)


async def _key_figures(
    uow: UnitOfWorkDep,
    scope: Scope | None,
    year: int,
    organisation_id: Any,
    municipality: Any,
    codes: Any,
    fmt: Format,
) -> Any:
    years, rows = await statistics.key_figure_report(
        uow.session,
        scope,
        year=year,
        organisation_id=organisation_id,
        municipality_code=municipality,
        codes=codes,
    )
    if fmt is Format.XLSX:
        return Response(
            statistics.key_figure_workbook(years, rows),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="noegletal-{year}.xlsx"'},
        )
    return KeyFigureReportOut(
        years=years,
        rows=[
            FigureHistoryOut(
                organisation_id=r.organisation_id,
                department_id=r.department_id,
                code=r.code,
                unit=r.unit,
                years={y: _cell(c) for y, c in r.by_year.items()},
            )
            for r in rows
        ],
    )


async def _departments(
    uow: UnitOfWorkDep,
    scope: Scope | None,
    year: int,
    organisation_id: Any,
    municipality: Any,
    fmt: Format,
) -> Any:
    codes, tree = await statistics.department_report(
        uow.session,
        scope,
        year=year,
        organisation_id=organisation_id,
        municipality_code=municipality,
    )
    if fmt is Format.XLSX:
        return Response(
            statistics.department_workbook(year, codes, tree),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="afdelinger-{year}.xlsx"'},
        )
    return DepartmentReportOut(
        year=year,
        codes=codes,
        organisations=[
            OrganisationOut(
                organisation_id=n.organisation_id,
                package_id=n.package_id,
                status=n.status,
                red_figures=n.red,
                yellow_figures=n.yellow,
                departments=[
                    DepartmentOut(
                        department_id=d.department_id,
                        municipality_code=d.municipality_code,
                        status=d.status,
                        figures={c: _cell(v) for c, v in d.figures.items()},
                    )
                    for d in n.departments
                ],
            )
            for n in tree
        ],
    )


STATS_RESPONSES = {**READ, 200: {"content": {"application/json": {}, XLSX: {}}}}


@router.get(
    "/statistics/key-figures",
    response_model=KeyFigureReportOut,
    responses=STATS_RESPONSES,
    summary="Key-figure report: five years of history per department (format=xlsx for Excel)",
)
async def key_figure_statistics(
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    year: Year,
    organisation_id: OrganisationFilter = None,
    municipality_code: MunicipalityFilter = None,
    code: Codes = None,
    format: Format = Format.JSON,
) -> Any:
    return await _key_figures(uow, scope, year, organisation_id, municipality_code, code, format)


@router.get(
    "/statistics/departments",
    response_model=DepartmentReportOut,
    responses=STATS_RESPONSES,
    summary="Department report as a tree: organisation → departments (format=xlsx for Excel)",
)
async def department_statistics(
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    year: Year,
    organisation_id: OrganisationFilter = None,
    municipality_code: MunicipalityFilter = None,
    format: Format = Format.JSON,
) -> Any:
    return await _departments(uow, scope, year, organisation_id, municipality_code, format)


# --- public ----------------------------------------------------------------------------------

PUBLIC = problem_responses({404: "No such published package"})


class PublicPackageOut(BaseModel):
    id: str
    organisation_id: str
    year: int
    status: str
    status_label: str
    home_municipality_code: str
    meeting_held_on: Any


class PublicDepartmentFigures(BaseModel):
    department_id: str
    municipality_code: str | None
    key_figures: list[FigureOut]


class PublicPackageFiguresOut(BaseModel):
    package: PublicPackageOut
    departments: list[PublicDepartmentFigures]


def _public(package: PackageRow) -> PublicPackageOut:
    status = PackageStatus(package.status)
    return PublicPackageOut(
        id=package.id,
        organisation_id=package.organisation_id,
        year=package.year,
        status=status.value,
        status_label=status.label,
        home_municipality_code=package.home_municipality_code,
        meeting_held_on=package.meeting_held_on,
    )


@router.get(
    "/public/packages",
    response_model=list[PublicPackageOut],
    responses=PUBLIC,
    summary="Published packages (the governance meeting has been held); no token needed",
)
async def public_packages(
    uow: UnitOfWorkDep,
    year: Year,
    municipality_code: MunicipalityFilter = None,
    limit: Limit = 100,
    cursor: Annotated[
        str | None,
        Query(max_length=64, pattern=ID_PATTERN, description="The last package id seen."),
    ] = None,
) -> list[PublicPackageOut]:
    rows = await public.published_packages(uow.session, year, municipality_code, cursor, limit)
    return [_public(p) for p in rows]


@router.get(
    "/public/packages/{package_id}/key-figures",
    response_model=PublicPackageFiguresOut,
    responses=PUBLIC,
    summary="A published package's key figures with benchmarks and colours; no token needed",
)
async def public_key_figures(
    package_id: PackageIdPath, uow: UnitOfWorkDep
) -> PublicPackageFiguresOut:
    published = await public.published_figures(uow.session, package_id)
    return PublicPackageFiguresOut(
        package=_public(published.package),
        departments=[
            PublicDepartmentFigures(
                department_id=f.key,
                municipality_code=f.municipality_code,
                key_figures=[
                    fig.model_copy(update={"comment": None, "needs_comment": False})
                    for fig in figures_out(f)
                ],
            )
            for f in published.departments
        ],
    )


@router.get(
    "/public/statistics/key-figures",
    response_model=KeyFigureReportOut,
    responses={**PUBLIC, 200: {"content": {"application/json": {}, XLSX: {}}}},
    summary="Key-figure report of published packages; no token needed",
)
async def public_key_figure_statistics(
    uow: UnitOfWorkDep,
    year: Year,
    organisation_id: OrganisationFilter = None,
    municipality_code: MunicipalityFilter = None,
    code: Codes = None,
    format: Format = Format.JSON,
) -> Any:
    return await _key_figures(uow, None, year, organisation_id, municipality_code, code, format)
