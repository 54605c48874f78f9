"""The deadline round: open offers whose answer deadline has passed lapse by themselves.

For a landlord's notice the lapse is § 56(3): the municipality still pays the rent — from when
the apartment is available, not beyond when a notice to quit would have taken effect — and, on a
first use, the per-use compensation (§ 54(2)); an unanswered repeat ends the right to that
apartment (§ 51(5)). A social offer that lapses goes back to the organisation (nothing owed).
On the last working day before an open offer's deadline (or on the due day, if the worker was
down) the municipality is reminded once (``allocation.offer.deadline_approaching``).
Each lapse is written with ``allocation.offer.lapsed`` in the same transaction; rows are taken
``FOR UPDATE SKIP LOCKED`` so two workers never lapse one offer twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from allocation.db.repositories import Repository
from allocation.domain.notices import reminder_due, settle
from allocation.domain.offers import OfferSource, OfferStatus
from allocation.events import outgoing
from allocation.services.offers import private_consequences
from common.calendar import danish_date
from common.db.engine import Database
from common.db.uow import UnitOfWork

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    lapsed: int
    reminded: int = 0


async def run_deadline_round(database: Database, clock: Clock) -> DeadlineResult:
    today = danish_date(clock())
    lapsed = 0
    async with UnitOfWork(database) as uow:
        repo = Repository(uow.session)
        for offer in await repo.overdue_offers(today):
            outcome = settle(
                answer=None, answered_on=None, due=offer.answer_due, is_repeat=offer.is_repeat
            )
            values: dict[str, object] = {"status": OfferStatus.LAPSED.value, "settled_on": today}
            if offer.source == OfferSource.PRIVATE.value:
                values.update(await private_consequences(repo, offer, outcome, today))
            closed = await repo.close_offer(offer.id, values)
            if closed is None:
                continue
            await repo.log(
                "offer",
                closed.id,
                "lapsed",
                None,
                f"No answer by {closed.answer_due}"
                + (
                    f"; rent owed {closed.rent_owed} DKK until {closed.rent_until}, "
                    f"compensation {closed.compensation_owed or 0} DKK"
                    if closed.source == OfferSource.PRIVATE.value
                    else "; the dwelling goes back to the organisation"
                )
                + ".",
            )
            uow.record_event(outgoing.offer_lapsed(closed, today, outcome.repeat_right_ends))
            lapsed += 1
        reminded = 0
        for offer in await repo.offers_to_remind(today):
            if not reminder_due(offer.answer_due, today):
                continue
            offer.reminded_on = today
            await repo.log(
                "offer", offer.id, "reminded", None, f"Answer due {offer.answer_due} (reminder)."
            )
            uow.record_event(outgoing.offer_deadline_approaching(offer, today))
            reminded += 1
        await uow.commit()
    return DeadlineResult(lapsed, reminded)
