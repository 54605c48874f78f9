"""Tables every service database has: idempotency keys, the event outbox, inbox and dead letters.

They are defined once here and created by each service's first migration
(:func:`common.db.migrations.create_platform_tables`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from common.db.base import make_metadata

platform_metadata = make_metadata()

idempotency_keys = Table(
    "idempotency_keys",
    platform_metadata,
    Column("scope", Text, nullable=False, comment="the caller (token subject) the key belongs to"),
    Column("key", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("state", Text, nullable=False, comment="in_progress | completed"),
    Column(
        "effects_committed",
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="set in the same transaction as the request's state change",
    ),
    Column("response_status", Integer),
    Column("response_headers", JSONB),
    Column("response_body", LargeBinary),
    Column("locked_until", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("scope", "key"),
)

outbox = Table(
    "outbox",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("topic", Text, nullable=False),
    Column("key", Text, nullable=False, comment="aggregate id: the Kafka key"),
    Column("event_type", Text, nullable=False),
    Column("envelope", JSONB, nullable=False, comment="CloudEvents 1.0, structured"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
    Index("ix_outbox_created_at", "created_at"),
)

inbox = Table(
    "inbox",
    platform_metadata,
    Column("consumer", Text, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("topic", Text, nullable=False),
    Column("key", Text),
    Column("event_type", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "event_id"),
)

dead_letters = Table(
    "dead_letters",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("consumer", Text, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("topic", Text, nullable=False),
    Column("key", Text),
    Column("envelope", JSONB, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("redriven_at", DateTime(timezone=True)),
    UniqueConstraint("consumer", "event_id"),
)
