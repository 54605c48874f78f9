"""Rebuilding the read model from the topics.

The read model is derived only from events, so it can be thrown away and rebuilt: empty it and
forget which events the consumer applied (its inbox rows), then consume the topics again —
``housing events replay --service dashboards`` does both: it empties the read model here and
has every producer publish its outbox again (kept 7 days); with Kafka, a rebuild from the
topics' full retention resets the consumer group's offsets to the earliest
(``kafka-consumer-groups --reset-offsets --to-earliest --group dashboards.read-model``).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dashboards.db.rebuild import empty_read_model


async def reset_read_model(session: AsyncSession, consumer: str) -> None:
    """Empty the read model and ``consumer``'s inbox (inside the caller's transaction)."""
    await empty_read_model(session, consumer)
