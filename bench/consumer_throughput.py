"""Each platform consumer's throughput against the no-op floor and a raw topic read (issue 18,
item 3), all on the real broker and PostgreSQL, in one run.

Per workload, the events are produced to fresh topics (3 partitions) before anything is timed;
then three readers, each a new consumer group from the beginning, one after the other:

1. **raw** — a bare ``AIOKafkaConsumer`` that decodes nothing;
2. **floor** — ``KafkaConsumerRunner`` with a handler that does nothing (decoding, the inbox
   claim, one transaction per fetched partition batch: what every consumer pays), on a fresh
   database of the consumer's service;
3. **the consumer** — the same runner with the service's own consumer (handler and batch
   handler), on another fresh database of that service; timed until every event has its inbox
   row.

Workloads: **governance's master data** — the register's first load of organisations and
departments as governance receives it (no packages yet: the read model's rows), three versions
per department; **notifications** — ``governance.package.sent`` events (each sent at its own
time, as in life: the messages' Danish formatting of a time is memoised), each notifying its home
and location municipalities (directory entries with two addresses for every municipality used):
messages rendered, deliveries recorded; **the dashboards' read model** — the register's lease
and dwelling events the dashboards count, in the order of their recording times, each lease's
history (created, updated — some twice at the same time —, vacancy, rent changed, some
terminated) spread over about a hundred events, so a fetched batch repeats keys: its read-model
tables' digest is reported, to compare two versions of the consumer. The benchmark
calculator's consumer is measured the same way by ``benchmarks-catchup``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench._setup import Infra, _drop_database, database_url, new_topic, unique_name
from bench.allocation_vacancies import _backend_cpu
from bench.benchmarks_catchup import _produce
from common.db import migrations
from common.db.engine import Database, libpq_dsn
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.contracts import (
    AllocationType,
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    HousingType,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    OrganisationUpsertedV1,
    PackageSentV1,
    RentChangedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from common.worker import collect_in_bulk

Progress = Callable[[str], None]
AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MUNICIPALITIES = ("101", "147", "151", "153", "157", "159", "161", "163", "165", "167")


@dataclass(frozen=True)
class Settings:
    departments: int = 6_000  # × 3 versions, plus their organisations
    packages: int = 3_000
    leases: int = 6_000  # ~3.7 events each
    timeout: float = 1800.0


FULL = Settings()
QUICK = Settings(departments=800, packages=400, leases=800)


@dataclass
class Reading:
    workload: str
    consumer: str
    events: int
    raw_seconds: float
    floor_seconds: float
    consumer_seconds: float
    # CPU seconds: this process's (user + system) for each reader, and the database's server
    # processes' for the floor and the consumer
    raw_cpu: float = 0.0
    floor_cpu: float = 0.0
    floor_postgres_cpu: float = 0.0
    consumer_cpu: float = 0.0
    consumer_postgres_cpu: float = 0.0
    digest: str | None = None  # of the consumer's tables, where the workload names them

    def rate(self, seconds: float) -> float:
        return self.events / seconds

    def per_event(self, cpu_seconds: float) -> float:
        """µs of CPU per event."""
        return cpu_seconds * 1e6 / self.events


@dataclass
class Result:
    readings: list[Reading] = field(default_factory=list)


def master_data_events(settings: Settings, topics: dict[str, str]) -> list[Envelope]:
    rng = random.Random(18)
    organisations = max(1, settings.departments // 20)
    events = [
        to_envelope(
            OrganisationUpsertedV1(
                organisation_id=f"BO-{o:05d}",
                home_municipality_code=rng.choice(MUNICIPALITIES),
                version=1,
                recorded_at=AT,
            )
        ).caused(topic=topics[OrganisationUpsertedV1.topic])
        for o in range(organisations)
    ]
    for version in (1, 2, 3):
        for d in range(settings.departments):
            events.append(
                to_envelope(
                    DepartmentUpsertedV1(
                        department_id=f"afd-{d:06d}",
                        organisation_id=f"BO-{d % organisations:05d}",
                        municipality_code=MUNICIPALITIES[(d + version) % len(MUNICIPALITIES)],
                        region="capital",
                        housing_type=HousingType.FAMILY,
                        building_type="etage",
                        construction_year=1960 + d % 60,
                        version=version,
                        recorded_at=AT,
                    )
                ).caused(topic=topics[DepartmentUpsertedV1.topic])
            )
    return events


def package_events(settings: Settings, topics: dict[str, str]) -> list[Envelope]:
    rng = random.Random(19)
    return [
        to_envelope(
            PackageSentV1(
                package_id=f"pkg-2027-BO-{p:05d}",
                organisation_id=f"BO-{p:05d}",
                governance_year=2027,
                home_municipality_code=(home := rng.choice(MUNICIPALITIES)),
                location_municipality_codes=sorted({home, rng.choice(MUNICIPALITIES)}),
                sent_at=AT + timedelta(seconds=37 * p),  # each its own time, as in life
                red_figures=p % 3,
                yellow_figures=p % 5,
            )
        ).caused(topic=topics[PackageSentV1.topic])
        for p in range(settings.packages)
    ]


def lease_events(settings: Settings, topics: dict[str, str]) -> list[Envelope]:
    """Each lease's history from its creation (every 6 minutes a new lease): updated after an
    hour (every tenth twice at that same time: the first one's state is kept), its dwelling's
    vacancy after 90 minutes (every third), the rent changed after two hours, terminated after
    three (every fourth); all in the order of their recording times."""
    timed: list[tuple[datetime, int, Envelope]] = []

    def add(
        event: LeaseCreatedV1
        | LeaseUpdatedV1
        | LeaseTerminatedV1
        | RentChangedV1
        | DwellingVacancyChangedV1,
    ) -> None:
        envelope = to_envelope(event).caused(topic=topics[event.topic])
        timed.append((event.recorded_at, len(timed), envelope))

    for n in range(settings.leases):
        created_at = AT + timedelta(minutes=6 * n)
        department = f"afd-{n % 400:06d}"
        lease = LeaseCreatedV1(
            lease_id=f"lease-{n:07d}",
            dwelling_id=f"dw-{n:07d}",
            department_id=department,
            organisation_id=f"BO-{n % 400 // 20:05d}",
            municipality_code=MUNICIPALITIES[n % len(MUNICIPALITIES)],
            start_date=date(2026, 1, 1) + timedelta(days=n % 300),
            allocation_type=(
                AllocationType.MUNICIPAL_ALLOCATION
                if n % 4 == 0
                else AllocationType.EXTERNAL_WAITING_LIST
            ),
            monthly_rent=Decimal(4000 + n % 3000),
            area_m2=Decimal("68.50"),
            rooms=1 + n % 5,
            housing_type=HousingType.FAMILY,
            vacancy_loss_flag=False,
            vacant_soon_flag=False,
            recorded_at=created_at,
        )
        add(lease)
        fields = lease.model_dump()
        for version in (2, 3) if n % 10 == 0 else (2,):
            add(
                LeaseUpdatedV1(
                    **{
                        **fields,
                        "version": version,
                        "monthly_rent": lease.monthly_rent + version,
                        "vacant_soon_flag": version == 2,
                        "recorded_at": created_at + timedelta(hours=1),
                    }
                )
            )
        if n % 3 == 0:
            add(
                DwellingVacancyChangedV1(
                    **{
                        **{
                            k: fields[k]
                            for k in (
                                "dwelling_id",
                                "lease_id",
                                "department_id",
                                "organisation_id",
                                "municipality_code",
                                "monthly_rent",
                                "area_m2",
                                "rooms",
                                "housing_type",
                            )
                        },
                        "lease_start_date": lease.start_date,
                        "vacancy_loss_flag": True,
                        "vacant_soon_flag": False,
                        "recorded_at": created_at + timedelta(minutes=90),
                    }
                )
            )
        add(
            RentChangedV1(
                **{
                    **{
                        k: fields[k]
                        for k in (
                            "lease_id",
                            "dwelling_id",
                            "department_id",
                            "organisation_id",
                            "municipality_code",
                            "area_m2",
                        )
                    },
                    "as_of": lease.start_date,
                    "previous_monthly_rent": lease.monthly_rent,
                    "monthly_rent": lease.monthly_rent + 100,
                    "recorded_at": created_at + timedelta(hours=2),
                }
            )
        )
        if n % 4 == 0:
            add(
                LeaseTerminatedV1(
                    **{
                        **{
                            k: fields[k]
                            for k in (
                                "lease_id",
                                "dwelling_id",
                                "department_id",
                                "organisation_id",
                                "municipality_code",
                                "start_date",
                                "allocation_type",
                            )
                        },
                        "end_date": date(2027, 6, 30),
                        "recorded_at": created_at + timedelta(hours=3),
                    }
                )
            )
    timed.sort(key=lambda t: (t[0], t[1]))
    return [envelope for _, _, envelope in timed]


READ_MODEL_DIGEST = "leases", "dwellings"


def _tables_digest(url: str, tables: Sequence[str]) -> str:
    """Each table's md5 of its rows as text, in order (the first 10 hex digits)."""
    digests = []
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        for table in tables:
            row = connection.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {table} AS t"
            ).fetchone()
            digests.append(f"{table}:{row[0][:10] if row else ''}")
    return " ".join(digests)


