"""Allocation agreements with housing organisations: made by a municipality, public."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from allocation.api.deps import IdPath, SocialScope, agreement_out
from allocation.api.schemas import ID_PATTERN, AgreementIn, AgreementOut
from allocation.services import agreements
from allocation.services.documents import agreement_html
from common.app import UnitOfWorkDep
from common.paging import Cursor, Limit, Page
from common.pdf import render_pdf_async
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


@router.get(
    "/public/agreements/{agreement_id}/document",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The agreement as a PDF"},
        **problem_responses({404: "No such agreement"}),
    },
    summary="The agreement as a downloadable Danish PDF, without a token",
)
async def public_agreement_document(agreement_id: IdPath, uow: UnitOfWorkDep) -> Response:
    row, _ = await agreements.get_agreement(uow, None, agreement_id)
    return Response(
        await render_pdf_async(agreement_html(row)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="udlejningsaftale-{row.id}.pdf"'},
    )
