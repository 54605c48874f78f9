"""The child processes of the latency benchmark, as deployed: each in its own process.

* ``relay`` – the producing service's worker: ``OutboxRelay.run(stop)``, woken by NOTIFY. Its
  bus stamps every event when Kafka acknowledged the batch.
* ``consumer`` – the consuming service's worker: a ``KafkaConsumerRunner``; the handlers stamp
  the events, then apply them like the crash tests' witness (their rows written in the inbox
  transaction: a fetch's events by one batch handler call, one INSERT, as the platform's
  consumers apply a fetch). The runner is :class:`StagedRunner`, which stamps every event at each stage of
  the runner's loop as well (:class:`Stages`) — overrides in this benchmark only, the service's
  runner carries no instrumentation.
* ``kafka`` – the baseline's consumer: a bare ``AIOKafkaConsumer`` with the runner's settings
  and loop (``getmany``, offsets committed per partition batch), stamping each record; no
  database.
* ``platform`` – one service's whole worker (``common.worker.serve_worker``: its relay, every
  consumer, its jobs) on its own database under the run's topic/group prefix, as
  ``python -m <package>.worker`` runs it (``bench.platform_latency``). Measured consumers get
  their handlers wrapped to stamp the events of ``stamp_types`` when the handler (or the batch
  handler) is called; with ``relay`` its bus stamps those events when Kafka acknowledged them.
  Both wrappers exist in this process only: the service's code is unchanged.

Stamps are ``time.monotonic()``: on Linux that is CLOCK_MONOTONIC, one clock for every process
of the machine, so the parent (the writer) subtracts its own stamps from these.

Protocol over the pipe: the child sends ``"ready"`` with its first stamp; the parent later
sends ``("stop", expected)``; the child waits (bounded) until it has ``expected`` stamps, stops
and sends back a report: ``received`` / ``acked`` ({event id: stamp}), its CPU time per event
since the first stamp and, for the relay, events per batch; the consumer also ``stages``
({stage: {event id: stamp}}) and ``offset_commits_ms`` (how long each offset commit took).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import dataclasses
import functools
import gc
import importlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from unittest import mock

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

import common.worker
from bench._setup import quiet_logging
from common.db.engine import Database
from common.events.consumer import (
    Consumer,
    InboxProcessor,
    KafkaConsumerRunner,
    Outcome,
)
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing.example.db.models import applied_events
from common.testing.witness import witness_row
from housing.services import service as housing_service

READY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 60.0  # a path that fell behind gets this long to catch up after the last event


@dataclass(frozen=True)
class WorkerConfig:
    kind: str  # "relay" | "consumer" | "kafka"
    bootstrap: str
    topic: str
    group: str
    database_url: str | None = None
    # "platform": the service (housing.services name), the prefix of its topics and groups, the
    # consumers whose handlers stamp, the event types stamped, whether its relay stamps acks,
    # and settings overrides (name, value).
    service: str | None = None
    prefix: str = ""
    measured: tuple[str, ...] = ()
    stamp_types: tuple[str, ...] = ()
    relay: bool = False
    settings: tuple[tuple[str, str], ...] = ()
    # "consumer": any event (its data need not carry a version: the witness row gets 1).
    any_event: bool = False


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


# The runner's stages, in the order an event passes them (stamps: time.monotonic()):
STAGES = (
    "asked",  # getmany was called (the fetch that returned the event)
    "fetched",  # getmany returned it
    "handed",  # its fetch was handed to _handle_fetch
    "begun",  # its transaction was asked for (apply_leading called; decoded before that)
    "claimed",  # the inbox claim of its transaction returned (its first handler was called)
    # (then "handler": the handler was called, the benchmark's arrival stamp, in Stamps)
    "committed",  # its transaction committed (apply_leading returned)
)


@dataclass
class Stages:
    """Each event's stamp at each stage of :data:`STAGES` (the first stamp of an event wins)."""

    at: dict[str, dict[str, float]] = field(default_factory=lambda: {s: {} for s in STAGES})
    offset_commits_ms: list[float] = field(default_factory=list)

    def stamp(self, stage: str, event_ids: Sequence[str], at: float) -> None:
        stamps = self.at[stage]
        for event_id in event_ids:
            stamps.setdefault(event_id, at)


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
        self.stages: Stages | None = None  # the inbox consumer's

    def ready(self) -> None:
        """A worker that stamps nothing says it is ready when it starts."""
        self._first()

    def _first(self) -> None:
        if self.cpu_at_first is None:
            self.cpu_at_first = time.process_time()
            self.gc.recording = True
            self.pipe.send("ready")

    def receive(self, event_id: str, at: float | None = None) -> None:
        self.received.setdefault(event_id, time.monotonic() if at is None else at)
        self._first()

    def ack(self, envelopes: Sequence[Envelope]) -> None:
        self.ack_ids([str(envelope.id) for envelope in envelopes])

    def ack_ids(self, event_ids: Sequence[str]) -> None:
        acked = time.monotonic()
        self.batches += 1
        for event_id in event_ids:
            self.acked.setdefault(event_id, acked)
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
            "stages": self.stages.at if self.stages else None,
            "offset_commits_ms": self.stages.offset_commits_ms if self.stages else None,
        }


