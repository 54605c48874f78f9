"""Writing to the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.tables import outbox
from common.events.envelope import Envelope

NOTIFY_CHANNEL = "outbox"


async def write_outbox(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Insert the envelopes and wake the relay (NOTIFY is delivered only on COMMIT)."""
    from sqlalchemy import text

    await session.execute(
        insert(outbox),
        [
            {
                "event_id": envelope.id,
                "topic": envelope.topic,
                "key": envelope.key,
                "event_type": envelope.type,
                "envelope": envelope.to_structured(),
            }
            for envelope in envelopes
        ],
    )
    await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
