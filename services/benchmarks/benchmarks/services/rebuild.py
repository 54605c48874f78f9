"""Rebuilding the read model from scratch.

The read model is derived only from events, so it can be thrown away and rebuilt: empty the
facts, the figures and the dirty marks, forget which events the read-model consumer applied
(its inbox rows), then consume the topics from the beginning — with a fresh consumer group, or
after resetting the group's offsets to the earliest (``kafka-consumer-groups --reset-offsets
--to-earliest``). ``published_figures`` is kept, so revisions keep increasing and a rebuild
that arrives at the same figures publishes nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.rebuild import empty_read_model


async def reset_read_model(session: AsyncSession, consumer: str) -> None:
    """Empty the read model and ``consumer``'s inbox (inside the caller's transaction)."""
    await empty_read_model(session, consumer)