@contextlib.asynccontextmanager
async def service_database(infra: Infra, package: str, suffix: str) -> AsyncIterator[str]:
    name = f"bench_{os.getpid()}_{package}_{suffix}"
    url = database_url(infra.admin_dsn, name)
    await asyncio.to_thread(_drop_database, infra.admin_dsn, name)
    await asyncio.to_thread(migrations.upgrade, package, url)
    try:
        yield url
    finally:
        await asyncio.to_thread(_drop_database, infra.admin_dsn, name)


async def _raw(infra: Infra, topics: Sequence[str], total: int) -> tuple[float, float]:
    """Seconds and this process's CPU seconds to read every event."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=infra.bootstrap,
        group_id=unique_name("consumers-raw"),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=2000,
    )
    await consumer.start()
    try:
        seen = 0
        cpu = time.process_time()
        started = time.perf_counter()
        while seen < total:
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            seen += sum(len(records) for records in batches.values())
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        await consumer.stop()


async def _nothing(session: AsyncSession, envelope: Envelope) -> None:
    return None


async def _consume(
    infra: Infra,
    url: str,
    consumer: Consumer,
    total: int,
    timeout: float,
    prepare: Callable[[Database], object] | None = None,
) -> tuple[float, float, float]:
    """Seconds until every event has its inbox row, and the CPU seconds of this process and
    of the database's server processes meanwhile (the pool keeps its connections, so their
    server processes are still there to be read at the end)."""
    database = Database(url, pool_size=3, pre_ping=False)
    name = database.engine.url.database or ""
    try:
        if prepare is not None:
            await prepare(database)  # type: ignore[misc]
        runner = KafkaConsumerRunner(database, infra.bootstrap, consumer)
        stop = asyncio.Event()
        postgres = await asyncio.to_thread(_backend_cpu, infra, name)
        cpu = time.process_time()
        started = time.perf_counter()
        running = asyncio.create_task(runner.run(stop))
        try:
            async with asyncio.timeout(timeout):
                while True:
                    async with database.engine.connect() as connection:
                        done = (
                            await connection.execute(text("SELECT count(*) FROM inbox"))
                        ).scalar_one()
                    if done >= total:
                        seconds = time.perf_counter() - started
                        cpu = time.process_time() - cpu
                        postgres = await asyncio.to_thread(_backend_cpu, infra, name) - postgres
                        return seconds, cpu, postgres
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await running
    finally:
        await database.dispose()


async def _directory(database: Database) -> None:
    async with database.engine.begin() as connection:
        for code in MUNICIPALITIES:
            await connection.execute(
                text(
                    "INSERT INTO recipients (kind, ref, addresses, version, updated_by) "
                    "VALUES ('municipality', :ref, :addresses, 1, 'bench')"
                ),
                {"ref": code, "addresses": [f"almene@{code}.dk", f"kopi@{code}.dk"]},
            )


async def _workload(
    infra: Infra,
    settings: Settings,
    progress: Progress,
    *,
    workload: str,
    package: str,
    consumer: Consumer,
    envelopes: list[Envelope],
    topics: list[str],
    prepare: Callable[[Database], object] | None = None,
    digest: Sequence[str] = (),
) -> Reading:
    """``digest``: tables of the consumer's database whose digest the reading records."""
    total = len(envelopes)
    progress(f"consumers: {workload}: producing {total:,} events")
    await _produce(infra, envelopes)
    del envelopes  # not held while the readers run (a worker holds none)
    progress(f"consumers: {workload}: raw read")
    raw, raw_cpu = await _raw(infra, topics, total)
    floor_consumer = Consumer(unique_name("consumers-floor"), tuple(topics), _nothing)
    async with service_database(infra, package, "floor") as url:
        progress(f"consumers: {workload}: floor (no-op handler)")
        floor, floor_cpu, floor_pg = await _consume(
            infra, url, floor_consumer, total, settings.timeout, prepare
        )
    own = Consumer(
        unique_name(consumer.name), tuple(topics), consumer.handler, consumer.batch_handler
    )
    async with service_database(infra, package, "consumer") as url:
        progress(f"consumers: {workload}: {consumer.name}")
        seconds, own_cpu, own_pg = await _consume(infra, url, own, total, settings.timeout, prepare)
        tables = await asyncio.to_thread(_tables_digest, url, digest) if digest else None
    return Reading(
        workload,
        consumer.name,
        total,
        raw,
        floor,
        seconds,
        raw_cpu=raw_cpu,
        floor_cpu=floor_cpu,
        floor_postgres_cpu=floor_pg,
        consumer_cpu=own_cpu,
        consumer_postgres_cpu=own_pg,
        digest=tables,
    )


