"""Register API: a dwelling as of a date, its history, and the benefit authority's feed.

Field names on the wire are the LBF webservice's Danish names (``BoligUnikIdentifikator``,
``LejekontraktStartDato``, ``Husleje``…); envelope fields of the history (``entity_type``,
``recorded_at``…) keep the names of ``record_versions``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from common.access import Scope
from common.app import UnitOfWorkDep
from common.dates import WireDate, WireDateTime
from common.errors import NotFoundError, PermissionDeniedError
from common.money import DKK
from common.municipalities import MUNICIPALITIES
from common.problems import problem_responses
from register.api.deps import AsOfScope, FeedScope, ReadScope
from register.services import reading
from register.services.reading import (
    DWELLING_WIRE,
    EXPENSE_WIRE,
    FEED_MEDIA_TYPES,
    LEASE_WIRE,
    FeedFormat,
)

router = APIRouter(tags=["history"])

_ERRORS = problem_responses(
    {
        401: "No or an invalid bearer token",
        403: "Your role may not read this",
        404: "Not found, or outside what your token may see",
        422: "A query parameter is not valid (e.g. a bad date)",
    }
)


# --- access ------------------------------------------------------------------------------------


def _ensure_may_read_feed(scope: Scope, municipality_code: str) -> None:
    """A municipality reads only its own feed (403); an unknown municipality code is a 404."""
    if municipality_code not in MUNICIPALITIES:
        raise NotFoundError(f"'{municipality_code}' is not a Danish municipality code.")
    if scope.municipality_code is not None and scope.municipality_code != municipality_code:
        raise PermissionDeniedError(
            f"A municipality reads only its own feed; your token is for "
            f"'{scope.municipality_code}', not '{municipality_code}'."
        )


# --- wire models -------------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class DwellingOut(_Wire):
    id: str = Field(alias=DWELLING_WIRE["id"])
    organisation_id: str = Field(alias="BoligorganisationIdentifikator")
    department_id: str = Field(alias=DWELLING_WIRE["department_id"])
    municipality_code: str = Field(alias="KommuneKode")
    building_section_id: str | None = Field(None, alias=DWELLING_WIRE["building_section_id"])
    bbr_unit_id: str | None = Field(None, alias=DWELLING_WIRE["bbr_unit_id"])
    street: str | None = Field(None, alias=DWELLING_WIRE["street"])
    house_number: str | None = Field(None, alias=DWELLING_WIRE["house_number"])
    floor: str | None = Field(None, alias=DWELLING_WIRE["floor"])
    door: str | None = Field(None, alias=DWELLING_WIRE["door"])
    postcode: str | None = Field(None, alias=DWELLING_WIRE["postcode"])
    city: str | None = Field(None, alias=DWELLING_WIRE["city"])
    rooms: int | None = Field(None, alias=DWELLING_WIRE["rooms"])
    area_m2: Decimal | None = Field(
        None, alias=DWELLING_WIRE["area_m2"], description="m², a decimal string"
    )
    step_free_access: bool | None = Field(None, alias=DWELLING_WIRE["step_free_access"])
    elevator: bool | None = Field(None, alias=DWELLING_WIRE["elevator"])
    wheelchair_accessible: bool | None = Field(None, alias=DWELLING_WIRE["wheelchair_accessible"])


class LeaseOut(_Wire):
    id: str = Field(alias=LEASE_WIRE["id"])
    external_reference: str | None = Field(None, alias=LEASE_WIRE["external_reference"])
    start_date: date = Field(alias=LEASE_WIRE["start_date"])
    end_date: date | None = Field(None, alias=LEASE_WIRE["end_date"])
    allocation_type: str | None = Field(None, alias=LEASE_WIRE["allocation_type"])
    vacancy_loss_flag: bool = Field(alias=LEASE_WIRE["vacancy_loss_flag"])
    vacant_soon_flag: bool = Field(alias=LEASE_WIRE["vacant_soon_flag"])
    deposit: DKK | None = Field(None, alias=LEASE_WIRE["deposit"])
    tenant_name: str | None = Field(
        None,
        alias=LEASE_WIRE["tenant_name"],
        description="Only for the submitting organisation and the fund; always null for a "
        "municipality and the benefit authority.",
    )


class ExpenseLineOut(_Wire):
    expense_type: str = Field(alias=EXPENSE_WIRE["expense_type"])
    monthly_amount: DKK = Field(alias=EXPENSE_WIRE["monthly_amount"])
    valid_from: date = Field(alias=EXPENSE_WIRE["valid_from"])
    valid_to: date | None = Field(None, alias=EXPENSE_WIRE["valid_to"])
    rent_forming: bool = Field(
        alias="HuslejedannendeIndikator",
        description="True for the types summed into Husleje (base rent and surcharges).",
    )


class DwellingAsOfOut(_Wire):
    """The dwelling as of ``Dato`` — as the register knows it now, or as it knew it at
    ``KendtPr``."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "Dato": "2024-05-01",
                    "KendtPr": None,
                    "Bolig": {
                        "BoligUnikIdentifikator": "B-1001",
                        "BoligorganisationIdentifikator": "ORG-1",
                        "AfdelingIdentifikator": "AFD-1",
                        "KommuneKode": "101",
                        "Vejnavn": "Ryesgade",
                        "Husnummer": "12",
                        "Postnummer": "2200",
                        "Bynavn": "København N",
                        "BoligAntalRum": 3,
                        "BoligArealKvadratmeter": "78.00",
                    },
                    "Lejekontrakt": {
                        "LejekontraktUnikIdentifikator": "L-1001-3",
                        "LejekontraktStartDato": "2023-02-01",
                        "LejekontraktSlutDato": None,
                        "AnvisningstypeKode": "external_waiting_list",
                        "LejekontraktTomgangsledigIndikator": False,
                        "LejekontraktLedigIndikator": False,
                    },
                    "Husleje": "6150.00",
                    "Boligudgifter": [
                        {
                            "BoligudgiftTypeKode": "base_rent",
                            "BoligudgiftBeloeb": "5900.00",
                            "BoligudgiftStartDato": "2023-02-01",
                            "BoligudgiftSlutDato": None,
                            "HuslejedannendeIndikator": True,
                        },
                        {
                            "BoligudgiftTypeKode": "improvement_surcharge",
                            "BoligudgiftBeloeb": "250.00",
                            "BoligudgiftStartDato": "2024-01-01",
                            "BoligudgiftSlutDato": None,
                            "HuslejedannendeIndikator": True,
                        },
                        {
                            "BoligudgiftTypeKode": "heating",
                            "BoligudgiftBeloeb": "650.00",
                            "BoligudgiftStartDato": "2023-02-01",
                            "BoligudgiftSlutDato": None,
                            "HuslejedannendeIndikator": False,
                        },
                    ],
                }
            ]
        },
    )

    on: date = Field(alias="Dato")
    known_at: datetime | None = Field(None, alias="KendtPr")
    dwelling: DwellingOut = Field(alias="Bolig")
    lease: LeaseOut | None = Field(
        None, alias="Lejekontrakt", description="The accepted lease in force that day, or null."
    )
    rent: DKK | None = Field(
        None,
        alias="Husleje",
        description="Monthly rent that day: the sum of the lease's rent-forming expense lines "
        "valid that day; null when no lease is in force.",
    )
    expenses: list[ExpenseLineOut] = Field(
        default_factory=list,
        alias="Boligudgifter",
        description="The lease's expense lines valid that day (utilities included, not summed).",
    )

    @classmethod
    def of(cls, found: reading.DwellingAsOf) -> DwellingAsOfOut:
        d, lease, placement = found.dwelling, found.lease, found.placement
        return cls(
            on=found.on,
            known_at=found.known_at,
            dwelling=DwellingOut(
                id=d.id,
                organisation_id=placement.organisation_id,
                department_id=d.department_id,
                municipality_code=placement.municipality_code,
                building_section_id=d.building_section_id,
                bbr_unit_id=d.bbr_unit_id,
                street=d.street,
                house_number=d.house_number,
                floor=d.floor,
                door=d.door,
                postcode=d.postcode,
                city=d.city,
                rooms=d.rooms,
                area_m2=d.area_m2,
                step_free_access=d.step_free_access,
                elevator=d.elevator,
                wheelchair_accessible=d.wheelchair_accessible,
            ),
            lease=None
            if lease is None
            else LeaseOut(
                id=lease.id,
                external_reference=lease.external_reference,
                start_date=lease.start_date,
                end_date=lease.end_date,
                allocation_type=lease.allocation_type,
                vacancy_loss_flag=lease.vacancy_loss_flag,
                vacant_soon_flag=lease.vacant_soon_flag,
                deposit=lease.deposit,
                tenant_name=lease.tenant_name if found.shows_tenant_names else None,
            ),
            rent=found.rent,
            expenses=[
                ExpenseLineOut(
                    expense_type=e.expense_type,
                    monthly_amount=e.monthly_amount,
                    valid_from=e.valid_from,
                    valid_to=e.valid_to,
                    rent_forming=reading.is_rent_forming(e.expense_type),
                )
                for e in found.lines
            ],
        )


