"""Offers to the municipality: listing, answering (exactly one answer wins), the summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_

from allocation.db.models import ApartmentRightRow, CaseLogRow, OfferRow
from allocation.db.repositories import Repository
from allocation.domain.errors import NoticeRuleError, OfferClosedError, OfferNotFoundError
from allocation.domain.liability import RentFrom, liability_end, rent_owed
from allocation.domain.notices import Answer, Settlement, repeat_period_end, settle
from allocation.domain.offers import OfferSource, OfferStatus, check_case_reference
from allocation.events import outgoing
from allocation.services.core import now
from allocation.services.liability import settle_accepted_offers
from allocation.services.private import private_terms
from allocation.services.roles import HOUSING, LANDLORD, MUNICIPALITY
from common.access import Scope
from common.db.uow import UnitOfWork
from common.paging import PageOf, decode_cursor, page_of


def offers_condition(scope: Scope) -> Any:
    """What the caller sees: a municipality its own; a housing organisation its social offers;
    a landlord its private notices; the fund everything."""
    base = scope.filter(OfferRow.organisation_id, OfferRow.municipality_code)
    if scope.role in HOUSING:
        return and_(base, OfferRow.source == OfferSource.SOCIAL.value)
    if scope.role in LANDLORD:
        return and_(base, OfferRow.source == OfferSource.PRIVATE.value)
    return base


def visible(scope: Scope, offer: OfferRow) -> bool:
    if not scope.sees(offer.organisation_id, offer.municipality_code):
        return False
    if scope.role in HOUSING:
        return offer.source == OfferSource.SOCIAL.value
    if scope.role in LANDLORD:
        return offer.source == OfferSource.PRIVATE.value
    return True


async def get_offer(
    uow: UnitOfWork, scope: Scope, offer_id: str
) -> tuple[OfferRow, Sequence[CaseLogRow]]:
    repo = Repository(uow.session)
    offer = await repo.offer(offer_id)
    if offer is None or not visible(scope, offer):
        raise OfferNotFoundError(f"Offer {offer_id} was not found among those you may see.")
    return offer, await repo.case_log("offer", offer_id)


async def list_offers(
    uow: UnitOfWork,
    scope: Scope,
    *,
    status: OfferStatus | None,
    source: OfferSource | None,
    organisation_id: str | None,
    opened_from: date | None,
    cursor: str | None,
    limit: int,
) -> PageOf[OfferRow]:
    rows = await Repository(uow.session).list_offers(
        offers_condition(scope),
        status=status.value if status else None,
        source=source.value if source else None,
        organisation_id=organisation_id,
        opened_from=opened_from,
        after=decode_cursor(cursor, str, str),
        limit=limit,
    )
    return page_of(rows, limit, key=lambda r: (r.received_on.isoformat(), r.id))


@dataclass(frozen=True, slots=True)
class AnswerCommand:
    offer_id: str
    answer: Answer
    case_reference: str | None


async def answer_offer(
    uow: UnitOfWork, scope: Scope, command: AnswerCommand, today: date
) -> OfferRow:
    """The municipality accepts (naming its case) or declines. Of two concurrent answers
    exactly one changes the offer; the other gets 409."""
    scope.require(MUNICIPALITY, "answer offers")
    repo = Repository(uow.session)
    offer = await repo.offer(command.offer_id, lock=True)
    if offer is None or not visible(scope, offer):
        raise OfferNotFoundError(f"Offer {command.offer_id} was not found among those you may see.")
    reference = None
    if command.answer is Answer.ACCEPT:
        if command.case_reference is None:
            raise NoticeRuleError(
                "Accepting an offer needs the citizen's case reference (case_reference)."
            )
        reference = check_case_reference(command.case_reference)
    outcome = settle(
        answer=command.answer, answered_on=today, due=offer.answer_due, is_repeat=offer.is_repeat
    )
    status = outcome.settlement.value
    if offer.source == OfferSource.SOCIAL.value and outcome.settlement is Settlement.DECLINED_LATE:
        # § 56(3) is a rule of private rentals: a late "no" to a social offer is just a "no"
        status = Settlement.DECLINED.value
    values: dict[str, Any] = {
        "status": status,
        "answered_on": today,
        "settled_on": today,
        "answered_by": scope.subject,
        "case_reference": reference,
    }
    if offer.source == OfferSource.PRIVATE.value:
        values.update(await private_consequences(repo, offer, outcome, today))
    closed = await repo.close_offer(offer.id, values)
    if closed is None:
        raise OfferClosedError(
            f"Offer {offer.id} is already {offer.status if offer.status != 'open' else 'answered'}; "
            "reload it to see the answer recorded."
        )
    await repo.log(
        "offer",
        closed.id,
        closed.status,
        scope.subject,
        f"Answered {command.answer.value} on {today} (due {closed.answer_due})"
        + (f", case {reference}" if reference else "")
        + ".",
    )
    if closed.source == OfferSource.SOCIAL.value and closed.status == OfferStatus.ACCEPTED.value:
        # the dwelling may have been let already: its lease then ends the rent liability
        await settle_accepted_offers(repo, [closed.dwelling_id])
    uow.record_event(outgoing.offer_answered(closed, now()))
    return closed


async def private_consequences(
    repo: Repository, offer: OfferRow, outcome: Any, today: date
) -> dict[str, Any]:
    """What an answer to a landlord's notice costs, and what it does to the apartment's
    repeat right (§§ 51(4)-(5), 54(2), 56)."""
    agreement = await repo.private_agreement(offer.agreement_id, lock=True)
    assert agreement is not None
    terms = private_terms(agreement)
    values: dict[str, Any] = {}
    if outcome.pays_rent and offer.monthly_rent is not None:
        cap = offer.notice_to_quit_effective if outcome.rent_capped_by_notice else None
        end = liability_end(offer.let_on, cap)
        if end is not None:
            values["rent_until"] = end
            values["rent_owed"] = rent_owed(
                [RentFrom(offer.available_from, offer.monthly_rent)], offer.available_from, end
            )
    if outcome.compensation_due:
        values["compensation_owed"] = terms.per_use
        agreement.uses += 1
    # the repeat right belongs to the apartment an equivalent one stands in for (§ 51(4))
    right_apartment = offer.substitutes_for or offer.dwelling_id
    if outcome.right_used and not offer.is_repeat:
        right = await repo.apartment_right(agreement.id, right_apartment)
        if right is None:
            await repo.add(
                ApartmentRightRow(
                    agreement_id=agreement.id,
                    apartment_id=right_apartment,
                    repeats_until=min(repeat_period_end(agreement.signed_on), agreement.valid_to),
                )
            )
    if outcome.repeat_right_ends:
        right = await repo.apartment_right(agreement.id, right_apartment)
        if right is not None and right.ended_on is None:
            right.ended_on = today
    return values


async def report_let(uow: UnitOfWork, scope: Scope, offer_id: str, let_on: date) -> OfferRow:
    """The landlord reports the day a private apartment was let: the municipality's rent
    liability ends then (§ 56(2)); after silence or a late "no" it never runs beyond the day a
    notice to quit would have taken effect (§ 56(3))."""
    scope.require(LANDLORD, "report that an apartment was let")
    repo = Repository(uow.session)
    # row-locked like the answer and the deadline round: of two reports at once the second
    # waits and finds the offer let
    offer = await repo.offer(offer_id, lock=True)
    if offer is None or not visible(scope, offer):
        raise OfferNotFoundError(f"Offer {offer_id} was not found among those you may see.")
    scope.ensure_acts_for(offer.organisation_id, "report lettings")
    paying = {
        OfferStatus.ACCEPTED.value,
        OfferStatus.DECLINED_LATE.value,
        OfferStatus.LAPSED.value,
    }
    if offer.status not in paying:
        raise NoticeRuleError(
            f"The municipality pays no rent for this apartment (the offer is {offer.status})."
        )
    if offer.let_on is not None:
        raise OfferClosedError(f"Offer {offer.id} was already reported let on {offer.let_on}.")
    if let_on < offer.available_from:
        raise NoticeRuleError(
            f"The apartment cannot be let ({let_on}) before it was available "
            f"({offer.available_from})."
        )
    assert offer.monthly_rent is not None
    capped = offer.status != OfferStatus.ACCEPTED.value
    end = liability_end(let_on, offer.notice_to_quit_effective if capped else None)
    assert end is not None
    offer.let_on = let_on
    offer.rent_until = end
    offer.rent_owed = rent_owed(
        [RentFrom(offer.available_from, offer.monthly_rent)], offer.available_from, end
    )
    offer.version += 1
    await repo.log(
        "offer",
        offer.id,
        "let",
        scope.subject,
        f"Let from {let_on}; the municipality owes {offer.rent_owed} DKK rent until {end}.",
    )
    return offer
