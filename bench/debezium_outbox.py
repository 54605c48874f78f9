"""Benchmark: Debezium's outbox engine beside our relay and the bare producer (issue 18, item 2).

All three paths run in one run, on one machine, against the same broker and the same
PostgreSQL server — a cluster of its own with ``wal_level=logical`` (``common.testing.debezium``;
the shared test server is never reconfigured), where both the relay's and Debezium's example
databases live, so both pay for logical WAL alike. Debezium is Kafka Connect 3.9.1
(standalone) with ``debezium-connector-postgres`` 3.6.1.Final, its outbox event router and our
``CloudEventsBinary`` transformation (records byte for byte the relay's); ``poll.interval.ms``
10, producer ``linger.ms`` 2 (the relay's).

**Throughput** (events/s from committed outbox rows to records appended in Kafka). Every path
gets its own topic with ``message.timestamp.type=LogAppendTime``: the broker stamps each record
when it appends it, so the rate of every path is read off one clock, the broker's — (N − 1) ÷
(append time of the last measured record − of the first). Per round and path, W warm-up events
go first and N measured ones after them, in the same drain (the JVM's JIT and the relay's
connection pool are warm for the measured ones):

* baseline — a bare aiokafka producer with the relay's settings sends the W + N encoded
  records at once;
* relay — W + N events committed to the outbox (1,000 per transaction), then
  ``OutboxRelay.publish_once()`` until drained (its wall-clock rate is shown too);
* Debezium — the Connect worker is stopped (SIGTERM: offsets flushed, the slot stays), W + N
  events committed, the worker started: it streams the backlog from the slot.

**Latency** (commit → platform consumer's handler at a fixed rate): ``bench.event_latency``'s
rounds as they are — the bare producer → bare consumer baseline and commit → relay → Kafka →
inbox consumer — and a third path, commit → Debezium → Kafka → the same inbox consumer.
CPU per event: each process's CPU time over the round ÷ events; for Debezium the Connect JVM's
and PostgreSQL's walsender's (logical decoding runs in the database server).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from psycopg import sql

from bench import _setup, _stats, event_latency
from bench._machine import cpu_seconds
from bench._setup import Infra, database_url, unique_name
from bench.latency_workers import WorkerConfig
from bench.relay_throughput import encode, fill_outbox, make_envelopes, send_all
from common.db import migrations
from common.db.engine import Database
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing import debezium
from common.testing.kafka import read_topic

CONNECTOR = "bench-outbox"


@dataclass(frozen=True)
class Settings:
    events: int
    warmup: int
    rounds: int
    latency: event_latency.Settings
    keys: int = 50
    events_per_transaction: int = 1000


FULL = Settings(
    events=20_000,
    warmup=5_000,
    rounds=3,
    latency=event_latency.Settings(seconds=30.0, rounds=2),
)
QUICK = Settings(
    events=2_000,
    warmup=500,
    rounds=1,
    latency=event_latency.Settings(seconds=5.0, rounds=1),
)


@dataclass
class Result:
    settings: Settings
    baseline: list[float] = field(default_factory=list)  # events/s on the broker's clock
    relay: list[float] = field(default_factory=list)
    relay_wall: list[float] = field(default_factory=list)  # drain: events ÷ wall time
    debezium: list[float] = field(default_factory=list)
    latency_baseline: event_latency.Series = field(default_factory=event_latency.Series)
    latency_relay: event_latency.Series = field(default_factory=event_latency.Series)
    latency_debezium: event_latency.Series = field(default_factory=event_latency.Series)
    jvm_cpu_ms: list[float] = field(default_factory=list)  # per event, latency rounds
    walsender_cpu_ms: list[float] = field(default_factory=list)
    jvm_start_s: list[float] = field(default_factory=list)  # start → streaming
    latency_failures: list[str] = field(default_factory=list)

    def ratios(self, path: list[float]) -> list[float]:
        return [rate / base for rate, base in zip(path, self.baseline, strict=True)]


# --- helpers ----------------------------------------------------------------------------------


async def append_time_topic(infra: Infra, purpose: str) -> str:
    """A fresh topic whose records carry the broker's append time (removed after the run)."""
    topic = unique_name(purpose)
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    topic,
                    num_partitions=_setup.PARTITIONS,
                    replication_factor=1,
                    topic_configs={"message.timestamp.type": "LogAppendTime"},
                )
            ]
        )
    finally:
        await admin.close()
    _setup._created_topics.append(topic)
    return topic


