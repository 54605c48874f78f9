"""Rows of the notifications service. Every table hangs off this service's own metadata.

* ``recipients`` — the recipient directory: per municipality (code) or housing organisation
  (id) its e-mail addresses and the optional event types it opted out of; every change is kept
  in ``recipient_changes`` (who, when, before → after).
* ``organisations`` — the register's housing organisations (``OrganisationUpsertedV1``), kept
  for their names: messages name an organisation, not its id, once the register has sent it.
* ``deliveries`` — one row per (event, recipient, address): the rendered message, its state
  (see :mod:`notifications.domain.deliveries`), attempts and the SMTP server's answers. Written
  in the consumer's transaction, so an event is turned into deliveries exactly once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import make_metadata
from common.db.projection import OrganisationReadModel


class Base(DeclarativeBase):
    metadata = make_metadata()


class OrganisationRow(OrganisationReadModel, Base):
    __tablename__ = "organisations"

    name: Mapped[str | None] = mapped_column(
        Text, comment="BoligorganisationNavn; null until the register sends it"
    )


RECIPIENT_KINDS = "kind IN ('municipality', 'organisation')"


class RecipientRow(Base):
    __tablename__ = "recipients"
    __table_args__ = (
        PrimaryKeyConstraint("kind", "ref"),
        CheckConstraint(RECIPIENT_KINDS, name="kind"),
    )

    kind: Mapped[str] = mapped_column(Text)
    ref: Mapped[str] = mapped_column(Text, comment="municipality code or organisation id")
    addresses: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    opt_outs: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        nullable=False,
        server_default=text("'{}'"),
        comment="event types (optional ones only) this recipient is not notified of",
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_by: Mapped[str] = mapped_column(Text, nullable=False)


class RecipientChangeRow(Base):
    __tablename__ = "recipient_changes"
    __table_args__ = (Index("ix_recipient_changes_recipient", "kind", "ref", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    ref: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    changed_by: Mapped[str] = mapped_column(Text, nullable=False)
    changed_by_role: Mapped[str] = mapped_column(Text, nullable=False)
    addresses_before: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    addresses_after: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    opt_outs_before: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    opt_outs_after: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)


DELIVERY_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'no_address', 'opted_out')"


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(DELIVERY_STATUSES, name="status"),
        CheckConstraint("recipient_kind IN ('municipality', 'organisation')", name="kind"),
        # Exactly once per (event, address); a recipient without address once per event.
        Index(
            "ix_deliveries_event_address",
            "event_id",
            "address",
            unique=True,
            postgresql_where=text("address IS NOT NULL"),
        ),
        Index(
            "ix_deliveries_event_recipient_without_address",
            "event_id",
            "recipient_kind",
            "recipient_ref",
            unique=True,
            postgresql_where=text("address IS NULL"),
        ),
        # The sender's queue: open rows by when they are due.
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_deliveries_created", "created_at", "id"),
        Index("ix_deliveries_recipient", "recipient_kind", "recipient_ref", "created_at"),
        Index("ix_deliveries_organisation", "organisation_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    event_type: Mapped[str] = mapped_column(Text, nullable=False)
    event_subject: Mapped[str] = mapped_column(Text, nullable=False, comment="aggregate id")
    organisation_id: Mapped[str | None] = mapped_column(
        Text, comment="the housing organisation the event is about; it may read the delivery"
    )
    recipient_kind: Mapped[str] = mapped_column(Text, nullable=False)
    recipient_ref: Mapped[str] = mapped_column(Text, nullable=False)
    address: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(nullable=False)
    template: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    message_id: Mapped[str | None] = mapped_column(Text, unique=True)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    lease_until: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="while sending: when the attempt counts as interrupted"
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resend_requested_by: Mapped[str | None] = mapped_column(
        Text, comment="who asked operations to send it again (token subject), if anyone"
    )
    resend_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
