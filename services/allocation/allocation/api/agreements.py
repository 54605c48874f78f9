"""Allocation agreements with housing organisations: made by a municipality, public."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from allocation.api.deps import IdPath, SocialScope, agreement_out
from allocation.api.schemas import ID_PATTERN, AgreementIn, AgreementOut
from allocation.db.models import AgreementRow
from allocation.services import agreements
from common.app import UnitOfWorkDep
from common.money import format_date_da
from common.municipalities import MUNICIPALITIES
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses

router = APIRouter(tags=["agreements"])

READ = problem_responses({401: "No or invalid token", 403: "Your role may not", 404: "Not found"})
WRITE = {**READ, **problem_responses({422: "The agreement breaks a rule: see 'detail'"})}
MunicipalityQuery = Annotated[str | None, Query(pattern=r"^\d{3}$")]
OrganisationQuery = Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)]


@router.post(
    "/agreements",
    status_code=201,
    response_model=AgreementOut,
    responses=WRITE,
    summary="Make an allocation agreement (udlejningsaftale) for your municipality",
)
async def create_agreement(
    body: AgreementIn, scope: SocialScope, uow: UnitOfWorkDep
) -> AgreementOut:
    row = await agreements.create_agreement(
        uow,
        scope,
        agreements.NewAgreement(
            organisation_id=body.organisation_id,
            kind=body.kind,
            housing_type=body.housing_type,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            share=body.share,
            dwelling_ids=tuple(body.dwelling_ids),
            organisation_consent=body.organisation_consent,
        ),
    )
    return agreement_out(row)


@router.get(
    "/agreements",
    response_model=Page[AgreementOut],
    responses=READ,
    summary="Agreements you may see (a municipality its own, an organisation its own)",
)
async def list_agreements(
    scope: SocialScope,
    uow: UnitOfWorkDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    municipality_code: MunicipalityQuery = None,
    organisation_id: OrganisationQuery = None,
) -> Page[AgreementOut]:
    page = await agreements.list_agreements(
        uow,
        scope,
        municipality_code=municipality_code,
        organisation_id=organisation_id,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[agreement_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get(
    "/agreements/{agreement_id}",
    response_model=AgreementOut,
    responses=READ,
    summary="One agreement with its case log",
)
async def get_agreement(
    agreement_id: IdPath, scope: SocialScope, uow: UnitOfWorkDep
) -> AgreementOut:
    row, log = await agreements.get_agreement(uow, scope, agreement_id)
    return agreement_out(row, log)


@router.get(
    "/public/agreements",
    response_model=Page[AgreementOut],
    responses=problem_responses({422: "Invalid filter or cursor"}),
    summary="Every allocation agreement, without a token (agreements must be public)",
)
async def public_agreements(
    uow: UnitOfWorkDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    municipality_code: MunicipalityQuery = None,
    organisation_id: OrganisationQuery = None,
) -> Page[AgreementOut]:
    page = await agreements.list_agreements(
        uow,
        None,
        municipality_code=municipality_code,
        organisation_id=organisation_id,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[agreement_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get(
    "/public/agreements/{agreement_id}",
    response_model=AgreementOut,
    responses=problem_responses({404: "No such agreement"}),
    summary="One agreement, without a token",
)
async def public_agreement(agreement_id: IdPath, uow: UnitOfWorkDep) -> AgreementOut:
    row, _ = await agreements.get_agreement(uow, None, agreement_id)
    return agreement_out(row)


HOUSING_TYPES_DA = {"family": "familieboliger", "youth": "ungdomsboliger"}


def agreement_document(row: AgreementRow) -> str:
    """The agreement as a plain Danish text document (agreements must be public)."""
    municipality = MUNICIPALITIES.get(row.municipality_code, row.municipality_code)
    kind = HOUSING_TYPES_DA.get(row.housing_type, row.housing_type)
    if row.kind == "quota":
        numerator, _, denominator = (row.share or "1/4").partition("/")
        right = (
            f"Kommunen har ret til at anvise {numerator} af hver {denominator} ledige {kind} "
            f"hos boligorganisationen i kommunen"
            + (" efter aftale med boligorganisationen." if row.organisation_consent else ".")
        )
    else:
        right = f"Kommunen anviser følgende {kind}, hver gang de bliver ledige: " + ", ".join(
            row.dwelling_ids or ()
        )
    period = (
        f"fra {format_date_da(row.valid_from)} til {format_date_da(row.valid_to)}"
        if row.valid_to
        else f"fra {format_date_da(row.valid_from)} og indtil videre"
    )
    return (
        f"Udlejningsaftale {row.id}\n\n"
        f"Parter: {municipality} (kommunekode {row.municipality_code}) og boligorganisation "
        f"{row.organisation_id}.\n\n"
        f"{right}\n\n"
        f"Aftalen gælder {period}.\n\n"
        "Kommunen betaler lejen fra det tidspunkt, hvor en ledig bolig er til rådighed for "
        "kommunen, og indtil udlejning sker, og garanterer for lejerens istandsættelse ved "
        "fraflytning.\n"
    )


@router.get(
    "/public/agreements/{agreement_id}/document",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The agreement as a text document"},
        **problem_responses({404: "No such agreement"}),
    },
    summary="The agreement as a downloadable Danish document, without a token",
)
async def public_agreement_document(agreement_id: IdPath, uow: UnitOfWorkDep) -> Response:
    row, _ = await agreements.get_agreement(uow, None, agreement_id)
    return Response(
        agreement_document(row),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="udlejningsaftale-{row.id}.txt"'},
    )
