"""Other services' events in: each event that notifies someone is decoded with its rule's
contract and handed to :func:`notifications.services.notifying.record_deliveries`, which runs
in the consumer's transaction (with its inbox row, so exactly once). The register's organisation
events are kept for the organisations' names (:mod:`notifications.services.organisations`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.contracts import OrganisationUpsertedV1
from common.events.envelope import Envelope
from notifications.domain.rules import NOTIFYING_TOPICS, rule_for
from notifications.services.notifying import Notifying, record_deliveries, record_deliveries_batch
from notifications.services.organisations import organisation_upserted

CONSUMER_NAME = "notifications"
# The topics the service reads: those of events that notify, and the organisations' names.
TOPICS: tuple[str, ...] = tuple(sorted({*NOTIFYING_TOPICS, OrganisationUpsertedV1.topic}))


async def handle(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == OrganisationUpsertedV1.event_type:
        await organisation_upserted(session, OrganisationUpsertedV1.from_envelope(envelope))
        return
    rule = rule_for(envelope.type)
    if rule is None:  # an event on a topic we read that notifies nobody
        return
    await record_deliveries(session, rule, rule.contract.from_envelope(envelope), envelope)


async def handle_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """The consumer's batch handler: the batch's notifying events in three statements (see
    :func:`record_deliveries_batch`), in runs between the organisations' names it carries (each
    applied in its place, so a message is named as the per-event handler would name it); an
    invalid event raises and the runner applies the batch event by event (→ retries → DLQ for
    that one)."""
    items: list[Notifying] = []
    for envelope in envelopes:
        if envelope.type == OrganisationUpsertedV1.event_type:
            await record_deliveries_batch(session, items)
            items = []
            await organisation_upserted(session, OrganisationUpsertedV1.from_envelope(envelope))
            continue
        rule = rule_for(envelope.type)
        if rule is not None:
            items.append((rule, rule.contract.from_envelope(envelope), envelope))
    await record_deliveries_batch(session, items)


def consumer(topics: Sequence[str] = TOPICS, *, name: str = CONSUMER_NAME) -> Consumer:
    """The service's consumer; tests pass their own (unique) topics and group."""
    return Consumer(name=name, topics=tuple(topics), handler=handle, batch_handler=handle_batch)
