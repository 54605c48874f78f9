"""Other services' events in: each becomes its deliveries, in the consumer's transaction.

The consumer (:class:`common.events.consumer.Consumer`) runs :func:`handle` in one transaction
with its inbox row, so an event is turned into deliveries exactly once; the deliveries are
keyed by (event id, address) as well, and a replayed or redriven event adds nothing for a
recipient that already has a delivery of it (new addresses are operations' resend). The
message is rendered here, once, and stored with the delivery: the log shows what was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.envelope import Envelope
from notifications.db.repositories import DeliveryRepository, RecipientRepository
from notifications.domain.deliveries import DeliveryStatus, delivery_id
from notifications.domain.rules import NOTIFYING_TOPICS, addressees, rule_for, wants
from notifications.services.messages import render

log = structlog.get_logger(__name__)

CONSUMER_NAME = "notifications"


async def handle(session: AsyncSession, envelope: Envelope) -> None:
    rule = rule_for(envelope.type)
    if rule is None:  # an event on a topic we read that notifies nobody
        return
    event = rule.contract.from_envelope(envelope)
    directory = RecipientRepository(session)
    repository = DeliveryRepository(session)
    # A replayed event (past the inbox, e.g. a redriven dead letter) adds nothing for a
    # recipient it already reached — even if the recipient's addresses changed since.
    done = await repository.recipients_of_event(envelope.id)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for addressee in addressees(rule, event):
        recipient = addressee.recipient
        if (recipient.kind.value, recipient.ref) in done:
            continue
        entry = await directory.get(recipient.kind, recipient.ref)
        addresses = sorted(set(entry.addresses)) if entry else []
        opt_outs = frozenset(entry.opt_outs) if entry else frozenset()
        message = render(addressee, event, event_type=envelope.type)
        base = {
            "event_id": envelope.id,
            "event_type": envelope.type,
            "event_subject": envelope.subject,
            "organisation_id": rule.organisation(event),
            "recipient_kind": recipient.kind.value,
            "recipient_ref": recipient.ref,
            "required": addressee.required,
            "template": addressee.template,
            "subject": message.subject,
            "body_text": message.text,
            "body_html": message.html,
            "created_at": now,
            "updated_at": now,
            "next_attempt_at": now,
        }
        if not addresses or not wants(addressee, envelope.type, opt_outs):
            status = DeliveryStatus.NO_ADDRESS if not addresses else DeliveryStatus.OPTED_OUT
            rows.append(
                {
                    **base,
                    "id": delivery_id(envelope.id, recipient.kind, recipient.ref, None),
                    "address": None,
                    "status": status,
                }
            )
            continue
        rows.extend(
            {
                **base,
                "id": delivery_id(envelope.id, recipient.kind, recipient.ref, address),
                "address": address,
                "status": DeliveryStatus.PENDING,
            }
            for address in addresses
        )
    created = await repository.add_all(rows)
    log.info(
        "notifications.deliveries_recorded",
        event_type=envelope.type,
        event_id=str(envelope.id),
        deliveries=created,
        statuses=sorted({str(r["status"]) for r in rows}),
    )


def consumer(topics: Sequence[str] = NOTIFYING_TOPICS, *, name: str = CONSUMER_NAME) -> Consumer:
    """The service's consumer; tests pass their own (unique) topics and group."""
    return Consumer(name=name, topics=tuple(topics), handler=handle)
