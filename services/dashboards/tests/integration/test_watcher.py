"""The revision watcher stops at once whatever it is doing: the app's shutdown awaits it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable

from common.db.engine import Database
from common.testing.infra import free_port
from dashboards.services.live import RevisionWatcher

from .factories import lease

STOP_SECONDS = 10  # generous: a stop takes milliseconds; one that does not return is a hang


async def ends_in_time(stopping: Awaitable[None]) -> bool:
    """Whether ``stopping`` ends within the limit (waited for without cancelling it: a
    cancellation could end a hung stop and hide the hang)."""
    task = asyncio.ensure_future(stopping)
    done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
    task.cancel()
    return task in done


async def stop_turns_after_a_wake(watcher: RevisionWatcher, turns: int) -> None:
    while not watcher._wake.is_set():
        await asyncio.sleep(0)
    for _ in range(turns):
        await asyncio.sleep(0)
    await watcher.stop()


async def test_stop_right_when_a_revision_is_notified(dashboards_db, feed):
    """A notification wakes the polling task a few loop turns after it arrives; a stop at
    any of those turns must end it. (``asyncio.wait_for`` on Python 3.11 swallows a
    cancellation that comes when what it awaits is already done, python/cpython#86296: the
    task went on polling, and the app's shutdown waited for it until the lifespan's limit.)"""
    leases = itertools.count(1)
    for turns in range(6):
        watcher = RevisionWatcher(dashboards_db, interval=60)  # no poll: only notifications
        await watcher.start()
        seen = watcher.current
        async with asyncio.timeout(STOP_SECONDS):
            while watcher.current == seen:  # until the watcher listens
                await feed(lease(next(leases)))
                await asyncio.sleep(0.05)
        stopping = asyncio.create_task(stop_turns_after_a_wake(watcher, turns))
        await feed(lease(next(leases)))
        assert await ends_in_time(stopping), f"a stop {turns} loop turns after a wake hung"


async def test_a_stop_cancelled_is_cancelled(dashboards_db):
    """A stop cut short (the app's shutdown limit) ends with the cancellation, not as if
    the watcher had stopped."""
    watcher = RevisionWatcher(dashboards_db, interval=60)
    await watcher.start()
    stopping = asyncio.create_task(watcher.stop())
    await asyncio.sleep(0)
    stopping.cancel()
    assert await ends_in_time(asyncio.wait({stopping}))
    assert stopping.cancelled()


async def test_stop_while_the_database_is_unreachable():
    database = Database(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    watcher = RevisionWatcher(database, interval=0.05)
    await watcher.start()
    await asyncio.sleep(1.5)  # listening failed and waits to retry; each poll fails
    assert await ends_in_time(watcher.stop())
    await database.dispose()
