"""Benchmark 2: commit-to-consumer latency at a steady 200 events/s.

Three processes, as deployed for an event that goes from one service to another: this one is
the writer (an API process); the producing service's worker runs the relay and the consuming
service's worker a ``KafkaConsumerRunner`` (both in ``bench.latency_workers``).

The writer is open-loop: change *i* is started at ``start + i / rate`` whether or not earlier
ones finished. Each change is one transaction, as ``common.testing.witness.change_thing``
makes it: lock the thing's row, bump its version, record the event, commit. Round-robin over
1,000 things, so writers never wait on each other.

latency = the handler's arrival stamp − the moment ``UnitOfWork.commit()`` was called, both
``time.monotonic()`` (one clock for all processes on Linux). The first ``warmup`` seconds of
each round are discarded.

Baseline, side by side: the same rate through a bare aiokafka producer (the relay's producer
settings; stamped just before ``send``) to a bare aiokafka consumer in a child process, no
database. Rounds alternate baseline / outbox; percentiles pool the rounds.

Kafka's acknowledgement splits each latency into two legs (commit → acked: the relay's;
acked → handler: the consumer's), and every process reports its CPU time per event. The
consumer's leg is split further at the stages of the runner's loop
(``bench.latency_workers.STAGES``, :data:`CONSUMER_STAGES`).
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import itertools
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import insert, select, update

from bench import _stats
from bench._setup import Infra, example_database, new_topic, unique_name
from bench.lag_rounds import WRITERS
from bench.latency_workers import DRAIN_TIMEOUT, READY_TIMEOUT, WorkerConfig, worker_main
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.transport import KafkaBus
from common.testing.example.app import changed_event
from common.testing.example.db.models import things

GOAL_P99_MS = 25.0
RATE = 200.0  # events/s of the goal

# The consumer's leg (acked → handler) in consecutive intervals, which add up to it, then the
# rest of the event's transaction: (name, from stamp, to stamp). "acked" is the relay's stamp,
# "handler" the handler's; the others are the runner's stages (bench.latency_workers.STAGES).
# "waiting for the loop" is the time an acknowledged event waited before the runner even called
# getmany (it was busy with the previous fetch): max(0, asked − acked); the getmany interval
# then starts at the later of the two.
CONSUMER_STAGES = (
    ("acked → getmany called (the loop busy)", "acked", "asked"),
    ("getmany: → returned the event", "acked|asked", "fetched"),
    ("fetched → handed to _handle_fetch", "fetched", "handed"),
    ("handed → transaction asked for (decode)", "handed", "begun"),
    ("→ inbox claim returned (session, BEGIN, claim)", "begun", "claimed"),
    ("claim → handler called (the fetch's batch handler)", "claimed", "handler"),
    ("handler → committed (the batch's INSERT, COMMIT)", "handler", "committed"),
)

# One event: (event id, time.monotonic() when it was handed over: the outbox path's commit was
# called, or the baseline's record was handed to the producer).
Sent = tuple[str, float]


@dataclass(frozen=True)
class Settings:
    seconds: float
    rounds: int
    rate: float = RATE
    warmup: float = 2.0
    keys: int = 1000


FULL = Settings(seconds=30.0, rounds=2)
QUICK = Settings(seconds=5.0, rounds=1)


@dataclass
class Series:
    """One path (baseline or outbox), pooled over its rounds."""

    latencies_ms: list[float] = field(default_factory=list)
    to_kafka_ms: list[float] = field(default_factory=list)  # commit / send → Kafka acked
    from_kafka_ms: list[float] = field(default_factory=list)  # Kafka acked → handler
    rates: list[float] = field(default_factory=list)  # achieved events/s per round
    round_p99s: list[float] = field(default_factory=list)
    # Median latency of the first and of the last quarter of each round: a queue that keeps
    # growing (the path cannot sustain the rate) shows as last ≫ first.
    round_trends: list[tuple[float, float]] = field(default_factory=list)
    # CPU time per event of each process, per round (the relay's only on the outbox path).
    sender_cpu_ms: list[float] = field(default_factory=list)
    relay_cpu_ms: list[float] = field(default_factory=list)
    consumer_cpu_ms: list[float] = field(default_factory=list)
    events_per_batch: list[float] = field(default_factory=list)  # the relay's, per round
    # The consumer's garbage-collector pauses per round: collections, total and longest ms.
    consumer_gc: list[dict[str, float]] = field(default_factory=list)
    # Gaps between consecutive handler stamps when the later event was already acknowledged
    # before the earlier one was handled: the consumer's wall time per event under backlog.
    backlogged_ms: list[float] = field(default_factory=list)
    lost: int = 0  # sent but not received within the drain timeout after the last one
    # The inbox consumer's leg by stage (CONSUMER_STAGES): ms per measured event, and the same
    # events' whole leg (acked → handler), in the same order, to attribute its tail.
    stages_ms: dict[str, list[float]] = field(default_factory=dict)
    stages_leg_ms: list[float] = field(default_factory=list)
    # Per measured event: how many other fetches were handed to _handle_fetch after it was
    # acked and before its own (0: it waited at most for the handling in progress).
    fetches_before: list[float] = field(default_factory=list)
    # Per round: getmany calls that returned events, and fetches handled, per event.
    getmany_per_event: list[float] = field(default_factory=list)
    handlings_per_event: list[float] = field(default_factory=list)
    offset_commits_ms: list[float] = field(default_factory=list)

    def p(self, q: float, leg: str = "latencies_ms") -> float:
        return _stats.percentile(getattr(self, leg), q)


@dataclass
class Result:
    settings: Settings
    baseline: Series = field(default_factory=Series)
    outbox: Series = field(default_factory=Series)

    @property
    def meets_goal(self) -> bool:
        return self.outbox.p(99) <= GOAL_P99_MS and self.outbox.lost == 0


# --- pacing ---------------------------------------------------------------------------------


async def paced(
    rate: float, seconds: float, action: Callable[[int], Coroutine[Any, Any, Sent]]
) -> list[tuple[float, Sent]]:
    """Start ``action(i)`` at ``start + i / rate`` (open loop); returns (due time, result)."""
    start = time.monotonic()
    tasks: list[tuple[float, asyncio.Task[Sent]]] = []
    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append((due, asyncio.create_task(action(i))))
    return [(due, await task) for due, task in tasks]


def summarise(
    series: Series,
    sent: list[tuple[float, Sent]],
    received: dict[str, float],
    acked: dict[str, float],
    warmup: float,
    stages: dict[str, dict[str, float]] | None = None,
) -> None:
    """Add one round: drop the warm-up, compute latencies, their legs and the achieved rate."""
    start = sent[0][0]
    measured = [result for due, result in sent if due >= start + warmup]
    arrived = [(i, at) for i, at in measured if i in received]
    latencies = [(received[i] - at) * 1000 for i, at in arrived]
    series.lost += len(measured) - len(arrived)
    series.latencies_ms.extend(latencies)
    series.to_kafka_ms.extend((acked[i] - at) * 1000 for i, at in arrived if i in acked)
    series.from_kafka_ms.extend((received[i] - acked[i]) * 1000 for i, _ in arrived if i in acked)
    series.round_p99s.append(_stats.percentile(latencies, 99))
    quarter = max(len(latencies) // 4, 1)
    series.round_trends.append(
        (_stats.median(latencies[:quarter]), _stats.median(latencies[-quarter:]))
    )
    stamps = sorted(at for _, at in measured)
    series.rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
    series.backlogged_ms.extend(backlogged_gaps(received, acked))
    if stages is not None:
        add_stages(series, [i for i, _ in arrived], received, acked, stages)


def add_stages(
    series: Series,
    event_ids: list[str],
    received: dict[str, float],
    acked: dict[str, float],
    stages: dict[str, dict[str, float]],
) -> None:
    """The consumer's leg of each event with every stamp, cut at CONSUMER_STAGES."""
    stamps = {**stages, "acked": acked, "handler": received}
    complete = [i for i in event_ids if all(i in stamps[name] for name in stamps)]
    handings = sorted(set(stages["handed"].values()))
    events = max(len(stages["handed"]), 1)
    series.getmany_per_event.append(len(set(stages["fetched"].values())) / events)
    series.handlings_per_event.append(len(handings) / events)
    for i in complete:
        series.stages_leg_ms.append((received[i] - acked[i]) * 1000)
        series.fetches_before.append(
            bisect.bisect_left(handings, stages["handed"][i])
            - bisect.bisect_right(handings, acked[i])
        )
        for name, start, end in CONSUMER_STAGES:
            began = (
                max(acked[i], stamps["asked"][i]) if start == "acked|asked" else stamps[start][i]
            )
            ms = (stamps[end][i] - began) * 1000
            series.stages_ms.setdefault(name, []).append(max(ms, 0.0) if start == "acked" else ms)