class VersionOut(BaseModel):
    entity_type: str = Field(
        description="dwelling | lease | housing_expense", examples=["housing_expense"]
    )
    entity_id: str = Field(examples=["17"])
    version: int = Field(examples=[2])
    recorded_at: datetime
    recorded_by: str = Field(description="The token subject that submitted this version.")
    submission_id: uuid.UUID | None = None
    data: dict[str, Any] = Field(
        description="The record as recorded, under its wire names (LejerNavn only for those "
        "who may see tenant names).",
        examples=[
            {
                "BoligudgiftIdentifikator": 17,
                "LejekontraktUnikIdentifikator": "L-1001-3",
                "BoligudgiftTypeKode": "base_rent",
                "BoligudgiftBeloeb": "5900.00",
                "BoligudgiftStartDato": "2023-02-01",
                "BoligudgiftSlutDato": None,
            }
        ],
    )


class HistoryOut(BaseModel):
    dwelling_id: str = Field(alias="BoligUnikIdentifikator")
    items: list[VersionOut] = Field(description="Newest first (by recorded_at).")
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")

    model_config = ConfigDict(populate_by_name=True)

    @classmethod
    def of(cls, page: reading.HistoryPage) -> HistoryOut:
        following = page.offset + len(page.items)
        return cls(
            dwelling_id=page.placement.dwelling_id,
            items=[
                VersionOut(
                    entity_type=v.entity_type,
                    entity_id=v.entity_id,
                    version=v.version,
                    recorded_at=v.recorded_at,
                    recorded_by=v.recorded_by,
                    submission_id=v.submission_id,
                    data=reading.wire_data(
                        v.entity_type, v.data, tenant_names=page.shows_tenant_names
                    ),
                )
                for v in page.items
            ],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            next_offset=following if following < page.total else None,
        )