# With this environment variable set to a directory, every child writes a cProfile of its run
# there (``<service or kind>-<pid>.prof``): where a worker's CPU per event goes. Off by default
# (it slows the child several-fold, so its latencies are not the run's).
PROFILE_ENV = "BENCH_LATENCY_PROFILE_DIR"


def worker_main(config: WorkerConfig, pipe: Connection) -> None:
    """Entry point of a child process."""
    quiet_logging()
    common.worker.collect_in_bulk()  # as a service's worker does
    folder = os.environ.get(PROFILE_ENV)
    if not folder:
        common.worker.run_event_loop(_serve(config, pipe))
        return
    profile = cProfile.Profile(time.process_time)  # CPU, not the wall a busy machine stretches
    profile.enable()
    try:
        common.worker.run_event_loop(_serve(config, pipe))
    finally:
        profile.disable()
        name = config.service or config.kind
        profile.dump_stats(os.path.join(folder, f"{name}-{os.getpid()}.prof"))


async def _serve(config: WorkerConfig, pipe: Connection) -> None:
    stamps = Stamps(pipe)
    stop = asyncio.Event()
    serve = {
        "relay": _relay,
        "consumer": _consumer,
        "kafka": _bare_consumer,
        "platform": _platform_worker,
    }[config.kind]
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

    async def send_structured(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        """The relay's own path, as in production (records from the stored form, no
        envelopes): overriding ``send_batch`` alone would send the relay down the slower one."""
        await self.send_structured_records(bodies)
        self.stamps.ack_ids([str(body["id"]) for body in bodies])


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


# The transaction being applied (set by StagedProcessor, in the task that applies it): its
# first handler call stamps the claim.
_transaction: ContextVar[dict[str, float] | None] = ContextVar("_transaction", default=None)


def _witness_row(group: str, envelope: Envelope, any_event: bool) -> dict[str, Any]:
    """The witness row of an event (``any_event``: version from its data if it has one, else 1)."""
    return witness_row(group, envelope, int(envelope.data.get("version", 1)) if any_event else None)


def _stamping_consumer(stamps: Stamps, group: str, topic: str, any_event: bool) -> Consumer:
    """The benchmark's inbox consumer: its handlers stamp each event when they are called, then
    write its witness row, in the runner's transaction. The batch handler (the runner's usual
    path, as for the platform's consumers) stamps a batch's events at its call and writes their
    rows in one INSERT; the handler (retries, the savepoint fallback) one row."""

    def stamp(envelopes: Sequence[Envelope]) -> None:
        at = time.monotonic()
        transaction = _transaction.get()
        if transaction is not None and "claimed" not in transaction:
            transaction["claimed"] = at
        for envelope in envelopes:
            stamps.receive(str(envelope.id), at)

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        stamp([envelope])
        await session.execute(insert(applied_events), [_witness_row(group, envelope, any_event)])

    async def handle_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        stamp(envelopes)
        rows = [_witness_row(group, envelope, any_event) for envelope in envelopes]
        await session.execute(insert(applied_events), rows)

    return Consumer(group, (topic,), handle, handle_batch)


class StagedProcessor(InboxProcessor):
    """Stamps each transaction's events when it is asked for, claimed and committed."""

    def __init__(self, database: Database, consumer: Consumer, stages: Stages) -> None:
        super().__init__(database, consumer)
        self.stages = stages

    async def apply_leading(
        self, envelopes: Sequence[Envelope], ids: Sequence[str] | None = None
    ) -> list[Outcome]:
        event_ids = list(ids) if ids is not None else [str(e.id) for e in envelopes]
        transaction: dict[str, float] = {}
        token = _transaction.set(transaction)
        begun = time.monotonic()
        try:
            outcomes = await super().apply_leading(envelopes, ids)
        finally:
            _transaction.reset(token)
        committed = time.monotonic()
        self.stages.stamp("begun", event_ids, begun)
        if "claimed" in transaction:
            self.stages.stamp("claimed", event_ids, transaction["claimed"])
        self.stages.stamp("committed", event_ids, committed)
        return outcomes


Fetched = dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]


def _event_ids(batches: Fetched) -> list[str]:
    """The records' event ids (``ce_id``; a record without one is left out)."""
    return [
        value.decode()
        for records in batches.values()
        for record in records
        for name, value in record.headers
        if name == "ce_id"
    ]


