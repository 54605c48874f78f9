"""Register API: public statistics (aggregates only, small cells suppressed) and municipal
data sheets (kommunale dataark)."""

from __future__ import annotations

import hashlib
import pathlib
import sys
from datetime import date
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Path, Query, Response

from common.app import UnitOfWorkDep
from common.dates import WireDate
from common.problems import problem_responses
from register.api import statistics_schemas as schemas
from register.domain import suppression
from register.domain.codes import HousingType
from register.domain.suppression import SUPPRESSION_NOTE
from register.services import statistics as service
from register.services import statistics_exports
from register.services.statistics_exports import data_sheet_xlsx

router = APIRouter(tags=["statistics"])

# Part of a kept answer's key: the code that renders it, so an answer rendered by another version
# of it is never served.
RENDERING: Final = hashlib.sha256(
    b"".join(
        pathlib.Path(str(module.__file__)).read_bytes()
        for module in (schemas, service, statistics_exports, suppression, sys.modules[__name__])
    )
).hexdigest()[:16]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEM_RESPONSES = problem_responses({404: "Unknown municipality code", 422: "Invalid parameters"})
SUPPRESSION = "\n\nPublic, no token. " + SUPPRESSION_NOTE

Municipality = Annotated[
    str | None,
    Query(pattern=r"^\d{3}$", description="municipality code; omit for the whole country"),
]
Year = Annotated[int, Query(ge=1990, le=2100, description="calendar year")]
HousingTypeQuery = Annotated[
    HousingType | None, Query(description="only this housing type; omit for all")
]


@router.get(
    "/statistics/dwellings",
    summary="Dwellings by housing type and rent band",
    description=(
        "Dwellings in the register on `date` (default: today) by housing type and monthly rent "
        "band (< 3,500 / 3,500–4,499.99 / 4,500–6,500 / > 6,500 DKK, and 'no_rent' for "
        "dwellings without a rent in force). Rent = the rent-forming expenses in force on the "
        "date of the accepted lease in force on the date." + SUPPRESSION
    ),
    responses=PROBLEM_RESPONSES,
)
async def dwellings(
    uow: UnitOfWorkDep,
    municipality: Municipality = None,
    on: Annotated[WireDate | None, Query(alias="date")] = None,
) -> schemas.DwellingStatistics:
    result = await service.dwelling_statistics(
        uow.session, on=on or date.today(), municipality_code=municipality
    )
    return schemas.DwellingStatistics.model_validate(result, from_attributes=True)


@router.get(
    "/statistics/re-lettings",
    summary="Re-lettings in a year by allocation type (seed 003, Table 1)",
    description=(
        service.RELETTING_DEFINITION
        + " Count and share per allocation type, and the sum row. Shares add up to exactly "
        "100.0 when no count is suppressed (largest-remainder rounding)." + SUPPRESSION
    ),
    responses=PROBLEM_RESPONSES,
)
async def re_lettings(
    uow: UnitOfWorkDep,
    year: Year,
    municipality: Municipality = None,
    housing_type: HousingTypeQuery = None,
) -> schemas.RelettingStatistics:
    result = await service.reletting_statistics(
        uow.session,
        year=year,
        municipality_code=municipality,
        housing_type=housing_type.value if housing_type else None,
    )
    return schemas.RelettingStatistics.model_validate(result, from_attributes=True)


@router.get(
    "/statistics/re-lettings/rent-bands",
    summary="Re-lettings in a year by rent band, and the share let by municipal allocation",
    description=(
        service.RENT_BAND_RELETTING_DEFINITION
        + service.RELETTING_DEFINITION
        + " Rent bands as in `/statistics/dwellings`."
        + SUPPRESSION
    ),
    responses=PROBLEM_RESPONSES,
)
async def re_lettings_by_rent_band(
    uow: UnitOfWorkDep,
    year: Year,
    on: Annotated[
        WireDate | None,
        Query(alias="date", description="the rent bands' date; default 1 January after `year`"),
    ] = None,
    municipality: Municipality = None,
    housing_type: HousingTypeQuery = None,
) -> schemas.RelettingsByRentBand:
    result = await service.relettings_by_rent_band(
        uow.session,
        year=year,
        on=on,
        municipality_code=municipality,
        housing_type=housing_type.value if housing_type else None,
    )
    return schemas.RelettingsByRentBand.model_validate(result, from_attributes=True)


