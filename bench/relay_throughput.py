"""Benchmark 1: outbox relay throughput against a bare aiokafka producer.

Each round builds N envelopes over a few dozen keys and writes them to the outbox through
``UnitOfWork.record_event`` + ``commit`` (many events per transaction; not timed), then times,
one after the other on the same envelopes and the same topic:

* **baseline** – the bare ``AIOKafkaProducer`` of a ``KafkaBus`` (so exactly the relay's
  producer settings: idempotent, acks=all, linger 2 ms, 256 KiB batches) sending the
  pre-encoded records (same keys, headers and values) all at once and awaiting every ack;
* **baseline, stop-and-wait** – the same producer, but ``batch_size`` records at a time, each
  chunk acknowledged before the next is sent, as the relay does (a diagnostic, no goal);
* **relay** – ``OutboxRelay.publish_once()`` in a loop until the outbox is drained.

Rates are events per second; the goal is relay ≥ 0.5 × baseline (median of paired rounds).
A last, instrumented drain splits the relay's time into phases (see ``bench.relay_phases``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg
from aiokafka import AIOKafkaProducer

from bench import _stats
from bench._setup import Infra, example_database, new_topic
from bench.relay_phases import PhaseTimes, TimedBus, TimedRelay, instrumented
from common.db.engine import Database, libpq_dsn
from common.db.uow import UnitOfWork
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing.example.app import changed_event

GOAL_RATIO = 0.5


@dataclass(frozen=True)
class Settings:
    events: int
    rounds: int
    keys: int = 50
    events_per_transaction: int = 1000
    batch_size: int = 500  # the relay's default
    warmup_events: int = 1000


FULL = Settings(events=20_000, rounds=5)
QUICK = Settings(events=2_000, rounds=3, warmup_events=500)


@dataclass
class Result:
    settings: Settings
    baseline: list[float] = field(default_factory=list)  # events/s, one per round
    stop_and_wait: list[float] = field(default_factory=list)
    relay: list[float] = field(default_factory=list)
    fill: list[float] = field(default_factory=list)  # outbox writes, events/s
    phases: PhaseTimes = field(default_factory=PhaseTimes)
    profiled_rate: float = 0.0

    @property
    def paired_ratios(self) -> list[float]:
        return [relay / base for relay, base in zip(self.relay, self.baseline, strict=True)]

    @property
    def ratio(self) -> float:
        return _stats.median(self.paired_ratios)

    @property
    def meets_goal(self) -> bool:
        return self.ratio >= GOAL_RATIO


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def make_envelopes(count: int, keys: int, topic: str, first_version: int) -> list[Envelope]:
    """``count`` changes spread round-robin over ``keys`` things, versions rising per key."""
    return [
        changed_event(f"thing-{i % keys:03d}", first_version + i // keys, f"v{i // keys}", topic)
        for i in range(count)
    ]


def encode(envelopes: Sequence[Envelope]) -> list[Record]:
    return [Record(e.topic, e.key.encode(), e.kafka_value(), e.kafka_headers()) for e in envelopes]


async def fill_outbox(
    database: Database, envelopes: Sequence[Envelope], per_transaction: int
) -> float:
    """Write the envelopes to the outbox; returns events/s. Then VACUUM ANALYZE, so every round
    starts from the same table state (autovacuum would get there on its own, later)."""
    started = time.perf_counter()
    for start in range(0, len(envelopes), per_transaction):
        async with UnitOfWork(database) as uow:
            for envelope in envelopes[start : start + per_transaction]:
                uow.record_event(envelope)
            await uow.commit()
    rate = len(envelopes) / (time.perf_counter() - started)
    async with await psycopg.AsyncConnection.connect(
        libpq_dsn(database.url), autocommit=True
    ) as connection:
        await connection.execute("VACUUM ANALYZE outbox")
    return rate


async def send_all(producer: AIOKafkaProducer, records: Sequence[Record]) -> None:
    futures = [
        await producer.send(r.topic, value=r.value, key=r.key, headers=r.headers) for r in records
    ]
    await asyncio.gather(*futures)


async def time_baseline(producer: AIOKafkaProducer, records: Sequence[Record]) -> float:
    started = time.perf_counter()
    await send_all(producer, records)
    return len(records) / (time.perf_counter() - started)


async def time_stop_and_wait(
    producer: AIOKafkaProducer, records: Sequence[Record], batch_size: int
) -> float:
    started = time.perf_counter()
    for start in range(0, len(records), batch_size):
        await send_all(producer, records[start : start + batch_size])
    return len(records) / (time.perf_counter() - started)


async def drain(relay: OutboxRelay) -> int:
    published = 0
    while count := await relay.publish_once():
        published += count
    return published


async def time_relay(relay: OutboxRelay, expected: int) -> float:
    started = time.perf_counter()
    published = await drain(relay)
    elapsed = time.perf_counter() - started
    if published != expected:
        raise RuntimeError(f"relay published {published} events, expected {expected}")
    return published / elapsed


class Bench:
    """One database, one topic, the relay's bus and the baseline's producer."""

    def __init__(self, database: Database, infra: Infra, topic: str, settings: Settings) -> None:
        self.database = database
        self.infra = infra
        self.topic = topic
        self.settings = settings
        self.relay_bus = KafkaBus(infra.bootstrap, client_id="bench-relay")
        self.baseline_bus = KafkaBus(infra.bootstrap, client_id="bench-baseline")
        self.relay = OutboxRelay(database, self.relay_bus, batch_size=settings.batch_size)
        self._version = 1

    def next_envelopes(self, count: int) -> list[Envelope]:
        envelopes = make_envelopes(count, self.settings.keys, self.topic, self._version)
        self._version += count // self.settings.keys + 1
        return envelopes

    async def round(self, result: Result | None, count: int) -> None:
        """Fill, baseline, stop-and-wait baseline, relay; recorded unless ``result`` is None."""
        envelopes = self.next_envelopes(count)
        records = encode(envelopes)
        fill = await fill_outbox(self.database, envelopes, self.settings.events_per_transaction)
        producer = await self.baseline_bus.producer()
        baseline = await time_baseline(producer, records)
        stop_and_wait = await time_stop_and_wait(producer, records, self.settings.batch_size)
        relay = await time_relay(self.relay, count)
        if result is not None:
            result.fill.append(fill)
            result.baseline.append(baseline)
            result.stop_and_wait.append(stop_and_wait)
            result.relay.append(relay)

    async def profile(self, result: Result) -> None:
        """One more drain with every phase hook attached."""
        count = self.settings.events
        await fill_outbox(
            self.database, self.next_envelopes(count), self.settings.events_per_transaction
        )
        bus = TimedBus(self.infra.bootstrap, result.phases)
        relay = TimedRelay(self.database, bus, batch_size=self.settings.batch_size)
        await bus.producer()
        try:
            with instrumented(self.database, result.phases):
                result.profiled_rate = await time_relay(relay, count)
        finally:
            await bus.stop()

    async def close(self) -> None:
        await self.relay_bus.stop()
        await self.baseline_bus.stop()


async def run(infra: Infra, settings: Settings, progress: Callable[[str], None]) -> Result:
    result = Result(settings)
    async with example_database(infra) as url:
        database = Database(url, pre_ping=False)  # as the worker's relay runs
        bench = Bench(database, infra, await new_topic(infra, "relay"), settings)
        try:
            await bench.round(None, settings.warmup_events)
            for number in range(1, settings.rounds + 1):
                await bench.round(result, settings.events)
                progress(
                    f"relay round {number}/{settings.rounds}: baseline {result.baseline[-1]:,.0f}/s, "
                    f"relay {result.relay[-1]:,.0f}/s"
                )
            await bench.profile(result)
        finally:
            await bench.close()
            await database.dispose()
    return result
