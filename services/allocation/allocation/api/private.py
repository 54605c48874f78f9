"""Private rentals (chapter 7): landlords' properties, agreements, vacancy notices."""

from __future__ import annotations

from fastapi import APIRouter

from allocation.api.deps import (
    IdPath,
    PrivateScope,
    log_out,
    private_agreement_out,
    property_out,
)
from allocation.api.schemas import (
    NoticeIn,
    NoticeOut,
    PrivateAgreementIn,
    PrivateAgreementOut,
    PropertyIn,
    PropertyOut,
    RegistrationIn,
)
from allocation.services import audit, private
from allocation.services.core import today
from common.app import UnitOfWorkDep
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses

router = APIRouter(prefix="/private", tags=["private rentals"])

READ = problem_responses({401: "No or invalid token", 403: "Your role may not", 404: "Not found"})
WRITE = {**READ, **problem_responses({409: "Conflict", 422: "Refused: see 'detail'"})}


@router.post(
    "/properties",
    status_code=201,
    response_model=PropertyOut,
    responses=WRITE,
    summary="Register a rental property (landlord)",
)
async def create_property(body: PropertyIn, scope: PrivateScope, uow: UnitOfWorkDep) -> PropertyOut:
    row = await private.create_property(
        uow,
        scope,
        private.NewProperty(
            body.landlord_id, body.municipality_code, body.cadastral_id, body.apartments
        ),
    )
    return property_out(row)


@router.get(
    "/properties",
    response_model=Page[PropertyOut],
    responses=READ,
    summary="Properties you may see",
)
async def list_properties(
    scope: PrivateScope, uow: UnitOfWorkDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[PropertyOut]:
    page = await private.list_properties(uow, scope, cursor=cursor, limit=limit)
    return Page(items=[property_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get(
    "/properties/{property_id}", response_model=PropertyOut, responses=READ, summary="One property"
)
async def get_property(property_id: IdPath, scope: PrivateScope, uow: UnitOfWorkDep) -> PropertyOut:
    out = property_out(await private.get_property(uow, scope, property_id))
    out.log = log_out(await audit.log_of(uow, "property", property_id))
    return out


@router.post(
    "/agreements",
    status_code=201,
    response_model=PrivateAgreementOut,
    responses=WRITE,
    summary="Make an allocation agreement on a property (municipality)",
)
async def create_agreement(
    body: PrivateAgreementIn, scope: PrivateScope, uow: UnitOfWorkDep
) -> PrivateAgreementOut:
    row = await private.create_private_agreement(
        uow,
        scope,
        private.NewPrivateAgreement(
            property_id=body.property_id,
            kind=body.kind,
            frequency=body.frequency,
            specific_apartments=tuple(body.specific_apartments),
            price_per_right=body.price_per_right,
            one_off=body.one_off,
            signed_on=body.signed_on,
            valid_to=body.valid_to,
            refund_promised_on=body.refund_promised_on,
            registered_on=body.registered_on,
            registration_document=body.registration_document,
            round_offer_id=body.round_offer_id,
        ),
    )
    return private_agreement_out(row)


@router.get(
    "/agreements",
    response_model=Page[PrivateAgreementOut],
    responses=READ,
    summary="Private agreements you may see",
)
async def list_agreements(
    scope: PrivateScope, uow: UnitOfWorkDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[PrivateAgreementOut]:
    page = await private.list_private_agreements(uow, scope, cursor=cursor, limit=limit)
    return Page(items=[private_agreement_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get(
    "/agreements/{agreement_id}",
    response_model=PrivateAgreementOut,
    responses=READ,
    summary="One private agreement with its compensation and refund figures",
)
async def get_agreement(
    agreement_id: IdPath, scope: PrivateScope, uow: UnitOfWorkDep
) -> PrivateAgreementOut:
    out = private_agreement_out(await private.get_private_agreement(uow, scope, agreement_id))
    out.log = log_out(await audit.log_of(uow, "private_agreement", agreement_id))
    return out


@router.post(
    "/agreements/{agreement_id}/registration",
    response_model=PrivateAgreementOut,
    responses=WRITE,
    summary="Record the registration (tinglysning) on the property",
)
async def register(
    agreement_id: IdPath, body: RegistrationIn, scope: PrivateScope, uow: UnitOfWorkDep
) -> PrivateAgreementOut:
    row = await private.register_agreement(
        uow, scope, agreement_id, body.registered_on, body.document
    )
    return private_agreement_out(row)


@router.post(
    "/notices",
    status_code=201,
    response_model=NoticeOut,
    responses=WRITE,
    summary="Report a vacant apartment (landlord); opens an offer when it is the municipality's",
)
async def file_notice(body: NoticeIn, scope: PrivateScope, uow: UnitOfWorkDep) -> NoticeOut:
    result = await private.file_notice(
        uow,
        scope,
        private.NewNotice(
            agreement_id=body.agreement_id,
            apartment_id=body.apartment_id,
            available_from=body.available_from,
            monthly_rent=body.monthly_rent,
            notice_to_quit_effective=body.notice_to_quit_effective,
            substitute_apartment_id=body.substitute_apartment_id,
            substitute_available_from=body.substitute_available_from,
        ),
        today(),
    )
    return NoticeOut(**private.notice_values(result))
