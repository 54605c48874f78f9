"""``common.waiting.at_most``: a limit on a wait that never loses the cancellation that stops
a loop (asyncio.wait_for on Python 3.11 does when the awaited is already done)."""

from __future__ import annotations

import asyncio

import pytest

from common.waiting import at_most


async def test_it_gives_up_quietly_after_the_limit():
    never = asyncio.Event()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await at_most(0.05, never.wait())
    assert loop.time() - started >= 0.05


async def test_it_returns_when_the_awaited_ends():
    woken = asyncio.Event()
    woken.set()
    await asyncio.wait_for(at_most(60, woken.wait()), 5)


@pytest.mark.parametrize("turns", range(4))
async def test_a_stop_that_comes_as_the_loop_is_woken_stops_it(turns):
    wake = asyncio.Event()

    async def watching() -> None:  # what the relay, the worker's jobs and the watcher do
        while True:
            await at_most(60, wake.wait())
            wake.clear()

    task = asyncio.create_task(watching())
    await asyncio.sleep(0)  # it waits
    wake.set()
    for _ in range(turns):
        await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done, f"a stop {turns} loop turns after a wake was lost"
    assert task.cancelled()
