"""Register API: the public vacancy listing (danmarkbolig feed) and monthly vacancy counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from common.app import UnitOfWorkDep
from common.dates import WireDate, WireMonth
from common.paging import Cursor
from register.api import statistics_schemas as schemas
from register.api.deps import ReadScope
from register.db.queries_statistics import ListingFilter
from register.domain.codes import HousingType
from register.services import statistics as service
from register.services.statistics_exports import monthly_vacancy_csv

router = APIRouter(tags=["vacancy"])

PROBLEM = {"description": "Invalid parameters (problem+json)"}


@router.get(
    "/vacancy/listings",
    summary="Dwellings about to become vacant (public, no token)",
    description=(
        "Dwellings whose accepted lease in force on `date` (default: today) carries "
        "`LejekontraktLedigIndikator`: the feed behind danmarkbolig.dk. Monthly rent is the sum "
        "of the rent-forming expenses in force on `date`. Never tenant names or the "
        "organisations' internal fields.\n\n"
        "**Keyset pagination**: items are ordered by (postcode, dwelling id); pass the "
        "returned `next_cursor` as `cursor` to get the next page (`null` = last page). Pages "
        "never repeat or skip a dwelling that stays listed while you page, also when dwellings "
        "are added meanwhile."
    ),
    responses={422: PROBLEM},
)
async def vacancy_listings(
    uow: UnitOfWorkDep,
    on: Annotated[
        WireDate | None, Query(alias="date", description="as of this date (default: today)")
    ] = None,
    municipality: Annotated[
        str | None, Query(pattern=r"^\d{3}$", description="municipality code, e.g. 101")
    ] = None,
    postcode: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    housing_type: Annotated[HousingType | None, Query()] = None,
    min_rooms: Annotated[int | None, Query(ge=1, le=99)] = None,
    max_rooms: Annotated[int | None, Query(ge=1, le=99)] = None,
    max_rent: Annotated[
        Decimal | None, Query(ge=0, le=10_000_000, description="DKK a month, inclusive")
    ] = None,
    min_area: Annotated[Decimal | None, Query(ge=0, le=100_000, description="m²")] = None,
    step_free: Annotated[bool, Query(description="true: only step-free access")] = False,
    wheelchair: Annotated[bool, Query(description="true: only wheelchair-accessible")] = False,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    cursor: Cursor = None,
) -> schemas.VacancyPage:
    flt = ListingFilter(
        on=on or date.today(),
        municipality_code=municipality,
        postcode=postcode,
        housing_type=housing_type.value if housing_type else None,
        min_rooms=min_rooms,
        max_rooms=max_rooms,
        max_rent=max_rent,
        min_area=min_area,
        step_free=step_free,
        wheelchair=wheelchair,
    )
    page = await service.vacancy_listing(uow.session, flt, cursor=cursor, limit=limit)
    return schemas.VacancyPage.model_validate(page, from_attributes=True)


@router.get(
    "/vacancy/monthly",
    summary="Monthly vacancy (tomgang) counts per organisation and department",
    description=(
        "Replaces the monthly vacancy report. "
        + service.VACANCY_DEFINITION
        + "\n\nAccess: an organisation sees its own organisations, a municipality the "
        "departments in its municipality, the fund everything; other roles get 403. "
        "`format=csv` returns one line per department."
    ),
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"},
        403: {"description": "Role may not read vacancy counts (problem+json)"},
        404: {"description": "Organisation not found or not visible (problem+json)"},
        422: PROBLEM,
    },
    response_model=schemas.MonthlyVacancy,
)
async def monthly_vacancy(
    scope: ReadScope,
    uow: UnitOfWorkDep,
    month: Annotated[WireMonth, Query(description="YYYY-MM")],
    organisation: Annotated[
        str | None, Query(max_length=200, description="only this organisation")
    ] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> schemas.MonthlyVacancy | Response:
    report = await service.monthly_vacancy(
        uow.session, scope, month=month, organisation_id=organisation
    )
    if format == "csv":
        return Response(
            content=monthly_vacancy_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="tomgang-{month}.csv"'},
        )
    return schemas.MonthlyVacancy.model_validate(report, from_attributes=True)
