"""Two-session interleaving tests on the real PostgreSQL: the test holds one transaction open
while another runs as a task, and goes on once that task is done or blocked on a lock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from common.db.engine import Database, libpq_dsn
from common.db.uow import UnitOfWork


def sessions_waiting_for_a_lock(url: str) -> int:
    """How many sessions of the database ``url`` wait for a lock (a row, an advisory lock…)."""
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return 0 if row is None else int(row[0])


async def done_or_blocked(url: str, task: asyncio.Future[Any]) -> None:
    """Return once ``task`` is done or a session of the database waits for a lock."""
    while not task.done():  # polled: PostgreSQL tells no one of a lock wait
        if await asyncio.to_thread(sessions_waiting_for_a_lock, url):
            return
        await asyncio.sleep(0.05)


Step = Callable[[UnitOfWork], Awaitable[object]]


async def interleaved(database: Database, first: Step, second: Step) -> None:
    """``first`` in a unit of work left open while ``second`` runs in its own; ``first``
    commits once ``second`` has ended or waits for a lock (one ``first`` holds), then
    ``second`` is awaited. Each commits when its step returns."""

    async def run_second() -> None:
        async with UnitOfWork(database) as uow:
            await second(uow)
            await uow.commit()

    async with UnitOfWork(database) as uow:
        await first(uow)
        later = asyncio.create_task(run_second())
        await done_or_blocked(database.url, later)
        await uow.commit()
    await later
