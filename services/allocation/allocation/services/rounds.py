"""§ 52 invitation rounds: every private landlord in the municipality is invited at the same
time, with one deadline and the same basis; landlords give binding offers for a property; after
the deadline the municipality picks or rejects each (an agreement is then made as usual)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from allocation.db.models import InvitationRoundRow, RoundOfferRow
from allocation.db.repositories import Repository
from allocation.domain.duty import check_round_decidable, check_round_open
from allocation.domain.errors import (
    AgreementExistsError,
    AgreementNotFoundError,
    NoticeRuleError,
    OfferClosedError,
)
from allocation.domain.private import PrivateKind, PrivateTerms
from allocation.domain.quota import parse_share
from allocation.services.core import new_id, now
from allocation.services.private import get_property
from allocation.services.roles import LANDLORD, MUNICIPALITY
from common.access import Scope
from common.db.uow import UnitOfWork
from common.paging import PageOf, decode_cursor, page_of


async def open_round(
    uow: UnitOfWork, scope: Scope, deadline: date, basis: str, today: date
) -> InvitationRoundRow:
    scope.require(MUNICIPALITY, "invite private landlords")
    assert scope.municipality_code is not None
    if deadline <= today:
        raise NoticeRuleError("The invitation's deadline must lie after today.")
    row = InvitationRoundRow(
        id=new_id("rnd"),
        municipality_code=scope.municipality_code,
        deadline=deadline,
        basis=basis,
        created_by=scope.subject,
    )
    repo = Repository(uow.session)
    await repo.add(row)
    await repo.log("round", row.id, "opened", scope.subject, f"Offers by {deadline}.")
    return row


async def _round(uow: UnitOfWork, scope: Scope, round_id: str) -> InvitationRoundRow:
    repo = Repository(uow.session)
    row = await repo.invitation_round(round_id)
    visible = row is not None and (
        scope.sees(None, row.municipality_code)
        if not scope.is_organisation
        else row.municipality_code
        in await repo.landlord_municipalities(sorted(scope.organisation_ids or ()))
    )
    if row is None or not visible:
        raise AgreementNotFoundError(f"Invitation round {round_id} was not found.")
    return row


async def get_round(
    uow: UnitOfWork, scope: Scope, round_id: str
) -> tuple[InvitationRoundRow, list[RoundOfferRow]]:
    """A round; the municipality and the fund see every offer, a landlord only its own."""
    row = await _round(uow, scope, round_id)
    offers = list(await Repository(uow.session).round_offers(row.id))
    if scope.is_organisation:
        offers = [o for o in offers if scope.acts_for(o.landlord_id)]
    return row, offers


async def list_rounds(
    uow: UnitOfWork, scope: Scope, *, cursor: str | None, limit: int
) -> PageOf[InvitationRoundRow]:
    repo = Repository(uow.session)
    codes: list[str] | None = None
    if scope.is_organisation:
        codes = await repo.landlord_municipalities(sorted(scope.organisation_ids or ()))
    elif scope.municipality_code is not None:
        codes = [scope.municipality_code]
    rows = await repo.list_rounds(codes, after=decode_cursor(cursor, str), limit=limit)
    return page_of(rows, limit, key=lambda r: (r.id,))


@dataclass(frozen=True, slots=True)
class NewRoundOffer:
    round_id: str
    property_id: str
    kind: PrivateKind
    frequency: str | None
    specific_apartments: tuple[str, ...]
    price_per_right: Decimal


async def give_offer(
    uow: UnitOfWork, scope: Scope, command: NewRoundOffer, today: date
) -> RoundOfferRow:
    scope.require(LANDLORD, "give offers in an invitation round")
    round_ = await _round(uow, scope, command.round_id)
    check_round_open(round_.deadline, today)
    prop = await get_property(uow, scope, command.property_id)
    if prop.municipality_code != round_.municipality_code:
        raise NoticeRuleError("The property lies in another municipality than the invitation.")
    PrivateTerms(  # the offer must be one the law allows (§ 51)
        kind=command.kind,
        apartments_in_property=prop.apartments,
        price_per_right=command.price_per_right,
        one_off=Decimal(0),
        signed_on=today,
        frequency=parse_share(command.frequency) if command.frequency else None,
        specific_apartments=frozenset(command.specific_apartments),
    )
    repo = Repository(uow.session)
    if await repo.private_agreement_of_cadastre(prop.cadastral_id) is not None:
        raise AgreementExistsError(
            f"§ 53(1): property {prop.id} (cadastral {prop.cadastral_id.upper()}) already had "
            "an agreement."
        )
    given = OfferClosedError(f"Property {prop.id} already has a binding offer in this round.")
    if any(o.property_id == prop.id for o in await repo.round_offers(round_.id)):
        raise given
    row = RoundOfferRow(
        id=new_id("rof"),
        round_id=round_.id,
        landlord_id=prop.landlord_id,
        property_id=prop.id,
        kind=command.kind.value,
        frequency=command.frequency,
        specific_apartments=sorted(command.specific_apartments),
        price_per_right=command.price_per_right,
        decision="pending",
        submitted_by=scope.subject,
    )
    try:  # two offers at once: the second waits on the (round, property) key and is refused
        async with uow.session.begin_nested():
            await repo.add(row)
    except IntegrityError:
        raise given from None
    await repo.log(
        "round", round_.id, "offer", scope.subject, f"Binding offer {row.id} for {prop.id}."
    )
    return row


async def decide_offer(
    uow: UnitOfWork, scope: Scope, round_id: str, offer_id: str, pick: bool, today: date
) -> RoundOfferRow:
    scope.require(MUNICIPALITY, "pick or reject offers")
    round_ = await _round(uow, scope, round_id)
    check_round_decidable(round_.deadline, today)
    repo = Repository(uow.session)
    offer = await repo.round_offer(offer_id, lock=True)
    if offer is None or offer.round_id != round_.id:
        raise AgreementNotFoundError(f"Offer {offer_id} is not in round {round_id}.")
    if offer.decision != "pending":
        raise OfferClosedError(f"Offer {offer_id} was already {offer.decision}.")
    offer.decision = "picked" if pick else "rejected"
    offer.decided_at = now()
    await repo.log("round", round_.id, offer.decision, scope.subject, f"Offer {offer.id}.")
    return offer
