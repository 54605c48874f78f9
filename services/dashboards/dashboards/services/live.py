"""Live updates: one watcher per web process follows the read model's revision (bumped in the
same transaction as each applied batch, whichever process consumed it) and wakes every open
event stream when it moves. One small query per interval, however many pages are open."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from common.db.engine import Database
from dashboards.db.reading import revision

log = structlog.get_logger(__name__)


class RevisionWatcher:
    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        self.interval = interval
        self.current = 0
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def read(self) -> int:
        async with self.database.session() as session:
            return await revision(session)

    async def start(self) -> None:
        with contextlib.suppress(Exception):  # an unreachable database must not stop start-up
            self.current = await self.read()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.current != seen), timeout
                )
        return self.current
