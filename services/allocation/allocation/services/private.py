"""Private rentals (seed 004 chapter 7): properties, agreements, vacancy notices.

A landlord (role ``landlord``; its token's organisation ids are landlord ids) registers its
properties and reports vacant apartments; the municipality makes the agreement for a property
in its municipality and answers notices (see :mod:`allocation.services.offers`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from allocation.db.models import NoticeRow, OfferRow, PrivateAgreementRow, PropertyRow
from allocation.db.repositories import Repository
from allocation.domain.errors import (
    AgreementExistsError,
    AgreementNotFoundError,
    AgreementRegisteredError,
    ApartmentOfferedError,
    NoticeRuleError,
    PropertyNotFoundError,
    VacancyNoticedError,
)
from allocation.domain.notices import answer_due, check_substitute
from allocation.domain.offers import OfferSource, OfferStatus
from allocation.domain.private import (
    PrivateKind,
    PrivateTerms,
    is_every_nth_turn,
    one_off_refund,
    per_use_refund,
    refund_cap,
)
from allocation.domain.quota import parse_share
from allocation.events import outgoing
from allocation.services.core import new_id, now
from allocation.services.roles import LANDLORD, MUNICIPALITY
from common.access import Scope
from common.db.uow import UnitOfWork
from common.paging import PageOf, decode_cursor, page_of


def private_terms(row: PrivateAgreementRow) -> PrivateTerms:
    return PrivateTerms(
        kind=PrivateKind(row.kind),
        apartments_in_property=row.apartments_in_property,
        price_per_right=row.price_per_right,
        one_off=row.one_off,
        signed_on=row.signed_on,
        frequency=parse_share(row.frequency) if row.frequency else None,
        specific_apartments=frozenset(row.specific_apartments or ()),
        refund_promised_on=row.refund_promised_on,
        registered_on=row.registered_on,
    )


def money_of(row: PrivateAgreementRow) -> dict[str, Decimal | int]:
    terms = private_terms(row)
    return {
        "rights": terms.rights,
        "compensation": terms.compensation,
        "per_use": terms.per_use,
        "refund_cap": refund_cap(terms),
        "one_off_refund": one_off_refund(terms),
        "per_use_refund": per_use_refund(terms),
    }


# --- properties ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewProperty:
    landlord_id: str
    municipality_code: str
    cadastral_id: str
    apartments: int


async def create_property(uow: UnitOfWork, scope: Scope, command: NewProperty) -> PropertyRow:
    scope.require(LANDLORD, "register private rental properties")
    scope.ensure_acts_for(command.landlord_id, "register properties")
    row = PropertyRow(
        id=new_id("prop"),
        landlord_id=command.landlord_id,
        municipality_code=command.municipality_code,
        cadastral_id=command.cadastral_id,
        apartments=command.apartments,
        created_by=scope.subject,
    )
    repo = Repository(uow.session)
    await repo.add(row)
    await repo.log("property", row.id, "registered", scope.subject, f"{row.apartments} apartments.")
    return row


async def get_property(uow: UnitOfWork, scope: Scope, property_id: str) -> PropertyRow:
    row = await Repository(uow.session).property(property_id)
    if row is None or not scope.sees(row.landlord_id, row.municipality_code):
        raise PropertyNotFoundError(
            f"Property {property_id} was not found among those you may see."
        )
    return row


async def list_properties(
    uow: UnitOfWork, scope: Scope, *, cursor: str | None, limit: int
) -> PageOf[PropertyRow]:
    rows = await Repository(uow.session).list_properties(
        scope.filter(PropertyRow.landlord_id, PropertyRow.municipality_code),
        after=decode_cursor(cursor, str),
        limit=limit,
    )
    return page_of(rows, limit, key=lambda r: (r.id,))


# --- agreements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPrivateAgreement:
    property_id: str
    kind: PrivateKind
    frequency: str | None
    specific_apartments: tuple[str, ...]
    price_per_right: Decimal
    one_off: Decimal
    signed_on: date
    valid_to: date
    refund_promised_on: date | None
    registered_on: date | None
    registration_document: str | None
    round_offer_id: str | None = None


async def _check_picked_offer(repo: Repository, command: NewPrivateAgreement) -> None:
    """§ 52: an agreement made on a picked binding offer keeps the offer's terms."""
    if command.round_offer_id is None:
        return
    offer = await repo.round_offer(command.round_offer_id)
    if offer is None or offer.property_id != command.property_id:
        raise NoticeRuleError(
            f"Offer {command.round_offer_id} is not a binding offer for property "
            f"{command.property_id}."
        )
    if offer.decision != "picked":
        raise NoticeRuleError(
            f"Offer {offer.id} was not picked ({offer.decision}); pick it after the deadline first."
        )
    same = (
        offer.kind == command.kind.value
        and offer.frequency == command.frequency
        and sorted(offer.specific_apartments or ()) == sorted(command.specific_apartments)
        and offer.price_per_right == command.price_per_right
    )
    if not same:
        raise NoticeRuleError(
            f"§ 52: the agreement must keep the binding offer's terms ({offer.kind}, "
            f"{offer.frequency or ', '.join(offer.specific_apartments)}, "
            f"{offer.price_per_right} DKK per right)."
        )


