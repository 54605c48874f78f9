"""The read model's consumer of the register's and governance's events: it decodes each
event's contract and hands the set to :func:`benchmarks.services.projection.apply_events`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.services.projection import apply_events
from common.events.consumer import Consumer
from common.events.contracts import (
    AccountsReportedV1,
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    LeaseCreatedV1,
    from_envelope,
)
from common.events.envelope import Envelope

CONSUMER_NAME = "benchmarks.read-model"
TOPICS: tuple[str, ...] = (
    LeaseCreatedV1.topic,
    DwellingVacancyChangedV1.topic,
    DepartmentUpsertedV1.topic,
    AccountsReportedV1.topic,
)


async def handle_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """The consumer's batch handler: the batch's new events at once. An uncatalogued or
    invalid event raises, and the consumer applies the batch event by event (→ retries → DLQ
    for that one)."""
    await apply_events(session, [from_envelope(envelope) for envelope in envelopes])


async def handle(session: AsyncSession, envelope: Envelope) -> None:
    """The consumer's handler (retries, redrive, the embedded run): a batch of one."""
    await handle_batch(session, [envelope])


def read_model_consumer(name: str = CONSUMER_NAME, topics: tuple[str, ...] = TOPICS) -> Consumer:
    """The read model's consumer; tests give it their own group name and topics."""
    return Consumer(name=name, topics=topics, handler=handle, batch_handler=handle_batch)
