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
from notifications.services.notifying import record_deliveries
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


def consumer(topics: Sequence[str] = TOPICS, *, name: str = CONSUMER_NAME) -> Consumer:
    """The service's consumer; tests pass their own (unique) topics and group."""
    return Consumer(name=name, topics=tuple(topics), handler=handle)
