from sqlalchemy import BigInteger, Column, DateTime, Identity, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from common.db import make_metadata

metadata = make_metadata()

things = Table(
    "things",
    metadata,
    Column("id", Text, primary_key=True),
    Column("organisation_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
)

# The crash tests' witness: one row per application of an event (no unique constraint, so a
# double application would show).
applied_events = Table(
    "applied_events",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("consumer", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
