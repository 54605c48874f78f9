"""Handlers of other services' events, each applied exactly once through the inbox.

* ``allocation.offer.answered`` → an accepted social offer makes the lease that re-lets the
  dwelling a municipal allocation (:mod:`register.services.municipal_allocations`).

Events of other types on the same topic are ignored.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.contracts import OfferAnsweredV1
from common.events.envelope import Envelope
from register.services import municipal_allocations


async def handle_allocation(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == OfferAnsweredV1.event_type:
        await municipal_allocations.record_accepted_offer(
            session, OfferAnsweredV1.from_envelope(envelope)
        )


def consumers(*, allocation_topic: str = OfferAnsweredV1.topic) -> tuple[Consumer, ...]:
    """The service's consumers; tests pass their own per-run topic names."""
    return (Consumer("register.municipal-allocations", (allocation_topic,), handle_allocation),)
