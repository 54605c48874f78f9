"""Waiting with a limit, without losing a stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable


async def at_most(seconds: float, awaitable: Awaitable[object]) -> None:
    """Await ``awaitable`` for at most ``seconds`` (then give up on it, quietly).

    Not ``asyncio.wait_for``: on Python 3.11 it swallows a cancellation that comes when the
    awaitable is already done (python/cpython#86296), so a loop stopped by cancelling its task
    just as it was woken went on — its stop, and the process's shutdown, waiting for it."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await awaitable