@router.get(
    "/statistics/rent-bands/municipalities",
    summary="Every municipality's shares of dwellings per rent band, in one call (Fig. 5)",
    description=(
        "Per municipality with dwellings, and nationally, on `date` (default: today): the "
        "dwellings (of `housing_type`; seed 003's Figure 5 uses `family`) and the count and "
        "share in each monthly rent band (< 3,500 / 3,500–4,499.99 / 4,500–6,500 / > 6,500 "
        "DKK, and 'no_rent'); the shares of an area add up to 100 up to rounding. The counts "
        "are those of `/statistics/dwellings`." + SUPPRESSION
    ),
    responses=PROBLEM_RESPONSES,
)
async def rent_band_shares(
    uow: UnitOfWorkDep,
    on: Annotated[WireDate | None, Query(alias="date", description="as of; default today")] = None,
    housing_type: HousingTypeQuery = None,
) -> schemas.RentBandShares:
    result = await service.rent_band_shares(
        uow.session,
        on=on or date.today(),
        housing_type=housing_type.value if housing_type else None,
    )
    return schemas.RentBandShares.model_validate(result, from_attributes=True)


@router.get(
    "/statistics/municipal-allocation",
    summary="Share of re-lettings allocated by the municipality, per municipality (Fig. 13.b)",
    description=(
        "Per municipality and nationally: re-lettings with allocation type "
        "`municipal_allocation` / all re-lettings in the year. "
        + service.RELETTING_DEFINITION
        + SUPPRESSION
    ),
    responses=PROBLEM_RESPONSES,
)
async def municipal_allocation(
    uow: UnitOfWorkDep, year: Year, housing_type: HousingTypeQuery = None
) -> schemas.MunicipalAllocationStatistics:
    result = await service.municipal_allocation_statistics(
        uow.session, year=year, housing_type=housing_type.value if housing_type else None
    )
    return schemas.MunicipalAllocationStatistics.model_validate(result, from_attributes=True)


@router.get(
    "/statistics/municipal-allocation/stock",
    summary="Share of the stock let by municipal allocation, per municipality (Fig. 13.a)",
    description=(
        "Per municipality and nationally, as of `date` (default: today): dwellings whose lease "
        "in force was let with allocation type `municipal_allocation` / dwellings with a lease "
        "in force. The stock counterpart of `/statistics/municipal-allocation` (re-lettings in "
        "a year, Fig. 13.b). " + service.STOCK_DEFINITION + SUPPRESSION
    ),
    responses=PROBLEM_RESPONSES,
)
async def municipal_allocation_stock(
    uow: UnitOfWorkDep,
    on: Annotated[WireDate | None, Query(alias="date", description="as of; default today")] = None,
    housing_type: HousingTypeQuery = None,
) -> schemas.MunicipalAllocationStockStatistics:
    result = await service.municipal_allocation_stock_statistics(
        uow.session,
        on=on or date.today(),
        housing_type=housing_type.value if housing_type else None,
    )
    return schemas.MunicipalAllocationStockStatistics.model_validate(result, from_attributes=True)


@router.get(
    "/statistics/municipalities/{municipality_code}/data-sheet",
    summary="Municipal data sheet (kommunalt dataark), JSON or XLSX",
    description=(
        "Per organisation and department in the municipality: dwellings by type, average "
        "monthly rent, rent per m², average size (stock as of `date`, default today), "
        "move-outs and re-lettings by allocation type in `year` (default: the year before "
        "`date`). `format=xlsx` returns a workbook with the sheets Kommune, "
        "Boligorganisationer and Afdelinger; suppressed cells show 'x'." + SUPPRESSION
    ),
    responses={
        **PROBLEM_RESPONSES,
        200: {"content": {XLSX: {}}, "description": "JSON, or XLSX with format=xlsx"},
    },
    response_model=schemas.DataSheet,
)
async def data_sheet(
    uow: UnitOfWorkDep,
    municipality_code: Annotated[str, Path(pattern=r"^\d{3}$")],
    on: Annotated[WireDate | None, Query(alias="date")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Response:
    on = on or date.today()
    year = year or on.year - 1
    # The rendered answer is kept (statistics cube, issue 17): served again while none of the
    # municipality's departments, their dwellings, leases or expenses changed.
    key = f"data-sheet:{RENDERING}:{municipality_code}:{on.isoformat()}:{year}:{format}"
    media_type = XLSX if format == "xlsx" else "application/json"
    headers = {}
    if format == "xlsx":
        filename = f"dataark-{municipality_code}-{year}.xlsx"
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    body = await service.kept_answer(uow.session, key, municipality_code)
    if body is None:
        sheet = await service.data_sheet(uow.session, municipality_code, on=on, year=year)
        if format == "xlsx":
            body = data_sheet_xlsx(sheet)
        else:
            model = schemas.DataSheet.model_validate(sheet, from_attributes=True)
            body = model.model_dump_json().encode()
        await service.keep_answer(uow.session, key, sheet, body)
    return Response(content=body, media_type=media_type, headers=headers)
