"""One round of "commit → seen downstream" lag at a steady rate, shared by the benchmarks that
measure it for a consumer of the register's events (the calculator, the dashboards).

A writer in this process commits one event per transaction into an outbox (``UnitOfWork.
record_event`` + commit, the register's write path as far as events go), open-loop at ``rate``:
event *i* is started at ``start + i / rate`` whatever happened before. The outbox relay runs in a
child process (as the register's worker), the consumer in another (as the consuming service's
worker); the consumer child stamps when each event's key became visible downstream
(``time.monotonic``: one clock for every process on Linux) and hands the stamps back over its
pipe when the parent says stop. Lag = stamp − the moment the writer's commit returned.

A benchmark supplies the event for a key and a ``Build`` function (module level, so the spawned
child can import it by name) that starts the consumer's tasks for a kind ("baseline" — the
platform's no-op handler that only stamps — or the benchmark's own).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any, Protocol

from bench import _stats
from bench._setup import Infra, example_database, new_topic, quiet_logging, unique_name
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus

Progress = Callable[[str], None]
WRITERS = 40  # commits in flight at most (the writer's pool)
TABLE_HEADER = (
    "| path | leases/s | measured | p50 ms | p99 ms | max ms | never arrived |\n"
    "|---|---:|---:|---:|---:|---:|---:|"
)


@dataclass(frozen=True)
class Timing:
    seconds: float
    rate: float
    warmup: float = 2.0  # the first seconds of a round are discarded
    drain: float = 15.0  # how long the consumer may take after the last commit


@dataclass
class Series:
    lags_ms: list[float] = field(default_factory=list)
    achieved_rate: float = 0.0
    missing: int = 0

    def row(self, name: str) -> str:
        """The series as a row under ``TABLE_HEADER``."""
        p = _stats.percentile
        return (
            f"| {name} | {self.achieved_rate:.0f} | {len(self.lags_ms):,} | "
            f"{p(self.lags_ms, 50):.1f} | {p(self.lags_ms, 99):.1f} | "
            f"{max(self.lags_ms, default=float('nan')):.1f} | {self.missing} |"
        )


@dataclass
class ConsumerChild:
    """What a ``Build`` function gets to start a consumer child's tasks with."""

    kind: str
    bootstrap: str
    database: Database
    url: str
    topic: str
    group: str
    stamps: dict[str, float]  # key → when it became visible downstream
    stop: asyncio.Event


class Build(Protocol):
    def __call__(self, child: ConsumerChild) -> list[Coroutine[Any, Any, None]]: ...


EventFor = Callable[[str, datetime], Envelope]  # the event of a key, recorded at a time


async def open_loop_write(
    database: Database,
    topic: str,
    timing: Timing,
    event_for: EventFor,
    prefix: str,
    commits: dict[str, float],
) -> float:
    """Commit ``seconds × rate`` events open-loop; returns the achieved rate. At most
    ``WRITERS`` commits are in flight: on a machine too busy for the rate the writer falls
    behind (the achieved rate is reported) instead of timing out on the pool; the lag is
    measured from each commit's return, so the queue does not count."""
    count = int(timing.seconds * timing.rate)
    started = time.monotonic()
    pending: set[asyncio.Task[None]] = set()
    slots = asyncio.Semaphore(WRITERS)

    async def one(index: int) -> None:
        key = f"{prefix}-{index}"
        async with slots:
            envelope = event_for(key, datetime.now(UTC)).caused(topic=topic)
            async with UnitOfWork(database) as uow:
                uow.record_event(envelope)
                await uow.commit()
                commits[key] = time.monotonic()  # before the session is closed

    for index in range(count):
        delay = started + index / timing.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(index))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return count / (time.monotonic() - started)


def _child(
    build: Build, kind: str, bootstrap: str, url: str, topic: str, group: str, pipe: Connection
) -> None:
    quiet_logging()
    asyncio.run(_serve(build, kind, bootstrap, url, topic, group, pipe))


async def _serve(
    build: Build, kind: str, bootstrap: str, url: str, topic: str, group: str, pipe: Connection
) -> None:
    database = Database(url, pool_size=3, pre_ping=False)
    stamps: dict[str, float] = {}
    stop = asyncio.Event()
    bus: KafkaBus | None = None
    if kind == "relay":
        bus = KafkaBus(bootstrap, client_id="bench-register-relay")
        work = [OutboxRelay(database, bus).run(stop)]
    else:
        work = build(ConsumerChild(kind, bootstrap, database, url, topic, group, stamps, stop))
    tasks = [asyncio.create_task(coroutine) for coroutine in work]
    await asyncio.sleep(2.0)  # joined the group / listening
    pipe.send("ready")
    expected, drain = await _received(pipe)
    deadline = time.monotonic() + drain
    while kind != "relay" and len(stamps) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    if bus is not None:
        await bus.stop()
    await database.dispose()
    pipe.send(stamps)


async def _received(pipe: Connection) -> Any:
    while not pipe.poll():
        await asyncio.sleep(0.05)
    return pipe.recv()


async def lag_round(
    infra: Infra,
    name: str,
    consumer_database: Callable[[], AbstractAsyncContextManager[str]],
    build: Build,
    kind: str,
    timing: Timing,
    event_for: EventFor,
    progress: Progress,
) -> Series:
    """One round: a relay child on a fresh producer database, a ``kind`` consumer child on
    ``consumer_database()`` (an async context manager yielding its URL), the writer
    here; the lags of every key committed after the warm-up."""
    topic = await new_topic(infra, name)
    prefix = f"{name[:4]}{uuid.uuid4().hex[:6]}"
    commits: dict[str, float] = {}
    context = multiprocessing.get_context("spawn")
    async with example_database(infra) as producer_url, consumer_database() as consumer_url:
        children = []
        for child_kind, url in (("relay", producer_url), (kind, consumer_url)):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_child,
                args=(build, child_kind, infra.bootstrap, url, topic, unique_name(name), child_end),
                daemon=True,
            )
            process.start()
            children.append((process, parent_end))
        try:
            for _, pipe in children:
                await _received(pipe)  # "ready"
            producer = Database(producer_url, pool_size=WRITERS)
            try:
                rate = await open_loop_write(producer, topic, timing, event_for, prefix, commits)
            finally:
                await producer.dispose()
            (_, relay_pipe), (_, consumer_pipe) = children
            consumer_pipe.send((len(commits), timing.drain))
            arrivals: dict[str, float] = await _received(consumer_pipe)
            relay_pipe.send((0, 0.0))
            await _received(relay_pipe)
        finally:
            for process, _ in children:
                process.join(timeout=30)
                if process.is_alive():
                    process.terminate()
    first = min(commits.values())
    series = Series(achieved_rate=rate)
    for key, committed in commits.items():
        if committed - first < timing.warmup:
            continue
        if key not in arrivals:
            series.missing += 1
            continue
        series.lags_ms.append((arrivals[key] - committed) * 1000)
    progress(f"{name}: {kind} round, p99 {_stats.percentile(series.lags_ms, 99):.1f} ms")
    return series