async def dashboards_workload(infra: Infra, settings: Settings, progress: Progress) -> Reading:
    """The dashboards' read-model consumer on the register's lease and dwelling events."""
    from dashboards.events.incoming import read_model_consumer

    topics = {
        LeaseCreatedV1.topic: await new_topic(infra, "consumers-lease"),
        DwellingVacancyChangedV1.topic: await new_topic(infra, "consumers-dwelling"),
    }
    return await _workload(
        infra,
        settings,
        progress,
        workload="register leases and dwellings (the dashboards' read model)",
        package="dashboards",
        consumer=read_model_consumer(),
        envelopes=lease_events(settings, topics),
        topics=list(topics.values()),
        digest=READ_MODEL_DIGEST,
    )


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    from governance.events.incoming import consumers as governance_consumers
    from notifications.events.incoming import consumer as notifications_consumer

    result = Result()
    collect_in_bulk()  # as the worker does before its consumers run
    master_topics = {
        OrganisationUpsertedV1.topic: await new_topic(infra, "consumers-organisation"),
        DepartmentUpsertedV1.topic: await new_topic(infra, "consumers-department"),
    }
    master_data = governance_consumers()[0]
    result.readings.append(
        await _workload(
            infra,
            settings,
            progress,
            workload="register master data (organisations, departments × 3 versions)",
            package="governance",
            consumer=master_data,
            envelopes=master_data_events(settings, master_topics),
            topics=list(master_topics.values()),
        )
    )
    package_topics = {PackageSentV1.topic: await new_topic(infra, "consumers-package")}
    result.readings.append(
        await _workload(
            infra,
            settings,
            progress,
            workload="governance.package.sent (2–4 deliveries each)",
            package="notifications",
            consumer=notifications_consumer(),
            envelopes=package_events(settings, package_topics),
            topics=list(package_topics.values()),
            prepare=_directory,
        )
    )
    result.readings.append(await dashboards_workload(infra, settings, progress))
    return result


