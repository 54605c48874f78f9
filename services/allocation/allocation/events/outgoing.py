"""Domain changes → versioned contracts (written to the outbox by the use cases)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from allocation.db.models import AgreementRow, OfferRow, PrivateAgreementRow, SubsidyRow
from common.events.contracts import (
    AgreementSignedV1,
    OfferAnsweredV1,
    OfferDeadlineApproachingV1,
    OfferLapsedV1,
    OfferOpenedV1,
    OfferSource,
    SubsidyEndedV1,
    SubsidyFrameSetV1,
    SubsidyGrantedV1,
    to_envelope,
)
from common.events.envelope import Envelope


def _offer_fields(offer: OfferRow) -> dict[str, object]:
    return {
        "offer_id": offer.id,
        "offer_source": OfferSource(offer.source),
        "agreement_id": offer.agreement_id,
        "dwelling_id": offer.dwelling_id,
        "organisation_id": offer.organisation_id,
        "municipality_code": offer.municipality_code,
    }


def offer_opened(offer: OfferRow, at: datetime) -> Envelope:
    return to_envelope(
        OfferOpenedV1(
            **_offer_fields(offer),
            available_from=offer.available_from,
            answer_due=offer.answer_due,
            is_repeat=offer.is_repeat,
            opened_at=at,
        )
    )


def social_offer_opened(offer: Mapping[str, Any], at: datetime) -> Envelope:
    """The same contract from the plain values of a social offer opened in a batch."""
    return to_envelope(
        OfferOpenedV1(
            offer_id=offer["id"],
            offer_source=OfferSource.SOCIAL,
            agreement_id=offer["agreement_id"],
            dwelling_id=offer["dwelling_id"],
            organisation_id=offer["organisation_id"],
            municipality_code=offer["municipality_code"],
            available_from=offer["available_from"],
            answer_due=offer["answer_due"],
            is_repeat=False,
            opened_at=at,
        )
    )


def offer_answered(offer: OfferRow, at: datetime) -> Envelope:
    assert offer.answered_on is not None
    return to_envelope(
        OfferAnsweredV1(
            **_offer_fields(offer),
            status=offer.status,
            case_reference=offer.case_reference,
            answered_on=offer.answered_on,
            answered_at=at,
            available_from=offer.available_from,
        )
    )


def offer_deadline_approaching(offer: OfferRow, today: date) -> Envelope:
    return to_envelope(
        OfferDeadlineApproachingV1(
            **_offer_fields(offer),
            answer_due=offer.answer_due,
            reminded_on=today,
        )
    )


def offer_lapsed(offer: OfferRow, lapsed_on: date, repeat_right_ended: bool) -> Envelope:
    return to_envelope(
        OfferLapsedV1(
            **_offer_fields(offer),
            answer_due=offer.answer_due,
            lapsed_on=lapsed_on,
            rent_until=offer.rent_until,
            rent_owed=offer.rent_owed,
            compensation_owed=offer.compensation_owed,
            repeat_right_ended=repeat_right_ended,
        )
    )


def subsidy_granted(
    subsidy: SubsidyRow, first_amount: object, at: datetime, frame_dwellings: int | None = None
) -> Envelope:
    return to_envelope(
        SubsidyGrantedV1(
            subsidy_id=subsidy.id,
            municipality_code=subsidy.municipality_code,
            frame_year=subsidy.frame_year,
            dwelling_id=subsidy.dwelling_id,
            organisation_id=subsidy.organisation_id,
            monthly_rent=subsidy.monthly_rent,
            move_in=subsidy.move_in,
            first_monthly_amount=first_amount,
            granted_at=at,
            frame_dwellings=frame_dwellings,
        )
    )


def subsidy_ended(subsidy: SubsidyRow, at: datetime) -> Envelope:
    assert subsidy.move_out is not None
    return to_envelope(
        SubsidyEndedV1(
            subsidy_id=subsidy.id,
            municipality_code=subsidy.municipality_code,
            frame_year=subsidy.frame_year,
            dwelling_id=subsidy.dwelling_id,
            organisation_id=subsidy.organisation_id,
            move_in=subsidy.move_in,
            move_out=subsidy.move_out,
            ended_at=at,
        )
    )


def frame_set(municipality_code: str, year: int, dwellings: int, at: datetime) -> Envelope:
    return to_envelope(
        SubsidyFrameSetV1(
            frame_id=f"{municipality_code}-{year}",
            municipality_code=municipality_code,
            year=year,
            dwellings=dwellings,
            set_at=at,
        )
    )


def agreement_signed(agreement: AgreementRow, at: datetime) -> Envelope:
    return to_envelope(
        AgreementSignedV1(
            agreement_id=agreement.id,
            kind=agreement.kind,
            municipality_code=agreement.municipality_code,
            counterpart_id=agreement.organisation_id,
            valid_from=agreement.valid_from,
            valid_to=agreement.valid_to,
            signed_at=at,
        )
    )


def private_agreement_signed(agreement: PrivateAgreementRow, at: datetime) -> Envelope:
    return to_envelope(
        AgreementSignedV1(
            agreement_id=agreement.id,
            kind=agreement.kind,
            municipality_code=agreement.municipality_code,
            counterpart_id=agreement.landlord_id,
            valid_from=agreement.signed_on,
            valid_to=agreement.valid_to,
            signed_at=at,
        )
    )
