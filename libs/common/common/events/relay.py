"""The outbox relay: publishes committed outbox rows to the event bus, at least once.

Rows are taken in id order with ``FOR UPDATE SKIP LOCKED`` plus a transaction-scoped advisory
lock per key, so several relay replicas can run at once and a key's events are never published
by two replicas at the same time (which could reorder them). A batch is marked published only
after the bus acknowledged every envelope (``acks=all``); a crash in between republishes the
batch and consumers drop the duplicates through their inbox.

Writers of one aggregate are serialised by the aggregate's row lock, so a later event of a key
always has a higher outbox id and commits later: publishing unpublished rows in id order keeps
the order per key, and polling for ``published_at IS NULL`` (rather than "ids after the last
one") never skips a row that committed late.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import psycopg
import structlog
from sqlalchemy import text

from common.db.engine import Database, libpq_dsn
from common.events.envelope import Envelope
from common.events.outbox import NOTIFY_CHANNEL
from common.events.transport import EventBus

log = structlog.get_logger(__name__)

_CLAIM = text(
    """
    WITH candidates AS (
        SELECT id, key FROM outbox
        WHERE published_at IS NULL
        ORDER BY id
        LIMIT :batch_size
    )
    SELECT o.id, o.envelope
    FROM outbox o JOIN candidates c ON o.id = c.id
    WHERE pg_try_advisory_xact_lock(hashtext(c.key))
    ORDER BY o.id
    FOR UPDATE OF o SKIP LOCKED
    """
)
_MARK_PUBLISHED = text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids)")
_MARK_FAILED = text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = ANY(:ids)"
)
_LAG_SECONDS = text(
    "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) "
    "FROM outbox WHERE published_at IS NULL"
)
_PURGE = text(
    "DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - :retention"
)


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        bus: EventBus,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.database = database
        self.bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.retention = retention
        self._wake = asyncio.Event()

    async def publish_once(self) -> int:
        """Publish one batch; returns how many envelopes went out. Raises if the bus failed."""
        async with self.database.engine.connect() as connection:
            transaction = await connection.begin()
            rows = (await connection.execute(_CLAIM, {"batch_size": self.batch_size})).all()
            if not rows:
                await transaction.rollback()
                return 0
            ids = [row.id for row in rows]
            envelopes = [Envelope.from_structured(row.envelope) for row in rows]
            try:
                await self.bus.send_batch(envelopes)
            except Exception as exc:
                await connection.execute(_MARK_FAILED, {"ids": ids, "error": repr(exc)[:2000]})
                await transaction.commit()
                raise
            await connection.execute(_MARK_PUBLISHED, {"ids": ids})
            await transaction.commit()
            return len(rows)

    async def lag_seconds(self) -> float:
        async with self.database.engine.connect() as connection:
            return float((await connection.execute(_LAG_SECONDS)).scalar_one())

    async def purge_published(self) -> int:
        """Drop published rows older than the retention (kept for replay until then)."""
        async with self.database.engine.begin() as connection:
            result = await connection.execute(_PURGE, {"retention": self.retention})
            return int(result.rowcount or 0)

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop))
        backoff = self.poll_interval
        try:
            while not stop.is_set():
                self._wake.clear()  # a NOTIFY from here on wakes the wait below at once
                try:
                    published = await self.publish_once()
                    backoff = self.poll_interval
                except Exception as exc:
                    log.warning("outbox.publish_failed", error=repr(exc), retry_in=backoff)
                    await _sleep_unless(stop, backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                if published:
                    log.debug("outbox.published", count=published)
                    if published == self.batch_size:
                        continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_for_wake(stop), self.poll_interval)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _wait_for_wake(self, stop: asyncio.Event) -> None:
        stopped = asyncio.create_task(stop.wait())
        woken = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait({stopped, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            woken.cancel()

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN for commits that wrote outbox rows; polling covers any gap while reconnecting."""
        dsn = libpq_dsn(self.database.url)
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._wake.set()  # rows may have arrived while we were not listening
                    async for _ in conn.notifies():
                        self._wake.set()
            except (psycopg.Error, OSError) as exc:
                log.info("outbox.listen_reconnect", error=repr(exc))
                await _sleep_unless(stop, self.poll_interval)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