async def create_private_agreement(
    uow: UnitOfWork, scope: Scope, command: NewPrivateAgreement
) -> PrivateAgreementRow:
    scope.require(MUNICIPALITY, "make allocation agreements with private landlords")
    repo = Repository(uow.session)
    prop = await get_property(uow, scope, command.property_id)
    if command.valid_to < command.signed_on:
        raise NoticeRuleError("The agreement cannot end before it is signed.")
    terms = PrivateTerms(
        kind=command.kind,
        apartments_in_property=prop.apartments,
        price_per_right=command.price_per_right,
        one_off=command.one_off,
        signed_on=command.signed_on,
        frequency=parse_share(command.frequency) if command.frequency else None,
        specific_apartments=frozenset(command.specific_apartments),
        refund_promised_on=command.refund_promised_on,
        registered_on=command.registered_on,
    )
    await repo.hold_cadastre(prop.cadastral_id)
    if await repo.private_agreement_of_cadastre(prop.cadastral_id) is not None:
        raise AgreementExistsError(
            f"§ 53(1): property {prop.id} (cadastral {prop.cadastral_id.upper()}) already has "
            "(or had) an allocation agreement; no new agreement can be made on it."
        )
    await _check_picked_offer(repo, command)
    row = PrivateAgreementRow(
        id=new_id("pagr"),
        property_id=prop.id,
        landlord_id=prop.landlord_id,
        municipality_code=prop.municipality_code,
        kind=command.kind.value,
        apartments_in_property=prop.apartments,
        frequency=command.frequency,
        specific_apartments=sorted(terms.specific_apartments),
        price_per_right=command.price_per_right,
        one_off=command.one_off,
        signed_on=command.signed_on,
        valid_to=command.valid_to,
        refund_promised_on=command.refund_promised_on,
        registered_on=command.registered_on,
        registration_document=command.registration_document,
        vacancies_counted=0,
        uses=0,
        created_by=scope.subject,
        version=1,
    )
    try:
        async with uow.session.begin_nested():
            await repo.add(row)
    except IntegrityError:
        raise AgreementExistsError(
            f"§ 53(1): property {prop.id} already has an allocation agreement."
        ) from None
    await repo.log(
        "private_agreement",
        row.id,
        "signed",
        scope.subject,
        f"{terms.rights} right(s), compensation {terms.compensation} DKK "
        f"(one-off {terms.one_off} DKK, {terms.per_use} DKK per use)"
        + (f"; on binding offer {command.round_offer_id} (§ 52)" if command.round_offer_id else "")
        + ".",
    )
    uow.record_event(outgoing.private_agreement_signed(row, now()))
    return row


async def get_private_agreement(
    uow: UnitOfWork, scope: Scope, agreement_id: str, *, lock: bool = False
) -> PrivateAgreementRow:
    row = await Repository(uow.session).private_agreement(agreement_id, lock=lock)
    if row is None or not scope.sees(row.landlord_id, row.municipality_code):
        raise AgreementNotFoundError(
            f"Agreement {agreement_id} was not found among those you may see."
        )
    return row