def backlogged_gaps(received: dict[str, float], acked: dict[str, float]) -> list[float]:
    """Milliseconds between consecutive handler stamps, where the later event was waiting."""
    handled = sorted((at, event_id) for event_id, at in received.items() if event_id in acked)
    return [
        (at - previous) * 1000
        for (previous, _), (at, event_id) in itertools.pairwise(handled)
        if acked[event_id] <= previous
    ]


# --- the worker processes -------------------------------------------------------------------


@functools.cache
def _process_context() -> multiprocessing.context.ForkServerContext:
    """Children fork from a server that imported their code once (a fresh interpreter each time
    costs seconds on a busy machine), never from this process with its event loop."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bench.latency_workers"])
    return context


def start_process_server() -> None:
    """Start the fork server now (it imports the workers' code), not at the first worker."""
    _process_context()
    multiprocessing.forkserver.ensure_running()


class Worker:
    def __init__(self, config: WorkerConfig) -> None:
        context = _process_context()
        self.pipe, child_end = context.Pipe()
        self.process = context.Process(target=worker_main, args=(config, child_end), daemon=True)
        self.process.start()
        child_end.close()

    async def _receive(self, timeout: float) -> object:
        def receive() -> object:
            if not self.pipe.poll(timeout):
                raise TimeoutError(f"no answer from the worker within {timeout:.0f}s")
            return self.pipe.recv()

        return await asyncio.to_thread(receive)

    async def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        message = await self._receive(timeout)
        if message != "ready":
            raise RuntimeError(f"unexpected message from the worker: {message!r}")

    async def stop(self, expected: int) -> dict[str, Any]:
        """Its report (see ``bench.latency_workers``) once it has ``expected`` stamps."""
        self.pipe.send(("stop", expected))
        report = await self._receive(DRAIN_TIMEOUT + READY_TIMEOUT)
        await asyncio.to_thread(self.process.join, 10)
        if not isinstance(report, dict):
            raise RuntimeError(f"unexpected message from the worker: {report!r}")
        return report

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()


async def measure(
    series: Series,
    consumer: WorkerConfig,
    relay: WorkerConfig | None,
    settings: Settings,
    send: Callable[[int], Coroutine[Any, Any, Sent]],
    sender_acks: dict[str, float],
) -> None:
    """Start the workers, send a probe, wait until it went through, pace the events, collect
    the stamps. ``sender_acks``: the baseline producer's own ack stamps."""
    workers = [Worker(consumer)] + ([Worker(relay)] if relay else [])
    try:
        await send(-1)  # the probe: every worker stamps it first, then says it is ready
        await asyncio.gather(*(worker.wait_ready() for worker in workers))
        cpu = time.process_time()
        sent = await paced(settings.rate, settings.seconds, send)
        series.sender_cpu_ms.append((time.process_time() - cpu) * 1000 / len(sent))
        reports = await asyncio.gather(*(worker.stop(expected=len(sent) + 1) for worker in workers))
    finally:
        for worker in workers:
            worker.kill()
    received, *relayed = reports
    series.consumer_cpu_ms.append(received["cpu_ms_per_event"])
    series.consumer_gc.append(received["gc"])
    acked = dict(sender_acks)
    for report in relayed:
        series.relay_cpu_ms.append(report["cpu_ms_per_event"])
        series.events_per_batch.append(report["events_per_batch"])
        acked.update(report["acked"])
    if received["offset_commits_ms"] is not None:
        series.offset_commits_ms.extend(received["offset_commits_ms"])
    summarise(series, sent, received["received"], acked, settings.warmup, received["stages"])


# --- the two senders ------------------------------------------------------------------------


class OutboxWriter:
    """One change per transaction, as ``witness.change_thing`` does it; knows each version."""

    def __init__(self, database: Database, keys: int, topic: str) -> None:
        self.database = database
        self.keys = [f"thing-{k:04d}" for k in range(keys)]
        self.topic = topic
        # At most as many changes in flight as the pool holds: on a machine too busy for the
        # rate the writer falls behind (the achieved rate is reported) instead of failing on
        # the pool's timeout, which ended every run at load 7-40.
        self.slots = asyncio.Semaphore(WRITERS)

    async def create_things(self) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(
                insert(things),
                [
                    {"id": k, "organisation_id": "org-bench", "name": "v1", "version": 1}
                    for k in self.keys
                ],
            )

    async def change(self, i: int) -> Sent:
        key = self.keys[i % len(self.keys)]
        async with self.slots, UnitOfWork(self.database) as uow:
            current = await uow.session.scalar(
                select(things.c.version).where(things.c.id == key).with_for_update()
            )
            version = int(current or 0) + 1
            await uow.session.execute(
                update(things).where(things.c.id == key).values(version=version, name=f"v{version}")
            )
            envelope = changed_event(key, version, f"v{version}", self.topic)
            uow.record_event(envelope)
            # Stamped as the commit is asked for, not when it returned: on a busy machine this
            # process may resume after the relay and the consumer have handled the event, which
            # gave negative latencies. The commit's own round trip (~1 ms) counts instead.
            committing = time.monotonic()
            await uow.commit()
            return str(envelope.id), committing


class KafkaSender:
    """The baseline: hand the encoded event to the producer; acks are awaited at the end."""

    def __init__(self, producer: AIOKafkaProducer, keys: int, topic: str) -> None:
        self.producer = producer
        self.keys = [f"thing-{k:04d}" for k in range(keys)]
        self.topic = topic
        self.acks: list[asyncio.Future[object]] = []
        self.acked: dict[str, float] = {}

    async def send(self, i: int) -> Sent:
        key = self.keys[i % len(self.keys)]
        envelope = changed_event(key, i + 2, f"v{i + 2}", self.topic)
        at = time.monotonic()
        ack = await self.producer.send(
            self.topic,
            value=envelope.kafka_value(),
            key=key.encode(),
            headers=envelope.kafka_headers(),
        )
        event_id = str(envelope.id)
        ack.add_done_callback(lambda _: self.acked.setdefault(event_id, time.monotonic()))
        self.acks.append(ack)
        return event_id, at


# --- rounds ---------------------------------------------------------------------------------


async def baseline_round(infra: Infra, settings: Settings, series: Series) -> None:
    topic = await new_topic(infra, "latency-baseline")
    bus = KafkaBus(infra.bootstrap, client_id="bench-latency-baseline")
    sender = KafkaSender(await bus.producer(), settings.keys, topic)
    consumer = WorkerConfig("kafka", infra.bootstrap, topic, unique_name("baseline"))
    try:
        await measure(series, consumer, None, settings, sender.send, sender.acked)
        await asyncio.gather(*sender.acks)
    finally:
        await bus.stop()


async def outbox_round(infra: Infra, settings: Settings, series: Series, url: str) -> None:
    topic = await new_topic(infra, "latency-outbox")
    database = Database(url, pool_size=WRITERS)
    writer = OutboxWriter(database, settings.keys, topic)
    group = unique_name("outbox")
    consumer = WorkerConfig("consumer", infra.bootstrap, topic, group, database_url=url)
    relay = WorkerConfig("relay", infra.bootstrap, topic, group, database_url=url)
    try:
        await measure(series, consumer, relay, settings, writer.change, {})
    finally:
        await database.dispose()


async def run(infra: Infra, settings: Settings, progress: Callable[[str], None]) -> Result:
    result = Result(settings)
    process_server = asyncio.create_task(asyncio.to_thread(start_process_server))
    async with example_database(infra) as url:
        database = Database(url)
        await OutboxWriter(database, settings.keys, "unused").create_things()
        await database.dispose()
        await process_server
        for number in range(1, settings.rounds + 1):
            await baseline_round(infra, settings, result.baseline)
            await outbox_round(infra, settings, result.outbox, url)
            progress(
                f"latency round {number}/{settings.rounds}: p99 baseline "
                f"{result.baseline.round_p99s[-1]:.1f} ms, outbox {result.outbox.round_p99s[-1]:.1f} ms"
            )
    return result


# --- the consumer's stages ------------------------------------------------------------------


def stages_table(series: Series) -> str:
    """The inbox consumer's leg by stage: p50/p95/p99 of each, and its median among the
    events whose whole leg was in its slowest 1 % — where the tail is."""
    if not series.stages_leg_ms:
        return ""
    tail_from = _stats.percentile(series.stages_leg_ms, 99)
    tail = [n for n, leg in enumerate(series.stages_leg_ms) if leg >= tail_from]

    def row(name: str, values: list[float], digits: int) -> str:
        cells = [_stats.percentile(values, q) for q in (50, 95, 99)]
        cells.append(_stats.median([values[n] for n in tail]))
        return f"| {name} | " + " | ".join(f"{v:.{digits}f}" for v in cells) + " |"

    before = series.fetches_before
    rows = [row(name, series.stages_ms[name], 1) for name, _, _ in CONSUMER_STAGES]
    rows.append(row("other fetches handed between acked and its own (count)", before, 0))
    commits = series.offset_commits_ms
    waited = sum(1 for n in before if n >= 1) / len(before) * 100
    waited_2 = sum(1 for n in before if n >= 2) / len(before) * 100
    return (
        "The inbox consumer's leg (acked → handler) cut at the stages of the runner's loop "
        f"(stamped by the benchmark's subclass of the runner; {len(series.stages_leg_ms):,} "
        "events); the first six intervals add up to the leg, the last one follows it. The last "
        f"column: each interval's median among the slowest 1 % ({len(tail)} events, leg ≥ "
        f"{tail_from:.1f} ms). Offset commits: {len(commits):,}, p50 / p99 "
        f"{_stats.percentile(commits, 50):.1f} / {_stats.percentile(commits, 99):.1f} ms. "
        f"{waited:.1f} % of the events waited for the handling of at least one other fetch "
        f"after they were acked ({waited_2:.1f} % for two or more); per event, getmany "
        f"returned {_stats.median(series.getmany_per_event):.2f} times with events and "
        f"{_stats.median(series.handlings_per_event):.2f} fetches were handled (median of the "
        "rounds).\n\n"
        "| stage | p50 ms | p95 ms | p99 ms | median in the slowest 1 % |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows)
    )
