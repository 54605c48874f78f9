"""The read model's consumer: it decodes each event's contract and hands the batch to
:func:`dashboards.services.projection.apply_events`. Events of kinds the dashboards do not
count (other contracts on the same topics) are skipped."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.contracts import from_envelope
from common.events.envelope import Envelope
from dashboards.services.projection import CONSUMED, apply_events

CONSUMER_NAME = "dashboards.read-model"
TOPICS: tuple[str, ...] = tuple(sorted({contract.topic for contract in CONSUMED}))
_COUNTED = frozenset((c.event_type, c.schema_version) for c in CONSUMED)


async def handle_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """A batch's new events at once; an invalid event raises, and the runner applies the batch
    event by event (→ retries → dead letter for that one)."""
    counted = [e for e in envelopes if (e.type, e.schema_version) in _COUNTED]
    await apply_events(session, [from_envelope(envelope) for envelope in counted])


async def handle(session: AsyncSession, envelope: Envelope) -> None:
    """One event (retries, redrive, the embedded run): a batch of one."""
    await handle_batch(session, [envelope])


def read_model_consumer(name: str = CONSUMER_NAME, topics: tuple[str, ...] = TOPICS) -> Consumer:
    """The read model's consumer; tests give it their own group name and topics."""
    return Consumer(name=name, topics=topics, handler=handle, batch_handler=handle_batch)
