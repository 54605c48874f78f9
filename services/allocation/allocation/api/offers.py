"""Offers to the municipality, answers, and the municipality's summary."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from allocation.api.deps import AllocationScope, IdPath, offer_out
from allocation.api.schemas import (
    ID_PATTERN,
    AgeBucket,
    AnswerIn,
    ClaimDecisionIn,
    FrameOut,
    LetIn,
    OfferOut,
    RestorationClaimIn,
    RestorationClaimOut,
    SummaryOut,
)
from allocation.db.models import RestorationClaimRow
from allocation.domain.offers import OfferSource, OfferStatus
from allocation.services import exports, offers, restoration, summary
from allocation.services.core import today
from common.app import UnitOfWorkDep
from common.dates import WireDate
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses

router = APIRouter(tags=["offers"])

READ = problem_responses({401: "No or invalid token", 403: "Your role may not", 404: "Not found"})


@router.get("/offers", response_model=Page[OfferOut], responses=READ, summary="Offers you may see")
async def list_offers(
    scope: AllocationScope,
    uow: UnitOfWorkDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: OfferStatus | None = None,
    source: OfferSource | None = None,
    organisation_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)
    ] = None,
    received_from: Annotated[
        WireDate | None, Query(ge=date(2000, 1, 1), le=date(2100, 1, 1))
    ] = None,
) -> Page[OfferOut]:
    page = await offers.list_offers(
        uow,
        scope,
        status=status,
        source=source,
        organisation_id=organisation_id,
        opened_from=received_from,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[offer_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get(
    "/offers.xlsx",
    response_class=Response,
    responses={
        **READ,
        200: {"content": {exports.XLSX: {}}, "description": "An Excel workbook"},
    },
    summary="The offers you may see as Excel",
)
async def offers_xlsx(
    scope: AllocationScope, uow: UnitOfWorkDep, status: OfferStatus | None = None
) -> Response:
    content = await exports.offers_xlsx(uow, scope, status.value if status else None)
    return Response(
        content,
        media_type=exports.XLSX,
        headers={"Content-Disposition": 'attachment; filename="anvisningstilbud.xlsx"'},
    )


@router.get("/offers/{offer_id}", response_model=OfferOut, responses=READ, summary="One offer")
async def get_offer(offer_id: IdPath, scope: AllocationScope, uow: UnitOfWorkDep) -> OfferOut:
    row, log = await offers.get_offer(uow, scope, offer_id)
    return offer_out(row, log)


@router.post(
    "/offers/{offer_id}/answer",
    response_model=OfferOut,
    responses={
        **READ,
        **problem_responses(
            {409: "The offer was already answered or lapsed", 422: "Invalid answer"}
        ),
    },
    summary="Accept (with the citizen's case reference) or decline an offer",
)
async def answer_offer(
    offer_id: IdPath, body: AnswerIn, scope: AllocationScope, uow: UnitOfWorkDep
) -> OfferOut:
    row = await offers.answer_offer(
        uow,
        scope,
        offers.AnswerCommand(offer_id, body.answer, body.case_reference),
        today(),
    )
    return offer_out(row)


@router.post(
    "/offers/{offer_id}/let",
    response_model=OfferOut,
    responses={
        **READ,
        **problem_responses({409: "Already reported let", 422: "Refused: see 'detail'"}),
    },
    summary="Report the day a private apartment was let: the rent owed is settled (landlord)",
)
async def report_let(
    offer_id: IdPath, body: LetIn, scope: AllocationScope, uow: UnitOfWorkDep
) -> OfferOut:
    return offer_out(await offers.report_let(uow, scope, offer_id, body.let_on))


@router.get(
    "/summary",
    response_model=SummaryOut,
    responses=READ,
    summary="Dashboard: open offers by age and subsidy frames used (a municipality its own)",
)
async def get_summary(scope: AllocationScope, uow: UnitOfWorkDep) -> SummaryOut:
    result = await summary.summary(uow, scope, today())
    return SummaryOut(
        municipality_code=result.municipality_code,
        open_offers_by_age=[
            AgeBucket(label=k, open_offers=n) for k, n in result.open_offers_by_age
        ],
        frames=[
            FrameOut(
                municipality_code=f.municipality_code,
                year=f.year,
                dwellings=f.dwellings,
                used=f.used,
                left=max(f.dwellings - f.used, 0),
            )
            for f in result.frames
        ],
    )


def claim_out(row: RestorationClaimRow) -> RestorationClaimOut:
    return RestorationClaimOut(
        id=row.id,
        offer_id=row.offer_id,
        municipality_code=row.municipality_code,
        claimant_id=row.claimant_id,
        moved_out_on=row.moved_out_on,
        amount=row.amount,
        description=row.description,
        status=row.status,
        decision_reason=row.decision_reason,
    )


@router.post(
    "/offers/{offer_id}/restoration-claims",
    status_code=201,
    response_model=RestorationClaimOut,
    responses={**READ, **problem_responses({422: "Refused: see 'detail'"})},
    summary="Claim under the municipality's restoration guarantee (organisation or landlord)",
)
async def file_claim(
    offer_id: IdPath, body: RestorationClaimIn, scope: AllocationScope, uow: UnitOfWorkDep
) -> RestorationClaimOut:
    row = await restoration.file_claim(
        uow,
        scope,
        restoration.NewClaim(offer_id, body.moved_out_on, body.amount, body.description),
        today(),
    )
    return claim_out(row)


@router.get(
    "/offers/{offer_id}/restoration-claims",
    response_model=list[RestorationClaimOut],
    responses=READ,
    summary="Restoration claims of an offer",
)
async def list_claims(
    offer_id: IdPath, scope: AllocationScope, uow: UnitOfWorkDep
) -> list[RestorationClaimOut]:
    return [claim_out(r) for r in await restoration.claims_of(uow, scope, offer_id)]


@router.post(
    "/restoration-claims/{claim_id}/decision",
    response_model=RestorationClaimOut,
    responses={
        **READ,
        **problem_responses({409: "Already decided", 422: "Refused: see 'detail'"}),
    },
    summary="Pay or refuse a restoration claim (municipality)",
)
async def decide_claim(
    claim_id: IdPath, body: ClaimDecisionIn, scope: AllocationScope, uow: UnitOfWorkDep
) -> RestorationClaimOut:
    return claim_out(await restoration.decide_claim(uow, scope, claim_id, body.pay, body.reason))
