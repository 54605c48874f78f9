"""The outbox: written inside the caller's transaction, read by the relay, kept for replay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common.db.tables import outbox
from common.events.envelope import Envelope

NOTIFY_CHANNEL = "outbox"


async def write_outbox(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Insert the envelopes and wake the relay (NOTIFY is delivered only on COMMIT). No
    envelopes, nothing written (an empty INSERT would be one row of defaults)."""
    if not envelopes:
        return
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


async def requeue_since(engine: AsyncEngine, since: datetime) -> int:
    """Mark the events recorded since ``since`` unpublished, so the relay publishes them again
    in their original order (``housing events replay``). Consumers skip what they applied."""
    async with engine.begin() as connection:
        requeued = await connection.execute(
            text(
                "UPDATE outbox SET published_at = NULL, attempts = 0, last_error = NULL "
                "WHERE created_at >= :since RETURNING id"
            ),
            {"since": since},
        )
        count = len(requeued.all())
        await connection.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return count
