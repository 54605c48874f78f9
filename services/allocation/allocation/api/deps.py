"""Scopes and row → response mappings shared by the routers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Path

from allocation.api.schemas import (
    ID_PATTERN,
    AgreementOut,
    LogOut,
    MonthOut,
    OfferOut,
    PrivateAgreementOut,
    PropertyOut,
    SubsidyOut,
)
from allocation.db.models import (
    AgreementRow,
    CaseLogRow,
    OfferRow,
    PrivateAgreementRow,
    PropertyRow,
    SubsidyRow,
)
from allocation.domain.subsidy import Month, total
from allocation.services.private import money_of
from allocation.services.roles import PRIVATE_READERS, READERS, SOCIAL_READERS, SUBSIDY_READERS
from common.access import Scope, scope_dependency

AllocationScope = Annotated[Scope, Depends(scope_dependency(READERS, "use the allocation service"))]
SocialScope = Annotated[
    Scope, Depends(scope_dependency(SOCIAL_READERS, "read social-housing allocation agreements"))
]
PrivateScope = Annotated[
    Scope, Depends(scope_dependency(PRIVATE_READERS, "use private-rental allocation rights"))
]
SubsidyScope = Annotated[
    Scope, Depends(scope_dependency(SUBSIDY_READERS, "read rent subsidies and frames"))
]
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


def log_out(rows: Sequence[CaseLogRow]) -> list[LogOut]:
    return [LogOut(action=r.action, actor=r.actor, detail=r.detail, at=r.at) for r in rows]


def agreement_out(row: AgreementRow, log: Sequence[CaseLogRow] = ()) -> AgreementOut:
    return AgreementOut(
        id=row.id,
        municipality_code=row.municipality_code,
        organisation_id=row.organisation_id,
        kind=row.kind,
        housing_type=row.housing_type,
        share=row.share,
        dwelling_ids=list(row.dwelling_ids or ()),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        organisation_consent=row.organisation_consent,
        vacancies_counted=row.counted,
        created_at=row.created_at,
        log=log_out(log),
    )


def offer_out(row: OfferRow, log: Sequence[CaseLogRow] = ()) -> OfferOut:
    return OfferOut(
        id=row.id,
        source=row.source,
        agreement_id=row.agreement_id,
        dwelling_id=row.dwelling_id,
        organisation_id=row.organisation_id,
        property_id=row.property_id,
        substitutes_for=row.substitutes_for,
        municipality_code=row.municipality_code,
        status=row.status,
        is_repeat=row.is_repeat,
        received_on=row.received_on,
        answer_due=row.answer_due,
        available_from=row.available_from,
        notice_to_quit_effective=row.notice_to_quit_effective,
        monthly_rent=row.monthly_rent,
        case_reference=row.case_reference,
        answered_on=row.answered_on,
        let_on=row.let_on,
        rent_until=row.rent_until,
        rent_owed=row.rent_owed,
        compensation_owed=row.compensation_owed,
        version=row.version,
        log=log_out(log),
    )


def subsidy_out(row: SubsidyRow, months: Sequence[Month] | None = None) -> SubsidyOut:
    out = SubsidyOut(
        id=row.id,
        municipality_code=row.municipality_code,
        frame_year=row.frame_year,
        dwelling_id=row.dwelling_id,
        organisation_id=row.organisation_id,
        offer_id=row.offer_id,
        case_reference=row.case_reference,
        monthly_rent=row.monthly_rent,
        move_in=row.move_in,
        move_out=row.move_out,
    )
    if months is not None:
        out.total = total(list(months))
        out.schedule = [
            MonthOut(
                number=m.number,
                period_start=m.period_start,
                period_end=m.period_end,
                rate=m.rate,
                factor=f"{m.factor.numerator}/{m.factor.denominator}",
                amount=m.amount,
                provisional=m.provisional,
            )
            for m in months
        ]
    return out


def property_out(row: PropertyRow) -> PropertyOut:
    return PropertyOut(
        id=row.id,
        landlord_id=row.landlord_id,
        municipality_code=row.municipality_code,
        cadastral_id=row.cadastral_id,
        apartments=row.apartments,
    )


def private_agreement_out(row: PrivateAgreementRow) -> PrivateAgreementOut:
    return PrivateAgreementOut(
        id=row.id,
        property_id=row.property_id,
        landlord_id=row.landlord_id,
        municipality_code=row.municipality_code,
        kind=row.kind,
        apartments_in_property=row.apartments_in_property,
        frequency=row.frequency,
        specific_apartments=list(row.specific_apartments or ()),
        price_per_right=row.price_per_right,
        one_off=row.one_off,
        signed_on=row.signed_on,
        valid_to=row.valid_to,
        refund_promised_on=row.refund_promised_on,
        registered_on=row.registered_on,
        registration_document=row.registration_document,
        uses=row.uses,
        **money_of(row),
    )
