"""The outbox: written inside the caller's transaction, read by the relay, kept for replay."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common.db.copy import copy_rows
from common.db.engine import driver_connection
from common.db.tables import outbox
from common.events.envelope import Envelope

NOTIFY_CHANNEL = "outbox"


# Up to this many envelopes are written by ONE statement that also wakes the relay
# (``RETURNING pg_notify(...)``): the usual transaction records one or a few events, and a
# separate NOTIFY statement was one more round trip to PostgreSQL for each of them. More (a
# bulk submission's thousands) go by ``COPY`` (``common.db.copy``: each envelope encoded once,
# binary values) and a NOTIFY: a multi-row VALUES list of thousands of rows would near the
# protocol's 65,535 parameters.
NOTIFYING_INSERT_MAX = 100
_COPIED = ("event_id", "topic", "key", "event_type", "envelope")


async def write_outbox(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Insert the envelopes and wake the relay (a notification is delivered only on COMMIT,
    and once per transaction however often it was raised). No envelopes, nothing written (an
    empty INSERT would be one row of defaults)."""
    if not envelopes:
        return
    if len(envelopes) <= NOTIFYING_INSERT_MAX:
        statement, params = notifying_insert(envelopes)
        await (await session.connection()).exec_driver_sql(statement, tuple(params))
        return
    driver = await driver_connection(session)
    await copy_rows(
        driver,
        outbox,
        _COPIED,
        (
            (envelope.id, envelope.topic, envelope.key, envelope.type, envelope.to_structured())
            for envelope in envelopes
        ),
    )
    await driver.execute(f"NOTIFY {NOTIFY_CHANNEL}")


def notifying_insert(envelopes: Sequence[Envelope]) -> tuple[str, list[Any]]:
    """The one statement :func:`write_outbox` writes a few envelopes with (at most
    ``NOTIFYING_INSERT_MAX``: the rows, and the relay woken on COMMIT), as SQL for the
    session's psycopg connection and its parameters — also for a caller that sends it together
    with its own statements (pipelined) instead of leaving the envelopes to the unit of work."""
    if not 0 < len(envelopes) <= NOTIFYING_INSERT_MAX:
        raise ValueError(f"1 to {NOTIFYING_INSERT_MAX} envelopes, not {len(envelopes)}")
    params: list[Any] = []
    for envelope in envelopes:
        params += (
            envelope.id,
            envelope.topic,
            envelope.key,
            envelope.type,
            json.dumps(envelope.to_structured()),
        )
    values = ", ".join(["(%s, %s, %s, %s, CAST(%s AS JSONB))"] * len(envelopes))
    return (
        "INSERT INTO outbox (event_id, topic, key, event_type, envelope)"  # noqa: S608 — placeholders only
        f" VALUES {values} RETURNING pg_notify('{NOTIFY_CHANNEL}', '')",
        params,
    )


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