async def broker_rate(infra: Infra, topic: str, measured: Sequence[Envelope]) -> float:
    """(N − 1) ÷ the span of the broker's append times of the measured events' first copies."""
    ids = {str(envelope.id).encode() for envelope in measured}
    first: dict[bytes, int] = {}
    deadline = time.monotonic() + 300
    while True:
        for record in await read_topic(infra.bootstrap, topic, timeout=120):
            event_id = dict(record.headers).get("ce_id")
            if event_id in ids:
                first[event_id] = min(first.get(event_id, record.timestamp), record.timestamp)
        if len(first) == len(ids):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{topic}: {len(first)} of {len(ids)} events arrived")
        await asyncio.sleep(0.5)
    span_ms = max(first.values()) - min(first.values())
    return (len(ids) - 1) / max(span_ms / 1000, 1e-3)


def walsender_pid(admin_dsn: str) -> int | None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        row = connection.execute(
            "SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s",
            (debezium.slot_name(CONNECTOR),),
        ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _recreate_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- the bench --------------------------------------------------------------------------------


class Bench:
    def __init__(self, infra: Infra, admin_dsn: str, workdir: Path, settings: Settings) -> None:
        self.infra = infra  # the broker; the database server is the logical one
        self.logical = Infra(admin_dsn=admin_dsn, bootstrap=infra.bootstrap)
        self.admin_dsn = admin_dsn
        self.settings = settings
        pid = os.getpid()
        self.relay_db, self.debezium_db = f"bench_relay_{pid}", f"bench_debezium_{pid}"
        self.relay_url = database_url(admin_dsn, self.relay_db)
        self.debezium_url = database_url(admin_dsn, self.debezium_db)
        connector = debezium.outbox_connector(
            CONNECTOR, admin_dsn=admin_dsn, database=self.debezium_db
        )
        self.worker = debezium.ConnectWorker(workdir, connector, bootstrap=infra.bootstrap)
        self._version = 1

    async def setup(self) -> None:
        for name, url in ((self.relay_db, self.relay_url), (self.debezium_db, self.debezium_url)):
            await asyncio.to_thread(_recreate_database, self.admin_dsn, name)
            await asyncio.to_thread(migrations.upgrade, _setup.EXAMPLE_PACKAGE, url)
            database = Database(url)
            await event_latency.OutboxWriter(
                database, self.settings.latency.keys, "-"
            ).create_things()
            await database.dispose()
        await self.start_worker()  # creates the slot: rows committed from now on are streamed
        self.worker.stop()

    async def start_worker(self) -> float:
        started = time.monotonic()
        await asyncio.to_thread(self.worker.start)
        return time.monotonic() - started

    async def close(self) -> None:
        self.worker.stop()
        connector = self.worker.connector
        with contextlib.suppress(Exception):
            await asyncio.to_thread(
                debezium.drop_slot,
                self.admin_dsn,
                connector["slot.name"],
                connector["publication.name"],
                self.debezium_db,
            )
        for name in (self.relay_db, self.debezium_db):
            with contextlib.suppress(psycopg.Error):
                await asyncio.to_thread(_drop_database, self.admin_dsn, name)

    def envelopes(self, topic: str) -> tuple[list[Envelope], list[Envelope]]:
        s = self.settings
        envelopes = make_envelopes(s.warmup + s.events, s.keys, topic, self._version)
        self._version += (s.warmup + s.events) // s.keys + 1
        return envelopes, envelopes[s.warmup :]

    # throughput

    async def baseline_round(self) -> float:
        topic = await append_time_topic(self.infra, "debezium-baseline")
        envelopes, measured = self.envelopes(topic)
        bus = KafkaBus(self.infra.bootstrap, client_id="bench-debezium-baseline")
        try:
            await send_all(await bus.producer(), encode(envelopes))
        finally:
            await bus.stop()
        return await broker_rate(self.infra, topic, measured)

    async def relay_round(self) -> tuple[float, float]:
        topic = await append_time_topic(self.infra, "debezium-relay")
        envelopes, measured = self.envelopes(topic)
        database = Database(self.relay_url, pre_ping=False)
        bus = KafkaBus(self.infra.bootstrap, client_id="bench-debezium-relay")
        relay = OutboxRelay(database, bus)
        try:
            await fill_outbox(database, envelopes, self.settings.events_per_transaction)
            await bus.producer()
            started, published = time.perf_counter(), 0
            while count := await relay.publish_once():
                published += count
            wall = published / (time.perf_counter() - started)
        finally:
            await bus.stop()
            await database.dispose()
        return await broker_rate(self.infra, topic, measured), wall

    async def debezium_round(self, result: Result) -> float:
        topic = await append_time_topic(self.infra, "debezium-debezium")
        envelopes, measured = self.envelopes(topic)
        database = Database(self.debezium_url, pre_ping=False)
        try:
            await fill_outbox(database, envelopes, self.settings.events_per_transaction)
        finally:
            await database.dispose()
        result.jvm_start_s.append(await self.start_worker())
        try:
            return await broker_rate(self.infra, topic, measured)
        finally:
            self.worker.stop()

    # latency

    async def debezium_latency_round(self, result: Result) -> None:
        settings = self.settings.latency
        await self.start_worker()
        try:
            topic = await _setup.new_topic(self.infra, "latency-debezium")
            database = Database(self.debezium_url)
            writer = event_latency.OutboxWriter(database, settings.keys, topic)
            consumer = WorkerConfig(
                "consumer",
                self.infra.bootstrap,
                topic,
                unique_name("debezium"),
                database_url=self.debezium_url,
            )
            walsender = await asyncio.to_thread(walsender_pid, self.admin_dsn)
            jvm = cpu_seconds(self.worker.pid)
            decoding = cpu_seconds(walsender)
            try:
                await event_latency.measure(
                    result.latency_debezium, consumer, None, settings, writer.change, {}
                )
            finally:
                await database.dispose()
            events = settings.rate * settings.seconds
            result.jvm_cpu_ms.append((cpu_seconds(self.worker.pid) - jvm) * 1000 / events)
            walsender_now = await asyncio.to_thread(walsender_pid, self.admin_dsn)
            if walsender_now != walsender:  # Debezium reconnected: the new one's lifetime
                walsender, decoding = walsender_now, 0.0
            result.walsender_cpu_ms.append((cpu_seconds(walsender) - decoding) * 1000 / events)
        finally:
            self.worker.stop()


async def run(infra: Infra, settings: Settings, progress: Callable[[str], None]) -> Result:
    result = Result(settings)
    admin_dsn = await asyncio.to_thread(debezium.ensure_logical_postgres)
    await asyncio.to_thread(debezium.ensure_connect_plugins)
    process_server = asyncio.create_task(asyncio.to_thread(event_latency.start_process_server))
    workdir = Path(tempfile.mkdtemp(prefix="bench-debezium-"))
    bench = Bench(infra, admin_dsn, workdir, settings)
    try:
        await bench.setup()
        await process_server
        for number in range(1, settings.rounds + 1):
            result.baseline.append(await bench.baseline_round())
            relay, wall = await bench.relay_round()
            result.relay.append(relay)
            result.relay_wall.append(wall)
            result.debezium.append(await bench.debezium_round(result))
            progress(
                f"debezium throughput round {number}/{settings.rounds}: baseline "
                f"{result.baseline[-1]:,.0f}/s, relay {relay:,.0f}/s, "
                f"debezium {result.debezium[-1]:,.0f}/s"
            )
        for number in range(1, settings.latency.rounds + 1):
            rounds = (
                (
                    "baseline",
                    event_latency.baseline_round(
                        bench.logical, settings.latency, result.latency_baseline
                    ),
                ),
                (
                    "relay",
                    event_latency.outbox_round(
                        bench.logical, settings.latency, result.latency_relay, bench.relay_url
                    ),
                ),
                ("Debezium", bench.debezium_latency_round(result)),
            )
            for path, latency_round in rounds:
                try:
                    await latency_round
                except Exception as exc:  # e.g. the writer cannot commit at the rate: reported
                    result.latency_failures.append(
                        f"{path}, round {number}: {type(exc).__name__}: "
                        f"{str(exc).split(' (Background on this error')[0][:160]}"
                    )
                    progress(f"debezium latency round {number}, {path} failed: {exc!r}"[:300])
            progress(f"debezium latency round {number}/{settings.latency.rounds} done")
    finally:
        await bench.close()
        shutil.rmtree(workdir, ignore_errors=True)
        await asyncio.to_thread(debezium.stop_logical_postgres)
    return result


# --- report -----------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _ms(values: Sequence[float]) -> str:
    return f"{_stats.median(values):.2f}" if values else "–"


def report(result: Result, recorded: str) -> str:
    s = result.settings
    lat = s.latency

    def rate_row(name: str, rates: list[float], versus: bool = True) -> tuple[str, ...]:
        ratios = result.ratios(rates)
        ratio = (
            f"{_stats.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})" if versus else "1"
        )
        return (name, f"{_stats.median(rates):,.0f}", _stats.spread(rates), ratio)

    throughput = _table(
        ("path", f"events/s, broker's clock (median of {s.rounds})", "spread", "× baseline"),
        [
            rate_row("bare aiokafka producer (baseline)", result.baseline, versus=False),
            rate_row("our relay (`OutboxRelay`, batch 500)", result.relay),
            rate_row(
                "Debezium 3.6.1 on Connect 3.9.1 (outbox router + CloudEventsBinary)",
                result.debezium,
            ),
        ],
    )
    paths = (
        ("baseline: bare producer → bare consumer", result.latency_baseline, "–"),
        ("relay: commit → `OutboxRelay` → Kafka → inbox consumer", result.latency_relay, None),
        (
            "Debezium: commit → WAL → Connect → Kafka → inbox consumer",
            result.latency_debezium,
            f"{_ms(result.jvm_cpu_ms)} JVM + {_ms(result.walsender_cpu_ms)} walsender",
        ),
    )
    rows: list[tuple[str, ...]] = []
    for name, series, engine_cpu in paths:
        if not series.latencies_ms:
            rows.append((name, *("–",) * 9))
            continue
        rows.append(
            (
                name,
                f"{series.p(50):.1f}",
                f"{series.p(95):.1f}",
                f"{series.p(99):.1f}",
                f"{max(series.latencies_ms):.1f}",
                " / ".join(f"{p:.1f}" for p in series.round_p99s),
                f"{_stats.median(series.rates):.0f}",
                str(series.lost),
                engine_cpu if engine_cpu is not None else _ms(series.relay_cpu_ms),
                _ms(series.consumer_cpu_ms),
            )
        )
    latency = _table(
        (
            "path",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "p99 per round",
            "events/s",
            "lost",
            "CPU ms/event: relay / Debezium",
            "consumer",
        ),
        rows,
    )
    starts = ", ".join(f"{seconds:.0f}" for seconds in result.jvm_start_s)
    failures = "".join(
        f"\n\nA latency round failed (not in the table): {failure}"
        for failure in result.latency_failures
    )
    return (
        f"{recorded}\n\n"
        f"Throughput: {s.warmup:,} warm-up + {s.events:,} measured events × {s.rounds} rounds "
        f"over {s.keys} keys, one topic of 3 partitions per path and round, rates read off the "
        f"broker's append times (method in `bench/debezium_outbox.py`). Our relay's own "
        f"wall-clock drain rate: {_stats.median(result.relay_wall):,.0f} events/s. Connect "
        f"worker start → streaming: {starts} s.\n\n{throughput}\n\n"
        f"Latency: {lat.rate:g} events/s for {lat.seconds:g} s × {lat.rounds} rounds per path "
        f"(first {lat.warmup:g} s of each discarded), {lat.keys:,} keys, one transaction per "
        f"change; all three on the same server (PostgreSQL 15 with `wal_level=logical`) and "
        f"broker. CPU per event of the engine: our relay process, or Debezium's JVM plus the "
        f"PostgreSQL walsender that decodes the WAL for it.\n\n{latency}{failures}"
    )
