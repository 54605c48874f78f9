"""The child processes of the latency benchmark, as deployed: each in its own process.

* ``relay`` – the producing service's worker: ``OutboxRelay.run(stop)``, woken by NOTIFY. Its
  bus stamps every event when Kafka acknowledged the batch.
* ``consumer`` – the consuming service's worker: a ``KafkaConsumerRunner``; the handler stamps
  the event, then applies it like the crash tests' witness (one INSERT in the inbox
  transaction).
* ``kafka`` – the baseline's consumer: a bare ``AIOKafkaConsumer`` with the runner's settings
  and loop (``getmany``, offsets committed per partition batch), stamping each record; no
  database.

Stamps are ``time.monotonic()``: on Linux that is CLOCK_MONOTONIC, one clock for every process
of the machine, so the parent (the writer) subtracts its own stamps from these.

Protocol over the pipe: the child sends ``"ready"`` with its first stamp; the parent later
sends ``("stop", expected)``; the child waits (bounded) until it has ``expected`` stamps, stops
and sends back a report: ``received`` / ``acked`` ({event id: stamp}), its CPU time per event
since the first stamp and, for the relay, events per batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import CommitFailedError
from sqlalchemy.ext.asyncio import AsyncSession

from bench._setup import quiet_logging
from common.db.engine import Database
from common.events.consumer import Consumer, KafkaConsumerRunner, freeze_startup_objects
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing.witness import witness_handler

READY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 60.0  # a path that fell behind gets this long to catch up after the last event


@dataclass(frozen=True)
class WorkerConfig:
    kind: str  # "relay" | "consumer" | "kafka"
    bootstrap: str
    topic: str
    group: str
    database_url: str | None = None


class GcPauses:
    """The garbage collector's pauses in this process (``gc.callbacks``): a full collection
    stops the event loop, and every event that arrives meanwhile waits for it."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0
        self.recording = False
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self.recording:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1000)

    def report(self) -> dict[str, float]:
        return {
            "collections": len(self.pauses_ms),
            "total_ms": sum(self.pauses_ms),
            "max_ms": max(self.pauses_ms, default=0.0),
        }


class Stamps:
    """Received (consumers) or acknowledged (relay) stamps. Tells the parent when the first is
    in, and counts the process's CPU time (and garbage collector pauses) from then on."""

    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.received: dict[str, float] = {}
        self.acked: dict[str, float] = {}
        self.batches = 0
        self.cpu_at_first: float | None = None
        self.gc = GcPauses()

    def _first(self) -> None:
        if self.cpu_at_first is None:
            self.cpu_at_first = time.process_time()
            self.gc.recording = True
            self.pipe.send("ready")

    def receive(self, event_id: str, at: float | None = None) -> None:
        self.received.setdefault(event_id, time.monotonic() if at is None else at)
        self._first()

    def ack(self, envelopes: Sequence[Envelope]) -> None:
        acked = time.monotonic()
        self.batches += 1
        for envelope in envelopes:
            self.acked.setdefault(str(envelope.id), acked)
        self._first()

    def count(self) -> int:
        return len(self.received) + len(self.acked)  # a child fills only one of them

    def report(self) -> dict[str, Any]:
        cpu = time.process_time() - (self.cpu_at_first or time.process_time())
        return {
            "received": self.received,
            "acked": self.acked,
            "cpu_ms_per_event": cpu * 1000 / max(self.count() - 1, 1),
            "events_per_batch": len(self.acked) / self.batches if self.batches else None,
            "gc": self.gc.report(),
        }


def worker_main(config: WorkerConfig, pipe: Connection) -> None:
    """Entry point of a child process."""
    quiet_logging()
    freeze_startup_objects()  # as a service's worker does
    asyncio.run(_serve(config, pipe))


async def _serve(config: WorkerConfig, pipe: Connection) -> None:
    stamps = Stamps(pipe)
    stop = asyncio.Event()
    serve = {"relay": _relay, "consumer": _consumer, "kafka": _bare_consumer}[config.kind]
    task = asyncio.create_task(serve(config, stamps, stop))
    expected = await _wait_for_stop(pipe, task)
    await _wait_until(lambda: stamps.count() >= expected, DRAIN_TIMEOUT, task)
    report = stamps.report()
    stop.set()
    await task
    pipe.send(report)


async def _wait_for_stop(pipe: Connection, task: asyncio.Task[None]) -> int:
    """The parent's ("stop", expected) message, read without blocking the event loop."""
    while not pipe.poll():
        if task.done():
            task.result()  # raises the worker's error
            raise RuntimeError("the worker stopped on its own")
        await asyncio.sleep(0.05)
    command, expected = pipe.recv()
    if command != "stop":
        raise RuntimeError(f"unexpected command {command!r}")
    return int(expected)


async def _wait_until(done: Callable[[], bool], timeout: float, task: asyncio.Task[None]) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.05)


class StampingBus(KafkaBus):
    """Stamps every envelope of a batch once Kafka acknowledged the batch."""

    def __init__(self, bootstrap_servers: str, stamps: Stamps) -> None:
        super().__init__(bootstrap_servers, client_id="bench-latency-relay")
        self.stamps = stamps

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        await super().send_batch(envelopes)
        self.stamps.ack(envelopes)


def _database(config: WorkerConfig) -> Database:
    if config.database_url is None:
        raise ValueError(f"the {config.kind} worker needs a database")
    return Database(config.database_url, pre_ping=False)  # as a worker does


async def _relay(config: WorkerConfig, stamps: Stamps, stop: asyncio.Event) -> None:
    database = _database(config)
    bus = StampingBus(config.bootstrap, stamps)
    try:
        await OutboxRelay(database, bus).run(stop)
    finally:
        await bus.stop()
        await database.dispose()


def _stamping_handler(
    stamps: Stamps, group: str
) -> Callable[[AsyncSession, Envelope], Awaitable[None]]:
    apply = witness_handler(group)

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        stamps.receive(str(envelope.id))
        await apply(session, envelope)

    return handle


async def _consumer(config: WorkerConfig, stamps: Stamps, stop: asyncio.Event) -> None:
    database = _database(config)
    consumer = Consumer(config.group, (config.topic,), _stamping_handler(stamps, config.group))
    try:
        await KafkaConsumerRunner(database, config.bootstrap, consumer).run(stop)
    finally:
        await database.dispose()


async def _bare_consumer(config: WorkerConfig, stamps: Stamps, stop: asyncio.Event) -> None:
    """The runner's Kafka loop without the database: stamp, then commit offsets per batch."""
    kafka = AIOKafkaConsumer(
        config.topic,
        bootstrap_servers=config.bootstrap,
        group_id=config.group,
        client_id=config.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    await kafka.start()
    try:
        while not stop.is_set():
            batches = await kafka.getmany(timeout_ms=200, max_records=500)
            for partition, records in batches.items():
                for record in records:
                    arrived = time.monotonic()
                    stamps.receive(dict(record.headers)["ce_id"].decode(), arrived)
                with contextlib.suppress(CommitFailedError):  # rebalanced, as the runner does
                    await kafka.commit({partition: records[-1].offset + 1})
    finally:
        await kafka.stop()
