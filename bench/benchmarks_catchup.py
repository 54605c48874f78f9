"""Benchmark calculator, catch-up: consuming the synthetic national register's events from the
start, against the raw cost of reading the same topics with aiokafka and doing nothing.

The events are the register's first load: one ``register.department.upserted`` per department
and one ``register.lease.created`` per lease (a dwelling's earlier leases included), produced
to fresh topics of 3 partitions before anything is timed. Three readers, one after the other,
each as a new consumer group from the beginning:

1. **raw** — a bare ``AIOKafkaConsumer`` that decodes nothing (the goal's baseline);
2. **platform floor** — the platform's ``KafkaConsumerRunner`` with a handler that does nothing:
   CloudEvents decoding, the inbox row and a savepoint per event, one transaction per fetched
   batch (what any consumer of the platform pays);
3. **calculator** — the same runner with the calculator's handler, plus its recompute job
   (every ``recompute_interval_seconds``); timed until every event is applied *and* every
   department's figures are computed.

Then the time to answer ``GET /benchmarks/v1/departments/{id}/key-figures`` (figures, benchmarks,
colours, five years' history) for random departments, in process through httpx, against
``GET /benchmarks/health/live`` on the same app.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench import _stats
from bench._setup import Infra, new_topic, unique_name
from bench.allocation_vacancies import _backend_cpu
from bench.benchmarks_common import benchmarks_database, register_events
from benchmarks.events.incoming import handle, handle_batch
from benchmarks.main import create_app
from benchmarks.settings import BenchmarksSettings
from benchmarks.worker import jobs
from common.auth import DevSigningKey, Role
from common.db.engine import Database
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.contracts import DepartmentUpsertedV1, LeaseCreatedV1
from common.events.envelope import Envelope
from common.settings import Environment
from common.worker import collect_in_bulk, repeat

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    dwellings: int
    lookups: int = 300
    timeout: float = 3600.0


FULL = Settings(dwellings=640_000)
QUICK = Settings(dwellings=5_000, lookups=100)


@dataclass
class Result:
    dwellings: int
    events: int
    departments: int
    raw_seconds: float
    floor_seconds: float
    calculator_seconds: float
    calculator_consumed_seconds: float
    lookup_ms: list[float]
    trivial_ms: list[float]
    # CPU seconds (user + system) of this process while the reader ran, and of the reader's
    # database's server processes (the floor's, the calculator's: consumer and recompute job)
    raw_cpu: float = 0.0
    floor_cpu: float = 0.0
    floor_postgres_cpu: float = 0.0
    calculator_cpu: float = 0.0
    calculator_postgres_cpu: float = 0.0

    def rate(self, seconds: float) -> float:
        return self.events / seconds

    def per_event(self, cpu_seconds: float) -> float:
        """µs of CPU per event."""
        return cpu_seconds * 1e6 / self.events


async def _produce(infra: Infra, envelopes: list[Envelope]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=infra.bootstrap, linger_ms=20, max_batch_size=512 * 1024, acks=1
    )
    await producer.start()
    try:
        futures = [
            await producer.send(
                e.topic, value=e.kafka_value(), key=e.key.encode(), headers=e.kafka_headers()
            )
            for e in envelopes
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _raw(infra: Infra, topics: list[str], total: int) -> tuple[float, float]:
    """Seconds and this process's CPU seconds to read every event."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=infra.bootstrap,
        group_id=unique_name("benchmarks-raw"),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    await consumer.start()
    try:
        seen = 0
        cpu = time.process_time()
        started = time.perf_counter()
        while seen < total:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            seen += sum(len(records) for records in batches.values())
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        await consumer.stop()


async def _nothing(session: AsyncSession, envelope: Envelope) -> None:
    return None


async def _count(database: Database, sql: str) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


