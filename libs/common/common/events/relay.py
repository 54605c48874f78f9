"""The outbox relay: publishes committed outbox rows to the event bus, at least once.

Rows are taken in id order with ``FOR UPDATE SKIP LOCKED`` plus a transaction-scoped advisory
lock per key, so several relay replicas can run at once and a key's events are never published
by two replicas at the same time (which could reorder them). A batch is marked published only
after the bus acknowledged every envelope (``acks=all``): one statement claims the rows and
marks them published inside the relay's transaction, which commits after the acks (and rolls
back if the bus fails); a crash in between republishes the batch and consumers drop the
duplicates through their inbox.

Writers of one aggregate are serialised by the aggregate's row lock, so a later event of a key
always has a higher outbox id and commits later: publishing unpublished rows in id order keeps
the order per key, and polling for ``published_at IS NULL`` (rather than "ids after the last
one") never skips a row that committed late.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from datetime import timedelta
from typing import Any

import psycopg
import pydantic_core
import structlog
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from common.db.engine import Database, libpq_dsn
from common.events.envelope import Envelope
from common.events.outbox import NOTIFY_CHANNEL
from common.events.transport import EventBus
from common.waiting import at_most

log = structlog.get_logger(__name__)

# Recording a failed attempt is best effort: the rows are unpublished either way.
_MARK_FAILED_ERRORS = (SQLAlchemyError, psycopg.Error, OSError)

# Claim and mark in ONE statement: the rows are locked (SKIP LOCKED + the key's advisory
# lock, as before) and marked published in the relay's open transaction, which commits only
# after Kafka acknowledged them — or rolls back, leaving them unpublished. The envelope comes
# back as JSON text, parsed by pydantic-core rather than psycopg's json.loads.
_CLAIM_AND_MARK = text(
    """
    WITH candidates AS (
        SELECT id, key FROM outbox
        WHERE published_at IS NULL
        ORDER BY id
        LIMIT :batch_size
    ), claimed AS (
        SELECT o.id
        FROM outbox o JOIN candidates c ON o.id = c.id
        WHERE pg_try_advisory_xact_lock(hashtext(c.key))
        ORDER BY o.id
        FOR UPDATE OF o SKIP LOCKED
    )
    UPDATE outbox SET published_at = now()
    FROM claimed WHERE outbox.id = claimed.id
    RETURNING outbox.id, outbox.envelope::text AS envelope
    """
)
# The same for a relay that owns lanes: only rows of its lanes (a lane is a hash of the key),
# oldest first, no per-key advisory lock (no other relay publishes these lanes) and no SKIP
# LOCKED: a row still locked by the lane's previous owner's unfinished batch is waited for,
# then seen published (or not, if that batch failed) — never overtaken.
_CLAIM_LANES_AND_MARK = text(
    """
    WITH claimed AS (
        SELECT id FROM outbox
        WHERE published_at IS NULL AND (hashtext(key) & :mask) = ANY(:lanes)
        ORDER BY id
        LIMIT :batch_size
        FOR UPDATE
    )
    UPDATE outbox SET published_at = now()
    FROM claimed WHERE outbox.id = claimed.id
    RETURNING outbox.id, outbox.envelope::text AS envelope
    """
)
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


# Advisory-lock key spaces (the two-int4 form): a relay's presence, and the lanes.
PRESENCE_LOCKS = 0x0B0E
LANE_LOCKS = 0x0B0F


class LaneLeases:
    """Which lanes of the outbox this relay owns, through session advisory locks on a
    connection of its own: every relay holds one presence lock, and takes (or gives back)
    lanes until it holds its fair share, ⌈lanes ÷ relays present⌉. A relay that dies loses
    its locks with its session; the others take its lanes on their next check."""

    def __init__(self, database: Database, lanes: int) -> None:
        if lanes < 2 or lanes & (lanes - 1):
            raise ValueError(f"lanes must be a power of two ≥ 2, not {lanes}")
        self.database = database
        self.lanes = lanes
        self.me = random.randrange(1, 2**31 - 1)
        self.owned: list[int] = []
        self._connection: psycopg.AsyncConnection[Any] | None = None

    async def rebalance(self) -> list[int]:
        """Take or give back lanes towards the fair share; returns the lanes owned now. On a
        broken connection the lanes are given up (the server frees them with the session)."""
        try:
            return await self._rebalance()
        except (psycopg.Error, OSError) as exc:
            log.warning("outbox.lanes_lost", error=repr(exc), lanes=self.owned)
            await self.close()
            return self.owned

    async def _rebalance(self) -> list[int]:
        if self._connection is None or self._connection.closed:
            self.owned = []
            self._connection = await psycopg.AsyncConnection.connect(
                libpq_dsn(self.database.url), autocommit=True
            )
            await self._connection.execute(
                "SELECT pg_advisory_lock(%s, %s)", (PRESENCE_LOCKS, self.me)
            )
        connection = self._connection
        relays = (
            await (
                await connection.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND objsubid = 2 AND classid = %s::oid AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())",
                    (PRESENCE_LOCKS,),
                )
            ).fetchone()
        )[0]  # type: ignore[index]
        fair = -(-self.lanes // max(1, int(relays)))
        while len(self.owned) > fair:
            lane = self.owned.pop()
            await connection.execute("SELECT pg_advisory_unlock(%s, %s)", (LANE_LOCKS, lane))
        if len(self.owned) < fair:
            start = self.me % self.lanes
            for step in range(self.lanes):
                lane = (start + step) % self.lanes
                if lane in self.owned:
                    continue
                taken = await (
                    await connection.execute(
                        "SELECT pg_try_advisory_lock(%s, %s)", (LANE_LOCKS, lane)
                    )
                ).fetchone()
                if taken and taken[0]:
                    self.owned.append(lane)
                    if len(self.owned) >= fair:
                        break
        self.owned.sort()
        return self.owned

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        self.owned = []
        if connection is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await connection.close()


class OutboxRelay:
    """``lanes`` = 0: any replica may claim any row (per-key advisory locks keep the order).
    ``lanes`` = a power of two (the setting ``outbox_lanes``): the outbox is split into that
    many lanes by a hash of the key and each replica publishes only the lanes it owns
    (:class:`LaneLeases`), so N replicas work side by side instead of queueing for the same
    rows. Every relay of one database must use the same setting."""

    def __init__(
        self,
        database: Database,
        bus: EventBus,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
        retention: timedelta = timedelta(days=7),
        lanes: int = 0,
        lane_check_interval: float = 1.0,
        concurrency: int = 1,
    ) -> None:
        self.database = database
        self.bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.retention = retention
        self.leases = LaneLeases(database, lanes) if lanes else None
        self.lane_check_interval = lane_check_interval
        if concurrency > 1 and self.leases is None:
            raise ValueError("concurrent publishing needs lanes (order per key)")
        self.concurrency = max(1, concurrency)
        self._lanes_checked = float("-inf")
        self._lanes_lock = asyncio.Lock()
        self._wakes = [asyncio.Event() for _ in range(self.concurrency)]

    async def publish_once(self) -> int:
        """Publish one batch; returns how many envelopes went out. Raises if the bus failed.

        Two statements per batch besides BEGIN/COMMIT: the claim that also marks the rows
        published (rolled back if the bus fails) and the COMMIT after every ack."""
        return await self._publish_group(0, 1)

    async def _publish_group(self, group: int, groups: int) -> int:
        """One batch of the owned lanes ``lane % groups == group`` (all rows without lanes):
        with ``concurrency`` > 1 each of the relay's publishing loops has its own lanes, so
        one loop's claim overlaps another's wait for Kafka's acks."""
        parameters: dict[str, Any] = {"batch_size": self.batch_size}
        if self.leases is None:
            statement = _CLAIM_AND_MARK
        else:
            lanes = [lane for lane in await self.owned_lanes() if lane % groups == group]
            if not lanes:
                return 0
            statement = _CLAIM_LANES_AND_MARK
            parameters |= {"mask": self.leases.lanes - 1, "lanes": lanes}
        async with self.database.engine.connect() as connection:
            transaction = await connection.begin()
            claimed = await connection.execute(statement, parameters)
            rows = sorted(claimed.all(), key=lambda row: row.id)  # RETURNING keeps no order
            if not rows:
                await transaction.rollback()
                return 0
            bodies = [pydantic_core.from_json(row.envelope) for row in rows]
            try:
                await self._send(bodies)
            except Exception as exc:
                await transaction.rollback()
                ids = [row.id for row in rows]
                with contextlib.suppress(*_MARK_FAILED_ERRORS):
                    async with self.database.engine.begin() as failed:
                        await failed.execute(_MARK_FAILED, {"ids": ids, "error": repr(exc)[:2000]})
                raise
            await transaction.commit()
            return len(rows)

    async def _send(self, bodies: list[Any]) -> None:
        send_structured = getattr(self.bus, "send_structured", None)
        if send_structured is None:  # a bus written before send_structured: envelopes
            await self.bus.send_batch([Envelope.from_structured(body) for body in bodies])
        else:
            await send_structured(bodies)

    async def owned_lanes(self) -> list[int]:
        """The lanes this relay owns, checked again every ``lane_check_interval``."""
        assert self.leases is not None
        async with self._lanes_lock:
            now = time.monotonic()
            if now - self._lanes_checked >= self.lane_check_interval:
                self._lanes_checked = now
                await self.leases.rebalance()
            return list(self.leases.owned)

    async def close(self) -> None:
        """Give the lanes back at once (a stopped relay's lanes go to the others)."""
        if self.leases is not None:
            await self.leases.close()

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
        try:
            await asyncio.gather(
                *(self._publish_loop(stop, group) for group in range(self.concurrency))
            )
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await self.close()

    async def _publish_loop(self, stop: asyncio.Event, group: int) -> None:
        wake = self._wakes[group]
        backoff = self.poll_interval
        while not stop.is_set():
            wake.clear()  # a NOTIFY from here on wakes the wait below at once
            try:
                published = await self._publish_group(group, self.concurrency)
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
            await at_most(self.poll_interval, self._wait_for_wake(stop, wake))

    async def _wait_for_wake(self, stop: asyncio.Event, wake: asyncio.Event) -> None:
        stopped = asyncio.create_task(stop.wait())
        woken = asyncio.create_task(wake.wait())
        try:
            await asyncio.wait({stopped, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            woken.cancel()

    def _wake_all(self) -> None:
        for wake in self._wakes:
            wake.set()

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN for commits that wrote outbox rows; polling covers any gap while reconnecting."""
        dsn = libpq_dsn(self.database.url)
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._wake_all()  # rows may have arrived while we were not listening
                    async for _ in conn.notifies():
                        self._wake_all()
            except (psycopg.Error, OSError) as exc:
                log.info("outbox.listen_reconnect", error=repr(exc))
                await _sleep_unless(stop, self.poll_interval)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    await at_most(seconds, stop.wait())
