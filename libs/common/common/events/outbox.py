"""The outbox: written inside the caller's transaction, read by the relay, kept for replay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common.db.tables import outbox
from common.events.envelope import Envelope

NOTIFY_CHANNEL = "outbox"


# Up to this many envelopes are written by ONE statement that also wakes the relay
# (``RETURNING pg_notify(...)``): the usual transaction records one or a few events, and a
# separate NOTIFY statement was one more round trip to PostgreSQL for each of them. More are
# sent as one executemany (pipelined) and a NOTIFY, as before: a multi-row VALUES list of
# thousands of rows would near the protocol's 65,535 parameters.
_NOTIFYING_INSERT_MAX = 100


async def write_outbox(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Insert the envelopes and wake the relay (a notification is delivered only on COMMIT,
    and once per transaction however often it was raised). No envelopes, nothing written (an
    empty INSERT would be one row of defaults)."""
    if not envelopes:
        return
    rows = [
        {
            "event_id": envelope.id,
            "topic": envelope.topic,
            "key": envelope.key,
            "event_type": envelope.type,
            "envelope": envelope.to_structured(),
        }
        for envelope in envelopes
    ]
    if len(rows) <= _NOTIFYING_INSERT_MAX:
        await session.execute(
            insert(outbox).values(rows).returning(func.pg_notify(NOTIFY_CHANNEL, ""))
        )
        return
    await session.execute(insert(outbox), rows)
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