async def list_private_agreements(
    uow: UnitOfWork, scope: Scope, *, cursor: str | None, limit: int
) -> PageOf[PrivateAgreementRow]:
    rows = await Repository(uow.session).list_private_agreements(
        scope.filter(PrivateAgreementRow.landlord_id, PrivateAgreementRow.municipality_code),
        after=decode_cursor(cursor, str),
        limit=limit,
    )
    return page_of(rows, limit, key=lambda r: (r.id,))


async def register_agreement(
    uow: UnitOfWork, scope: Scope, agreement_id: str, registered_on: date, document: str
) -> PrivateAgreementRow:
    """§ 53(2): the municipality records the registration (tinglysning) on the property."""
    scope.require(MUNICIPALITY, "record the registration of an agreement")
    # row-locked: of two registrations at once the second waits and finds it recorded
    row = await get_private_agreement(uow, scope, agreement_id, lock=True)
    if registered_on < row.signed_on:
        raise NoticeRuleError("The agreement cannot be registered before it is signed.")
    if row.registered_on is not None:
        # the one-off's refund is claimed in the quarter of registration: a changed date would
        # claim it a second time
        raise AgreementRegisteredError(
            f"Agreement {row.id} was registered on {row.registered_on} "
            f"(document {row.registration_document}); the registration is recorded once."
        )
    row.registered_on = registered_on
    row.registration_document = document
    row.version += 1
    await Repository(uow.session).log(
        "private_agreement",
        row.id,
        "registered",
        scope.subject,
        f"Registered on the property on {registered_on} (document {document}).",
    )
    return row


# --- vacancy notices -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewNotice:
    agreement_id: str
    apartment_id: str
    available_from: date
    monthly_rent: Decimal
    notice_to_quit_effective: date
    substitute_apartment_id: str | None = None
    substitute_available_from: date | None = None


@dataclass(frozen=True, slots=True)
class NoticeResult:
    notice: NoticeRow
    offer: OfferRow | None


