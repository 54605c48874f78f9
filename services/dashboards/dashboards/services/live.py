"""Live updates: one watcher per web process follows the read model's revision (bumped in the
same transaction as each applied batch, whichever process consumed it) and wakes every open
event stream when it moves. It LISTENs for the commit's notification and reads the revision
at once; it also reads it every interval, which covers a lost connection. One small query per
change or interval, however many pages are open."""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
import structlog

from common.db.engine import Database, libpq_dsn
from common.waiting import at_most
from dashboards.db.projection import REVISION_CHANNEL
from dashboards.db.reading import revision

log = structlog.get_logger(__name__)


class RevisionWatcher:
    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        self.interval = interval
        self.current = 0
        self._changed = asyncio.Condition()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def read(self) -> int:
        async with self.database.session() as session:
            return await revision(session)

    async def start(self) -> None:
        with contextlib.suppress(Exception):  # an unreachable database must not stop start-up
            self.current = await self.read()
        self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._listen())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        # gather, not a suppressed CancelledError per task: a stop itself cancelled (the
        # shutdown's limit) must end cancelled
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _listen(self) -> None:
        dsn = libpq_dsn(self.database.url)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {REVISION_CHANNEL}")
                    async for _ in conn.notifies():
                        self._wake.set()
            except Exception as exc:  # polling goes on; listen again shortly
                log.warning("dashboards.listen_failed", error=repr(exc))
                await asyncio.sleep(1)

    async def _run(self) -> None:
        while True:
            await at_most(self.interval, self._wake.wait())
            self._wake.clear()
            try:
                value = await self.read()
            except Exception as exc:  # keep watching; the streams keep their last revision
                log.warning("dashboards.revision_unavailable", error=repr(exc))
                continue
            if value != self.current:
                self.current = value
                async with self._changed:
                    self._changed.notify_all()

    async def wait_for_change(self, seen: int, timeout: float) -> int:
        """The revision once it differs from ``seen`` (at most ``timeout`` seconds later)."""
        if self.current != seen:
            return self.current
        async with self._changed:
            await at_most(timeout, self._changed.wait_for(lambda: self.current != seen))
        return self.current