# --- routes ------------------------------------------------------------------------------------

DwellingId = Annotated[
    str, Path(description="BoligUnikIdentifikator", examples=["B-1001"], min_length=1)
]
OnDate = Annotated[
    WireDate,
    Query(
        alias="date",
        description="The day asked about (YYYY-MM-DD).",
        openapi_examples={"a day": {"value": "2024-05-01"}},
    ),
]


@router.get(
    "/dwellings/{dwelling_id}/as-of",
    summary="A dwelling, its lease in force and its rent as of a date",
    description=(
        "The dwelling, the accepted lease in force on `date` (its `[start, end]` contains the "
        "day, both ends inclusive; if one lease ends and the next starts that day, the next "
        "one) and `Husleje`, the sum of that lease's rent-forming expense lines valid that "
        "day, with the lines.\n\nWithout `known_at` the answer comes from the current records. "
        "With `known_at` it is the answer the register would have given at that moment: the "
        "latest recorded version of each record with `recorded_at <= known_at`, so a "
        "correction recorded later never changes it.\n\nWho: the submitting organisations "
        "(their own), a municipality (its own, without tenant names), the fund and the "
        "benefit authority (without tenant names)."
    ),
    response_model=DwellingAsOfOut,
    responses=_ERRORS,
)
async def dwelling_as_of(
    dwelling_id: DwellingId,
    on: OnDate,
    scope: AsOfScope,
    uow: UnitOfWorkDep,
    known_at: Annotated[
        WireDateTime | None,
        Query(
            description="Answer as the register knew it at this moment (ISO 8601 with a "
            "timezone offset).",
            openapi_examples={"before a correction": {"value": "2024-06-01T12:00:00+02:00"}},
        ),
    ] = None,
) -> DwellingAsOfOut:
    found = await reading.dwelling_as_of(uow.session, scope, dwelling_id, on, known_at)
    return DwellingAsOfOut.of(found)