async def _consume(
    infra: Infra,
    database: Database,
    topics: list[str],
    total: int,
    handler: Callable[..., object],
    batch_handler: Callable[..., object] | None = None,
    *,
    recompute: BenchmarksSettings | None,
    timeout: float,
) -> tuple[float, float]:
    """Seconds until all ``total`` events are applied, and (with ``recompute``) until every
    dirty department is recomputed as well."""
    group = unique_name("benchmarks-catchup")
    runner = KafkaConsumerRunner(
        database,
        infra.bootstrap,
        Consumer(group, tuple(topics), handler, batch_handler),  # type: ignore[arg-type]
    )
    stop = asyncio.Event()
    started = time.perf_counter()
    consuming = asyncio.create_task(runner.run(stop))

    recomputing = None
    if recompute is not None:
        # The worker's own job, run the way the worker runs it (a failed round is retried).
        job = next(j for j in jobs(database, recompute) if j.name == "benchmarks.recompute_figures")
        recomputing = asyncio.create_task(repeat(job, stop))
    consumed_after = 0.0
    try:
        async with asyncio.timeout(timeout):
            while await _count(database, "SELECT count(*) FROM inbox") < total:
                await asyncio.sleep(0.05)  # count(*) is cheap at this interval
            consumed_after = time.perf_counter() - started
            if recompute is not None:
                while await _count(
                    database, "SELECT count(*) FROM dirty_departments WHERE recompute"
                ):
                    await asyncio.sleep(0.2)
        return consumed_after, time.perf_counter() - started
    finally:
        stop.set()
        await consuming
        if recomputing is not None:
            await recomputing


async def _lookups(
    url: str, settings: Settings, departments: list[str]
) -> tuple[list[float], list[float]]:
    key = DevSigningKey.generate()
    app_settings = BenchmarksSettings(
        env=Environment.TEST,
        database_url=url,
        jwt_public_key=key.public_pem(),
        jwt_issuer="bench",
        jwt_audience="housing",
        log_level="WARNING",
    )
    token = key.mint(role=Role.FUND, issuer="bench", audience="housing")
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(app_settings)
    rng = random.Random(7)
    lookup_ms: list[float] = []
    trivial_ms: list[float] = []
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for index in range(settings.lookups + 10):
                department = rng.choice(departments)
                started = time.perf_counter()
                response = await client.get(
                    f"/benchmarks/v1/departments/{department}/key-figures", headers=headers
                )
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{department}: {response.status_code} {response.text}")
                started = time.perf_counter()
                await client.get("/benchmarks/health/live")
                trivial = (time.perf_counter() - started) * 1000
                if index >= 10:  # warm-up
                    lookup_ms.append(elapsed)
                    trivial_ms.append(trivial)
    return lookup_ms, trivial_ms


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    topics = {
        LeaseCreatedV1.topic: await new_topic(infra, "benchmarks-lease"),
        DepartmentUpsertedV1.topic: await new_topic(infra, "benchmarks-department"),
    }
    progress(
        f"benchmarks-catchup: generating the register's events for {settings.dwellings:,} dwellings"
    )
    envelopes = list(register_events(settings.dwellings, topics))
    departments = [e.subject for e in envelopes if e.type == DepartmentUpsertedV1.event_type]
    total = len(envelopes)
    progress(f"benchmarks-catchup: producing {total:,} events")
    await _produce(infra, envelopes)
    del envelopes
    names = list(topics.values())
    progress("benchmarks-catchup: raw aiokafka read")
    collect_in_bulk()  # as the worker does before its consumers run
    raw, raw_cpu = await _raw(infra, names, total)
    calculator_settings = BenchmarksSettings()
    async with benchmarks_database(infra, "floor") as floor_url:
        # the worker's default pool (database_pool_size 5): with 2, the 3 partitions' batches
        # and the inbox count took overflow connections, opened and closed again per fetch
        database = Database(floor_url, pool_size=5, pre_ping=False)
        floor_name = database.engine.url.database or ""
        try:
            progress("benchmarks-catchup: platform floor (inbox, no-op handler)")
            floor_postgres = await asyncio.to_thread(_backend_cpu, infra, floor_name)
            floor_cpu = time.process_time()
            floor, _ = await _consume(
                infra, database, names, total, _nothing, recompute=None, timeout=settings.timeout
            )
            floor_cpu = time.process_time() - floor_cpu
            # the pool keeps its connections: their server processes are still there
            floor_postgres = (
                await asyncio.to_thread(_backend_cpu, infra, floor_name) - floor_postgres
            )
        finally:
            await database.dispose()
    async with benchmarks_database(infra, "calculator") as url:
        database = Database(url, pool_size=3, pre_ping=False)
        calculator_name = database.engine.url.database or ""
        try:
            progress("benchmarks-catchup: the calculator (handler + recompute job)")
            calculator_postgres = await asyncio.to_thread(_backend_cpu, infra, calculator_name)
            calculator_cpu = time.process_time()
            consumed, calculator = await _consume(
                infra,
                database,
                names,
                total,
                handle,
                handle_batch,
                recompute=calculator_settings,
                timeout=settings.timeout,
            )
            calculator_cpu = time.process_time() - calculator_cpu
            calculator_postgres = (
                await asyncio.to_thread(_backend_cpu, infra, calculator_name) - calculator_postgres
            )
        finally:
            await database.dispose()
        progress("benchmarks-catchup: department look-ups")
        lookup_ms, trivial_ms = await _lookups(url, settings, departments)
    return Result(
        dwellings=settings.dwellings,
        events=total,
        departments=len(departments),
        raw_seconds=raw,
        floor_seconds=floor,
        calculator_seconds=calculator,
        calculator_consumed_seconds=consumed,
        lookup_ms=lookup_ms,
        trivial_ms=trivial_ms,
        raw_cpu=raw_cpu,
        floor_cpu=floor_cpu,
        floor_postgres_cpu=floor_postgres,
        calculator_cpu=calculator_cpu,
        calculator_postgres_cpu=calculator_postgres,
    )


