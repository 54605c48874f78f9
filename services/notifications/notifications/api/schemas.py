"""Request and response schemas of the notifications API (never rows, never contracts)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from notifications.domain.deliveries import DeliveryStatus
from notifications.domain.rules import RecipientKind

EventType = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[a-z0-9_.]+$")]


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    addresses: list[EmailStr] = Field(
        max_length=20,
        description="Where this recipient's notifications go (each gets its own message). "
        "An empty list means no e-mail: deliveries are then logged as 'no_address'.",
        examples=[["styringsdialog@kk.dk"]],
    )
    opt_outs: list[EventType] = Field(
        default_factory=list,
        max_length=50,
        description="Event types of optional messages this recipient does not want; see "
        "'optional_event_types' on the entry. Required messages cannot be opted out of.",
        examples=[["governance.package.meeting_held"]],
    )
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The version you read, when changing an existing entry (or send If-Match).",
    )


class RecipientOut(BaseModel):
    kind: RecipientKind
    ref: str = Field(description="The municipality code or the organisation id.")
    addresses: list[str]
    opt_outs: list[str]
    optional_event_types: list[str] = Field(
        description="The messages this recipient may opt out of."
    )
    required_event_types: list[str] = Field(
        description="The messages this recipient always receives (required)."
    )
    version: int
    updated_at: datetime
    updated_by: str


class RecipientChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    changed_at: datetime
    changed_by: str
    changed_by_role: str
    addresses_before: list[str] | None
    addresses_after: list[str]
    opt_outs_before: list[str] | None
    opt_outs_after: list[str]


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    event_subject: str = Field(description="The event's aggregate id, e.g. the package id.")
    organisation_id: str | None
    recipient_kind: RecipientKind
    recipient_ref: str
    address: str | None = Field(
        description="The address it went to; hidden (null) where you may not see it."
    )
    required: bool
    status: DeliveryStatus
    subject: str
    attempts: int
    next_attempt_at: datetime | None = Field(description="When an open delivery is tried next.")
    last_error: str | None
    smtp_response: str | None
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    resend_requested_by: str | None = Field(
        default=None, description="Who asked operations to send it again, if anyone."
    )
    resend_requested_at: datetime | None = None


class DeliveryDetailOut(DeliveryOut):
    body_text: str
    body_html: str


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class DeliverySummary(BaseModel):
    counts: dict[DeliveryStatus, int] = Field(
        description="Deliveries per status (every status listed, zero included)."
    )
    oldest_open_created_at: datetime | None = Field(
        description="When the oldest delivery still pending or sending was created: a queue "
        "that does not drain shows here."
    )
