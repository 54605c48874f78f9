"""Claims under the municipality's guarantee of the allocated tenant's restoration duty on
moving out (seed 003 "garanterer for boligtagerens opfyldelse af kontraktmæssige forpligtelser
… til at istandsætte boligen ved fraflytning"; lov om boligforhold § 56(2)).

The housing organisation (social offer) or the landlord (private offer) files a claim on an
accepted offer after the tenant moved out; the municipality pays or refuses it with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from allocation.db.models import RestorationClaimRow
from allocation.db.repositories import Repository
from allocation.domain.errors import (
    NoticeRuleError,
    OfferClosedError,
    OfferNotFoundError,
    RestorationClaimExistsError,
)
from allocation.domain.offers import OfferStatus
from allocation.services.core import new_id
from allocation.services.offers import get_offer
from allocation.services.roles import HOUSING, LANDLORD, MUNICIPALITY
from common.access import Scope
from common.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class NewClaim:
    offer_id: str
    moved_out_on: date
    amount: Decimal
    description: str


async def file_claim(
    uow: UnitOfWork, scope: Scope, command: NewClaim, today: date
) -> RestorationClaimRow:
    scope.require(HOUSING | LANDLORD, "claim under the restoration guarantee")
    offer, _ = await get_offer(uow, scope, command.offer_id)
    scope.ensure_acts_for(offer.organisation_id, "claim under the restoration guarantee")
    if offer.status != OfferStatus.ACCEPTED.value:
        raise NoticeRuleError(
            "The municipality guarantees the restoration duty only for a tenant it allocated "
            f"(an accepted offer); this offer is {offer.status}."
        )
    if command.moved_out_on > today:
        raise NoticeRuleError("A claim is made after the tenant has moved out, not before.")
    if offer.let_on is None:
        raise NoticeRuleError(
            f"The allocated tenant's lease of {offer.dwelling_id} is not known yet (the register "
            "reports it, or the landlord reports the letting); claim once it is."
        )
    if command.moved_out_on < offer.let_on:
        raise NoticeRuleError(
            f"The tenant cannot move out ({command.moved_out_on}) before the lease began "
            f"({offer.let_on})."
        )
    repo = Repository(uow.session)
    await repo.hold_dwellings([offer.dwelling_id])  # two filings at once: one at a time
    standing = [c for c in await repo.restoration_claims(offer.id) if c.status != "refused"]
    if standing:
        raise RestorationClaimExistsError(
            f"Offer {offer.id} already has restoration claim {standing[0].id} "
            f"({standing[0].status}); the guarantee covers the tenant's move-out once. "
            "A refused claim can be filed again."
        )
    row = RestorationClaimRow(
        id=new_id("rcl"),
        offer_id=offer.id,
        municipality_code=offer.municipality_code,
        claimant_id=offer.organisation_id,
        moved_out_on=command.moved_out_on,
        amount=command.amount,
        description=command.description,
        status="claimed",
        filed_by=scope.subject,
    )
    await repo.add(row)
    await repo.log(
        "offer",
        offer.id,
        "restoration_claimed",
        scope.subject,
        f"Restoration claim {row.id}: {row.amount} DKK after moving out on {row.moved_out_on}.",
    )
    return row


async def decide_claim(
    uow: UnitOfWork, scope: Scope, claim_id: str, pay: bool, reason: str | None
) -> RestorationClaimRow:
    scope.require(MUNICIPALITY, "decide restoration claims")
    repo = Repository(uow.session)
    row = await repo.restoration_claim(claim_id)
    if row is None or not scope.sees(None, row.municipality_code):
        raise OfferNotFoundError(f"Restoration claim {claim_id} was not found.")
    if row.status != "claimed":
        raise OfferClosedError(f"Restoration claim {claim_id} was already {row.status}.")
    if not pay and not reason:
        raise NoticeRuleError("Refusing a claim needs the reason.")
    row.status = "paid" if pay else "refused"
    row.decision_reason = reason
    await repo.log(
        "offer",
        row.offer_id,
        f"restoration_{row.status}",
        scope.subject,
        f"Restoration claim {row.id} {row.status}" + (f": {reason}" if reason else "") + ".",
    )
    return row


async def claims_of(uow: UnitOfWork, scope: Scope, offer_id: str) -> Sequence[RestorationClaimRow]:
    offer, _ = await get_offer(uow, scope, offer_id)  # 404 outside the caller's scope
    return await Repository(uow.session).restoration_claims(offer.id)
