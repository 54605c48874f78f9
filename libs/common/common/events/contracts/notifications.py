"""The notification service's contracts: deliveries it gave up on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Self

from pydantic import AwareDatetime, Field

from common.events.contracts.base import Contract, Id

__all__ = ["DeliveryFailedV1"]


class DeliveryFailedV1(Contract):
    """The notification service gave up on delivering a message to a recipient (a permanent
    failure such as an unknown mailbox). Addresses stay in the notification service."""

    event_type: ClassVar[str] = "notifications.delivery.failed"
    topic: ClassVar[str] = "notifications.delivery.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "notifications"
    consumers: ClassVar[tuple[str, ...]] = ("governance",)
    summary: ClassVar[str] = "A notification could not be delivered to a recipient."
    aggregate_field: ClassVar[str] = "delivery_id"

    delivery_id: Id = Field(description="The delivery record in the notification service.")
    cause_event_id: Id = Field(description="The id of the event the message followed.")
    cause_event_type: str = Field(max_length=128, description="That event's type.")
    cause_subject: Id = Field(
        description="That event's aggregate id (e.g. the package id), so its owner can show "
        "the failure next to it."
    )
    recipient_kind: str = Field(
        pattern=r"^(municipality|organisation)$",
        description="Who the message was for: 'municipality' or 'organisation'.",
    )
    recipient_ref: Id = Field(
        description="The recipient's id: a municipality code or an organisation id."
    )
    reason: str = Field(max_length=500, description="The SMTP server's answer, e.g. '550 5.1.1'.")
    failed_at: AwareDatetime = Field(description="When the delivery was given up.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            delivery_id="dlv-6f1c",
            cause_event_id="3b0c5d8e-1f2a-4b6c-9d7e-5a4b3c2d1e0f",
            cause_event_type="governance.package.sent",
            cause_subject="pkg-2026-0101",
            recipient_kind="municipality",
            recipient_ref="101",
            reason="550 5.1.1 mailbox unavailable",
            failed_at=datetime(2026, 11, 24, 14, 6, tzinfo=UTC),
        )
