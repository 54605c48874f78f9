"""The notification service's outgoing event: a delivery given up (never with an address)."""

from __future__ import annotations

from datetime import datetime

from common.events.contracts import DeliveryFailedV1, to_envelope
from common.events.envelope import Envelope
from notifications.db.repositories import ClaimedDelivery


def delivery_failed(delivery: ClaimedDelivery, reason: str, failed_at: datetime) -> Envelope:
    event = DeliveryFailedV1(
        delivery_id=str(delivery.id),
        cause_event_id=str(delivery.event_id),
        cause_event_type=delivery.event_type,
        cause_subject=delivery.event_subject,
        recipient_kind=delivery.recipient_kind,
        recipient_ref=delivery.recipient_ref,
        reason=reason[:500],
        failed_at=failed_at,
    )
    # The message followed the cause event: the failure is caused by it.
    return to_envelope(event, causation_id=str(delivery.event_id))