def report(result: Result, recorded: str) -> str:
    raw_rate = result.rate(result.raw_seconds)
    calc_rate = result.rate(result.calculator_seconds)
    floor_rate = result.rate(result.floor_seconds)
    ratio = calc_rate / raw_rate
    verdict = "met" if ratio >= 0.3 else "**not met**"
    p = _stats.percentile
    return "\n".join(
        [
            "### Catch-up: the whole register's events from the start",
            "",
            f"{result.events:,} events ({result.departments:,} department upserts, the rest "
            f"lease creations) of a synthetic register of {result.dwellings:,} dwellings, "
            "3 partitions per topic.",
            "",
            "| reader | seconds | events/s | × raw |",
            "|---|---:|---:|---:|",
            f"| raw aiokafka, does nothing (baseline) | {result.raw_seconds:.1f} | "
            f"{raw_rate:,.0f} | 1.00 |",
            f"| platform floor: KafkaConsumerRunner + inbox, no-op handler | "
            f"{result.floor_seconds:.1f} | {floor_rate:,.0f} | {floor_rate / raw_rate:.3f} |",
            f"| **calculator**: handler + recompute job, until every figure is computed | "
            f"{result.calculator_seconds:.1f} | {calc_rate:,.0f} | {ratio:.3f} |",
            "",
            f"The calculator had applied every event after {result.calculator_consumed_seconds:.1f} s; "
            f"the rest is the recompute catching up. Goal ≥ 0.3 × raw: {verdict}.",
            "",
            f"CPU per event: raw read {result.per_event(result.raw_cpu):.1f} µs of Python; "
            f"floor {result.per_event(result.floor_cpu):.1f} µs of Python (this process, "
            "including the count of the inbox every 50 ms) + "
            f"{result.per_event(result.floor_postgres_cpu):.1f} µs of PostgreSQL (the floor "
            "database's server processes); calculator (handler and recompute job) "
            f"{result.per_event(result.calculator_cpu):.1f} µs of Python + "
            f"{result.per_event(result.calculator_postgres_cpu):.1f} µs of PostgreSQL.",
            "",
            "| afterwards, in process (httpx → ASGI) | p50 ms | p99 ms |",
            "|---|---:|---:|",
            f"| GET a department's key figures (benchmarks, colours, 5 years) | "
            f"{p(result.lookup_ms, 50):.1f} | {p(result.lookup_ms, 99):.1f} |",
            f"| GET /benchmarks/health/live (baseline) | {p(result.trivial_ms, 50):.1f} | "
            f"{p(result.trivial_ms, 99):.1f} |",
            "",
            recorded,
        ]
    )