class StagedRunner(KafkaConsumerRunner):
    """The service's runner, stamping each event at the stages of its loop (:data:`STAGES`)."""

    def __init__(self, database: Database, bootstrap: str, consumer: Consumer, stages: Stages):
        super().__init__(database, bootstrap, consumer)
        self.processor = StagedProcessor(database, consumer, stages)
        self.stages = stages

    async def _fetch(self, kafka: AIOKafkaConsumer, max_records: int) -> Fetched:
        asked = time.monotonic()
        batches = await super()._fetch(kafka, max_records)
        fetched = time.monotonic()
        ids = _event_ids(batches)
        self.stages.stamp("asked", ids, asked)
        self.stages.stamp("fetched", ids, fetched)
        return batches

    async def _handle_fetch(
        self, kafka: AIOKafkaConsumer, batches: Fetched, dlq: AIOKafkaProducer
    ) -> None:
        self.stages.stamp("handed", _event_ids(batches), time.monotonic())
        await super()._handle_fetch(kafka, batches, dlq)

    async def _commit_offsets(  # type: ignore[override]
        self, kafka: AIOKafkaConsumer, offsets: dict[TopicPartition, int]
    ) -> None:
        started = time.monotonic()
        await KafkaConsumerRunner._commit_offsets(kafka, offsets)
        self.stages.offset_commits_ms.append((time.monotonic() - started) * 1000)


async def _consumer(config: WorkerConfig, stamps: Stamps, stop: asyncio.Event) -> None:
    database = _database(config)
    consumer = _stamping_consumer(stamps, config.group, config.topic, config.any_event)
    stamps.stages = Stages()
    try:
        await StagedRunner(database, config.bootstrap, consumer, stamps.stages).run(stop)
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


# --- the platform's workers -----------------------------------------------------------------


class TypeStampingBus(KafkaBus):
    """A service's bus that stamps the events of some types once Kafka acknowledged them."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        stamps: Stamps,
        types: frozenset[str],
        client_id: str = "housing",
        prefix: str = "",
    ) -> None:
        super().__init__(bootstrap_servers, client_id=client_id, prefix=prefix)
        self.stamps = stamps
        self.types = types

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        await super().send_batch(envelopes)
        stamped = [envelope for envelope in envelopes if envelope.type in self.types]
        if stamped:
            self.stamps.ack(stamped)

    async def send_structured(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        """The relay's own path, as in production (see :meth:`StampingBus.send_structured`)."""
        await self.send_structured_records(bodies)
        stamped = [str(body["id"]) for body in bodies if body["type"] in self.types]
        if stamped:
            self.stamps.ack_ids(stamped)


def stamping_consumer(consumer: Consumer, stamps: Stamps, types: frozenset[str]) -> Consumer:
    """``consumer`` with handlers that stamp the events of ``types`` when they are called (a
    batch: every event of it at the batch handler's call), then do what they did."""
    handler, batch_handler = consumer.handler, consumer.batch_handler

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        if envelope.type in types:
            stamps.receive(str(envelope.id))
        await handler(session, envelope)

    async def handle_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        at = time.monotonic()
        for envelope in envelopes:
            if envelope.type in types:
                stamps.receive(str(envelope.id), at)
        assert batch_handler is not None
        await batch_handler(session, envelopes)

    return dataclasses.replace(
        consumer, handler=handle, batch_handler=handle_batch if batch_handler else None
    )


async def _platform_worker(config: WorkerConfig, stamps: Stamps, stop: asyncio.Event) -> None:
    """One service's worker as ``python -m <package>.worker`` runs it, with the bench's stamps."""
    if config.service is None:
        raise ValueError("a platform worker needs its service")
    entry = housing_service(config.service)
    module = importlib.import_module(f"{entry.package}.worker")
    overrides: dict[str, Any] = dict(config.settings)
    settings = entry.settings(
        database_url=config.database_url,
        kafka_bootstrap_servers=config.bootstrap,
        kafka_prefix=config.prefix,
        **overrides,
    )
    types = frozenset(config.stamp_types)
    consumers = [
        stamping_consumer(c, stamps, types) if c.name in config.measured else c
        for c in module.CONSUMERS
    ]
    if not config.measured and not config.relay:
        stamps.ready()
    bus_class = functools.partial(TypeStampingBus, stamps=stamps, types=types)
    with contextlib.ExitStack() as patches:
        if config.relay:  # the worker builds its bus itself: hand it the stamping one
            patches.enter_context(mock.patch.object(common.worker, "KafkaBus", bus_class))
        await common.worker.serve_worker(
            settings, stop, consumers=consumers, jobs=getattr(module, "jobs", None)
        )
