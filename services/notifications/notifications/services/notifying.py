"""Use case: an event that notifies becomes its deliveries, in the consumer's transaction.

The consumer runs this in one transaction with its inbox row, so an event is turned into
deliveries exactly once; the deliveries are keyed by (event id, address) as well, and a
replayed or redriven event adds nothing for a recipient that already has a delivery of it
(new addresses are operations' resend). The message is rendered here, once per addressee, and
stored with each of its deliveries: the log shows what was sent. Organisations are named by
the name the register last sent (``OrganisationUpsertedV1``), by id when none has arrived.
Addresses are read from the directory now: a later change of address does not redirect a message already in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import Contract
from common.events.envelope import Envelope
from notifications.db.repositories import (
    DeliveryRepository,
    OrganisationRepository,
    RecipientRepository,
)
from notifications.domain.deliveries import delivery_id
from notifications.domain.organisations import referenced_organisations
from notifications.domain.rules import Rule, addressees, deliveries_for, not_yet_notified
from notifications.services.messages import render

log = structlog.get_logger(__name__)


async def record_deliveries(
    session: AsyncSession, rule: Rule, event: Contract, envelope: Envelope
) -> int:
    """Record the deliveries ``event`` (decoded from ``envelope`` by ``rule``'s contract) calls
    for; returns how many were new."""
    return (await record_deliveries_batch(session, [(rule, event, envelope)]))[0]


Notifying = tuple[Rule, Contract, Envelope]


async def record_deliveries_batch(session: AsyncSession, items: Sequence[Notifying]) -> list[int]:
    """:func:`record_deliveries` for a consumer's batch of events (distinct event ids, in
    order), with the same result in three statements instead of 2 + one per addressee per
    event: who already has a delivery of these events, the directory entries of every
    addressee, and one INSERT of all the deliveries. Returns how many were new, per event."""
    if not items:
        return []
    directory = RecipientRepository(session)
    repository = DeliveryRepository(session)
    notified = await repository.recipients_of_events([envelope.id for _, _, envelope in items])
    wanted = [
        (
            envelope,
            list(not_yet_notified(addressees(rule, event), notified.get(envelope.id, set()))),
        )
        for rule, event, envelope in items
    ]
    entries = await directory.get_many(
        {(a.recipient.kind.value, a.recipient.ref) for _, found in wanted for a in found}
    )
    names = await OrganisationRepository(session).names(
        set().union(
            *(
                referenced_organisations(event.model_dump(), found)
                for (_, event, _), (_, found) in zip(items, wanted, strict=True)
            )
        )
    )
    now = datetime.now(UTC)
    rows_of_events: list[list[dict[str, Any]]] = []  # per event, its deliveries' rows
    for (rule, event, envelope), (_, found) in zip(items, wanted, strict=True):
        rows: list[dict[str, Any]] = []
        rows_of_events.append(rows)
        for addressee in found:
            recipient = addressee.recipient
            entry = entries.get((recipient.kind.value, recipient.ref))
            planned = deliveries_for(
                addressee,
                envelope.type,
                addresses=entry.addresses if entry else (),
                opt_outs=entry.opt_outs if entry else (),
            )
            message = render(addressee, event, event_type=envelope.type, organisation_names=names)
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
            rows.extend(
                {
                    **base,
                    "id": delivery_id(envelope.id, recipient.kind, recipient.ref, delivery.address),
                    "address": delivery.address,
                    "status": delivery.status,
                }
                for delivery in planned
            )
    created_ids = await repository.add_new([row for rows in rows_of_events for row in rows])
    counts: list[int] = []
    for (_, _, envelope), mine in zip(items, rows_of_events, strict=True):
        created = sum(1 for r in mine if r["id"] in created_ids)
        counts.append(created)
        log.info(
            "notifications.deliveries_recorded",
            event_type=envelope.type,
            event_id=str(envelope.id),
            deliveries=created,
            statuses=sorted({str(r["status"]) for r in mine}),
        )
    return counts