@router.get(
    "/dwellings/{dwelling_id}/history",
    summary="Every recorded version of a dwelling, its leases and their expenses",
    description=(
        "Each accepted state of the dwelling, of every lease that belonged to it and of those "
        "leases' housing expenses, as recorded in `record_versions` — with when it was "
        "recorded (`recorded_at`) and by whom (`recorded_by`, the token subject). Newest "
        "first, paged with `limit`/`offset`. Who: the submitting organisations (own), a "
        "municipality (own, without tenant names), the fund."
    ),
    response_model=HistoryOut,
    responses=_ERRORS,
)
async def dwelling_history(
    dwelling_id: DwellingId,
    scope: ReadScope,
    uow: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="Versions to skip.")] = 0,
) -> HistoryOut:
    page = await reading.dwelling_history(
        uow.session, scope, dwelling_id, limit=limit, offset=offset
    )
    return HistoryOut.of(page)


_FEED_EXAMPLE_NDJSON = (
    '{"Dato":"2024-05-01","BoligUnikIdentifikator":"B-1001","BoligorganisationIdentifikator":'
    '"ORG-1","AfdelingIdentifikator":"AFD-1","KommuneKode":"101",…,'
    '"LejekontraktUnikIdentifikator":"L-1001-3","LejekontraktStartDato":"2023-02-01",'
    '"LejekontraktSlutDato":null,"AnvisningstypeKode":"external_waiting_list",'
    '"LejekontraktTomgangsledigIndikator":false,"LejekontraktLedigIndikator":false,'
    '"Husleje":"6150.00"}\n'
)


@router.get(
    "/municipalities/{municipality_code}/as-of",
    summary="Every dwelling of a municipality as of a date (the benefit authority's feed)",
    description=(
        "One record per dwelling in the municipality, ordered by `BoligUnikIdentifikator`: the "
        "dwelling, its accepted lease in force on `date` (lease fields empty when none) and "
        "`Husleje` that day (same rules as `/dwellings/{id}/as-of`, from the current "
        "records). Tenant names are never part of the feed.\n\nThe body is streamed from a "
        "server-side cursor in batches, never built in memory.\n\n"
        "* `format=ndjson` (default): `application/x-ndjson`, one JSON object per line; amounts "
        'as strings with two decimals (`"6150.00"`), dates ISO, flags true/false, missing '
        "values null.\n"
        "* `format=csv`: `text/csv; charset=utf-8` (no BOM), comma-separated, RFC 4180 "
        "quoting, CRLF line ends, a header row with the same names as the NDJSON keys; "
        "amounts with a **`.` decimal point** and two decimals, dates ISO, flags "
        "`true`/`false`, an empty cell for no value.\n\n"
        "Who: the benefit authority and the fund (any municipality), a municipality (its own "
        "code only); everyone else 403. An unknown municipality code is a 404."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The feed, streamed",
            "content": {
                "application/x-ndjson": {"example": _FEED_EXAMPLE_NDJSON},
                "text/csv": {
                    "example": ",".join(reading.FEED_HEADER)
                    + "\r\n2024-05-01,B-1001,ORG-1,AFD-1,101,…,6150.00\r\n"
                },
            },
        },
        **_ERRORS,
    },
)
async def municipality_as_of(
    request: Request,
    municipality_code: Annotated[str, Path(description="Kommunekode (3 digits)", examples=["101"])],
    on: OnDate,
    scope: FeedScope,
    fmt: Annotated[
        FeedFormat, Query(alias="format", description="ndjson (default) or csv")
    ] = FeedFormat.NDJSON,
) -> StreamingResponse:
    _ensure_may_read_feed(scope, municipality_code)
    body = reading.municipality_feed(request.app.state.database.engine, municipality_code, on, fmt)
    filename = f"boliger-{municipality_code}-{on.isoformat()}.{fmt.value}"
    return StreamingResponse(
        body,
        media_type=FEED_MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