async def file_notice(
    uow: UnitOfWork, scope: Scope, command: NewNotice, today: date
) -> NoticeResult:
    """The landlord reports a vacant apartment (§ 56(1)). It is the municipality's when the
    apartment has a live repeat right, is listed (specific), or — every-nth — the vacancy
    count says so and uses are left. Then an offer opens with the 7-weekday deadline."""
    scope.require(LANDLORD, "report vacant apartments")
    repo = Repository(uow.session)
    agreement = await repo.private_agreement(command.agreement_id, lock=True)
    if agreement is None or not scope.sees(agreement.landlord_id, agreement.municipality_code):
        raise AgreementNotFoundError(
            f"Agreement {command.agreement_id} was not found among those you may see."
        )
    if not agreement.signed_on <= command.available_from <= agreement.valid_to:
        raise NoticeRuleError(
            f"The apartment is vacant from {command.available_from}, outside the agreement's "
            f"period {agreement.signed_on} to {agreement.valid_to}."
        )
    if command.notice_to_quit_effective < command.available_from:
        raise NoticeRuleError(
            "notice_to_quit_effective (when a notice to quit would have taken effect) cannot "
            "be before the apartment is available."
        )
    pending = await repo.open_offer_of_apartment(agreement.id, command.apartment_id)
    if pending is not None:
        raise ApartmentOfferedError(
            f"Apartment {command.apartment_id} is already offered to the municipality on offer "
            f"{pending.id} (received {pending.received_on}, answer due {pending.answer_due}); "
            "a second notice of the same vacancy would count and pay it twice."
        )
    earlier = await repo.notice_overlapping(
        agreement.id,
        command.apartment_id,
        command.available_from,
        command.notice_to_quit_effective,
    )
    if earlier is not None:
        noticed, ended = earlier
        raise VacancyNoticedError(
            f"Apartment {command.apartment_id} was already reported vacant from "
            f"{noticed.available_from} (notice {noticed.id}, received {noticed.received_on}); "
            f"that vacancy runs until {ended} (the day it was let, or else when a notice to quit "
            "would have taken effect), and a vacancy is counted once. A new vacancy of the "
            f"apartment can be reported from {ended} on."
        )
    terms = private_terms(agreement)
    right = await repo.apartment_right(agreement.id, command.apartment_id)
    is_repeat = (
        right is not None
        and right.ended_on is None
        and command.available_from <= right.repeats_until
    )
    number: int | None = None
    offered_apartment = command.apartment_id
    offered_from = command.available_from
    if command.substitute_apartment_id is not None:
        check_substitute(
            right_live=is_repeat,
            vacant_from=command.available_from,
            substitute_available_from=command.substitute_available_from or command.available_from,
        )
        offered_apartment = command.substitute_apartment_id
        offered_from = command.substitute_available_from or command.available_from
    # a right on an open offer is spoken for: its acceptance (or silence) will use it
    rights_left = terms.rights - agreement.uses - await repo.open_first_uses(agreement.id)
    if is_repeat:
        municipal = True
    elif terms.kind is PrivateKind.SPECIFIC:
        if command.apartment_id not in terms.specific_apartments:
            raise NoticeRuleError(
                f"Apartment {command.apartment_id} is not among the agreement's apartments; "
                "only those are reported."
            )
        municipal = right is None and rights_left > 0
    else:
        assert terms.frequency is not None
        agreement.vacancies_counted += 1
        number = agreement.vacancies_counted
        municipal = rights_left > 0 and is_every_nth_turn(terms.frequency, number)
    notice = NoticeRow(
        id=new_id("ntc"),
        agreement_id=agreement.id,
        landlord_id=agreement.landlord_id,
        apartment_id=command.apartment_id,
        received_on=today,
        available_from=command.available_from,
        notice_to_quit_effective=command.notice_to_quit_effective,
        number=number,
        municipal=municipal,
    )
    offer: OfferRow | None = None
    if municipal:
        offer = OfferRow(
            id=new_id("off"),
            source=OfferSource.PRIVATE.value,
            agreement_id=agreement.id,
            dwelling_id=offered_apartment,
            organisation_id=agreement.landlord_id,
            property_id=agreement.property_id,
            substitutes_for=command.apartment_id
            if offered_apartment != command.apartment_id
            else None,
            municipality_code=agreement.municipality_code,
            status=OfferStatus.OPEN.value,
            is_repeat=is_repeat,
            received_on=today,
            answer_due=answer_due(today),
            available_from=offered_from,
            notice_to_quit_effective=command.notice_to_quit_effective,
            monthly_rent=command.monthly_rent,
            version=1,
        )
        await repo.add(offer)
        notice.offer_id = offer.id
        await repo.log(
            "offer",
            offer.id,
            "opened",
            scope.subject,
            f"Landlord's notice: apartment {command.apartment_id} vacant from "
            f"{command.available_from}{' (repeat, § 51(4))' if is_repeat else ''}"
            + (
                f"; the landlord offers the equivalent apartment {offered_apartment} from "
                f"{offered_from} instead (§ 51(4), 2nd sentence)"
                if offer.substitutes_for
                else ""
            )
            + f"; answer due {offer.answer_due}.",
        )
        uow.record_event(outgoing.offer_opened(offer, now()))
    await repo.add(notice)
    if is_repeat:
        kind = "a repeat of the apartment's right (§ 51(4))"
    elif number is not None:
        kind = f"vacancy {number} of the count"
    else:
        kind = "a listed apartment"
    await repo.log(
        "private_agreement",
        agreement.id,
        "notice",
        scope.subject,
        f"Notice {notice.id}: apartment {command.apartment_id} vacant from "
        f"{command.available_from}, {kind}; "
        + (f"the municipality's (offer {offer.id})." if offer else "not the municipality's."),
    )
    return NoticeResult(notice, offer)


def notice_values(result: NoticeResult) -> dict[str, Any]:
    return {
        "id": result.notice.id,
        "agreement_id": result.notice.agreement_id,
        "apartment_id": result.notice.apartment_id,
        "received_on": result.notice.received_on,
        "vacancy_number": result.notice.number,
        "municipal": result.notice.municipal,
        "offer_id": result.notice.offer_id,
        "answer_due": result.offer.answer_due if result.offer else None,
        "is_repeat": result.offer.is_repeat if result.offer else False,
        "offered_apartment_id": result.offer.dwelling_id if result.offer else None,
    }
