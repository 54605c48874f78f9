"""Benchmark calculator, event lag: register commit → figure updated, at a steady 200 leases/s
on the real broker.

A writer commits one ``register.lease.created`` per transaction into an outbox (the register's
write path as far as events go: ``UnitOfWork.record_event`` + commit), open-loop at ``rate``
(lease *i* is started at ``start + i / rate`` whatever happened before), in this process. The
outbox relay (a child process, as the register's worker) publishes to Kafka; the calculator's
worker (another child process): its consumer (``KafkaConsumerRunner`` + its handler) applies
the events, and its recompute job (every ``recompute_interval_seconds``, 0.25 s by default)
computes the figures. Each lease is the first of its own department, so "its figure is
updated" is exact: lag = the moment the recompute that first wrote its department's figures
had committed − the moment the writer's commit returned (``time.monotonic``: one clock for
every process on Linux).

Baseline, side by side in the same run: the same writer, relay and consumer runner with a
handler that only stamps the arrival — the platform's own commit → consumer path, which the
calculator cannot be faster than. The first ``warmup`` seconds of each round are discarded.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from multiprocessing.connection import Connection

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench import _stats
from bench._setup import Infra, example_database, new_topic, quiet_logging, unique_name
from bench.benchmarks_common import benchmarks_database
from benchmarks.events.incoming import handle, handle_batch
from benchmarks.services.figures import recompute_dirty
from benchmarks.settings import BenchmarksSettings
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.contracts import AllocationType, HousingType, LeaseCreatedV1, to_envelope
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus

Progress = Callable[[str], None]
RATE = 200.0
GOAL = "p99 reported; no goal set by the issue beyond measuring it"


@dataclass(frozen=True)
class Settings:
    seconds: float
    rate: float = RATE
    warmup: float = 2.0
    drain: float = 15.0


FULL = Settings(seconds=30.0)
QUICK = Settings(seconds=6.0)


@dataclass
class Series:
    lags_ms: list[float] = field(default_factory=list)
    achieved_rate: float = 0.0
    missing: int = 0


@dataclass
class Result:
    rate: float
    seconds: float
    recompute_interval: float
    baseline: Series
    calculator: Series


def _lease(department: str, recorded: datetime) -> LeaseCreatedV1:
    return LeaseCreatedV1(
        lease_id=f"{department}-l",
        dwelling_id=f"{department}-d",
        department_id=department,
        organisation_id="org-bench",
        municipality_code="101",
        start_date=date(2024, 1, 1),
        allocation_type=AllocationType.EXTERNAL_WAITING_LIST,
        monthly_rent=Decimal("5875.00"),
        area_m2=Decimal("68.50"),
        rooms=3,
        housing_type=HousingType.FAMILY,
        vacancy_loss_flag=False,
        vacant_soon_flag=False,
        recorded_at=recorded,
    )


async def _write(
    database: Database, topic: str, settings: Settings, prefix: str, commits: dict[str, float]
) -> float:
    """Open-loop writer; returns the achieved rate."""
    count = int(settings.seconds * settings.rate)
    started = time.monotonic()
    pending: set[asyncio.Task[None]] = set()

    async def one(index: int) -> None:
        department = f"{prefix}-{index}"
        envelope = to_envelope(_lease(department, datetime.now(UTC))).caused(topic=topic)
        async with UnitOfWork(database) as uow:
            uow.record_event(envelope)
            await uow.commit()
        commits[department] = time.monotonic()

    for index in range(count):
        delay = started + index / settings.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(index))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return count / (time.monotonic() - started)


def _child(kind: str, bootstrap: str, url: str, topic: str, group: str, pipe: Connection) -> None:
    """A child process: ``relay`` (the register's worker) or ``baseline`` / ``calculator``
    (the calculator's worker). Stamps go back over the pipe when the parent says stop."""
    quiet_logging()
    asyncio.run(_serve(kind, bootstrap, url, topic, group, pipe))


async def _serve(
    kind: str, bootstrap: str, url: str, topic: str, group: str, pipe: Connection
) -> None:
    config = BenchmarksSettings()
    database = Database(url, pool_size=3, pre_ping=False)
    stamps: dict[str, float] = {}
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    bus: KafkaBus | None = None

    async def stamp(session: AsyncSession, envelope: Envelope) -> None:
        stamps.setdefault(envelope.data["department_id"], time.monotonic())

    async def recompute_loop() -> None:
        while not stop.is_set():
            since = datetime.now(UTC)
            try:
                await recompute_dirty(
                    database, history_years=config.history_years, batch=config.recompute_batch
                )
            except Exception:  # as the worker's job runner: a failed round is tried again
                await asyncio.sleep(config.recompute_interval_seconds)
                continue
            committed = time.monotonic()
            async with database.engine.connect() as connection:
                found = await connection.execute(
                    text(
                        "SELECT DISTINCT department_id FROM department_figures "
                        "WHERE computed_at >= :since"
                    ),
                    {"since": since},
                )
                for (department,) in found:
                    stamps.setdefault(department, committed)
            await asyncio.sleep(config.recompute_interval_seconds)

    if kind == "relay":
        bus = KafkaBus(bootstrap, client_id="bench-register-relay")
        tasks.append(asyncio.create_task(OutboxRelay(database, bus).run(stop)))
    else:
        consumer = (
            Consumer(group, (topic,), handle, handle_batch)
            if kind == "calculator"
            else Consumer(group, (topic,), stamp)
        )
        runner = KafkaConsumerRunner(database, bootstrap, consumer)
        tasks.append(asyncio.create_task(runner.run(stop)))
        if kind == "calculator":
            tasks.append(asyncio.create_task(recompute_loop()))
    await asyncio.sleep(2.0)  # joined the group / listening
    pipe.send("ready")
    while not pipe.poll():
        await asyncio.sleep(0.05)
    _, expected, drain = pipe.recv()
    deadline = time.monotonic() + drain
    while kind != "relay" and len(stamps) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    if bus is not None:
        await bus.stop()
    await database.dispose()
    pipe.send(stamps)


async def _round(
    infra: Infra, settings: Settings, *, calculator: bool, progress: Progress
) -> Series:
    topic = await new_topic(infra, "benchmarks-lag")
    prefix = f"lag{uuid.uuid4().hex[:6]}"
    commits: dict[str, float] = {}
    context = multiprocessing.get_context("spawn")
    async with (
        example_database(infra) as producer_url,
        benchmarks_database(infra, "lag") as consumer_url,
    ):
        children = []
        kind = "calculator" if calculator else "baseline"
        for name, url in (("relay", producer_url), (kind, consumer_url)):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_child,
                args=(name, infra.bootstrap, url, topic, unique_name("benchmarks-lag"), child_end),
                daemon=True,
            )
            process.start()
            children.append((process, parent_end))
        try:
            for _, pipe in children:
                while not pipe.poll():
                    await asyncio.sleep(0.05)
                pipe.recv()
            # Open loop: a commit slower than 1/rate overlaps the next; enough connections
            # that the writer never waits for one.
            producer_db = Database(producer_url, pool_size=40)
            try:
                rate = await _write(producer_db, topic, settings, prefix, commits)
            finally:
                await producer_db.dispose()
            (_, relay_pipe), (_, consumer_pipe) = children
            consumer_pipe.send(("stop", len(commits), settings.drain))
            while not consumer_pipe.poll():
                await asyncio.sleep(0.05)
            arrivals: dict[str, float] = consumer_pipe.recv()
            relay_pipe.send(("stop", 0, 0.0))
            while not relay_pipe.poll():
                await asyncio.sleep(0.05)
            relay_pipe.recv()
        finally:
            for process, _ in children:
                process.join(timeout=30)
                if process.is_alive():
                    process.terminate()
    first = min(commits.values())
    series = Series(achieved_rate=rate)
    for department, committed in commits.items():
        if committed - first < settings.warmup:
            continue
        if department not in arrivals:
            series.missing += 1
            continue
        series.lags_ms.append((arrivals[department] - committed) * 1000)
    progress(f"benchmarks-lag: {kind} round, p99 {_stats.percentile(series.lags_ms, 99):.1f} ms")
    return series


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    baseline = await _round(infra, settings, calculator=False, progress=progress)
    calculator = await _round(infra, settings, calculator=True, progress=progress)
    return Result(
        rate=settings.rate,
        seconds=settings.seconds,
        recompute_interval=BenchmarksSettings().recompute_interval_seconds,
        baseline=baseline,
        calculator=calculator,
    )


def report(result: Result, recorded: str) -> str:
    p = _stats.percentile

    def row(name: str, series: Series) -> str:
        return (
            f"| {name} | {series.achieved_rate:.0f} | {len(series.lags_ms):,} | "
            f"{p(series.lags_ms, 50):.1f} | {p(series.lags_ms, 99):.1f} | "
            f"{max(series.lags_ms, default=float('nan')):.1f} | {series.missing} |"
        )

    return "\n".join(
        [
            "### Event lag: register commit → figure updated",
            "",
            f"Open-loop writer at {result.rate:g} leases/s for {result.seconds:g} s per round "
            "(first 2 s discarded): writer → outbox → relay (own process) → Kafka → consumer (own "
            "process). The "
            f"calculator's recompute job runs every {result.recompute_interval:g} s.",
            "",
            "| path | leases/s | measured | p50 ms | p99 ms | max ms | never arrived |",
            "|---|---:|---:|---:|---:|---:|---:|",
            row(
                "baseline: commit → consumer handler (platform path, no-op handler)",
                result.baseline,
            ),
            row("**calculator**: commit → figure computed and committed", result.calculator),
            "",
            recorded,
        ]
    )