def report(result: Result, recorded: str) -> str:
    rows = [
        "| workload | consumer | events | raw events/s | floor events/s (× raw) | "
        "consumer events/s | × floor | × raw |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    cpu_rows = [
        "| workload | raw: Python | floor: Python / PostgreSQL | consumer: Python / PostgreSQL |",
        "|---|---:|---:|---:|",
    ]
    for r in result.readings:
        raw, floor, own = (
            r.rate(r.raw_seconds),
            r.rate(r.floor_seconds),
            r.rate(r.consumer_seconds),
        )
        rows.append(
            f"| {r.workload} | `{r.consumer}` | {r.events:,} | {raw:,.0f} | "
            f"{floor:,.0f} ({floor / raw:.3f}) | {own:,.0f} | {own / floor:.2f} | "
            f"{own / raw:.3f} |"
        )
        cpu_rows.append(
            f"| {r.workload} | {r.per_event(r.raw_cpu):.1f} | "
            f"{r.per_event(r.floor_cpu):.1f} / {r.per_event(r.floor_postgres_cpu):.1f} | "
            f"{r.per_event(r.consumer_cpu):.1f} / {r.per_event(r.consumer_postgres_cpu):.1f} |"
        )
    return "\n".join(
        [
            "### Consumers against the no-op floor",
            "",
            "Each workload's events produced to fresh topics (3 partitions), then read from the "
            "start by a bare aiokafka consumer (raw), by `KafkaConsumerRunner` with a no-op "
            "handler on a fresh database of the service (floor), and by the service's own "
            "consumer on another (until every event has its inbox row).",
            "",
            *rows,
            "",
            "CPU per event, µs (this process's user + system time while each reader ran, and "
            "the server processes of the reader's database; the wall-clock rates above move "
            "with the machine's load, these far less):",
            "",
            *cpu_rows,
            "",
            *[
                f"Tables after `{r.consumer}` (md5 of their rows, to compare two versions): "
                f"{r.digest}."
                for r in result.readings
                if r.digest
            ],
            "",
            recorded,
        ]
    )
