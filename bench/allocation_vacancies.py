"""Allocation, a year of vacancies: the register's ``register.dwelling.vacancy_changed`` events
of a national year of re-lettings (about 58,000, seed 003 Table 1) replayed into the allocation
service's consumer, against the platform's no-op consumer on the same events in the same run.

Every vacancy is a new lease becoming vacant, spread over 500 housing organisations, the 98
municipalities and the year's days; 90 % family, 8 % youth, 2 % elderly dwellings. Each
(organisation, municipality) pair has a 1/4 allocation agreement for family dwellings, so about
a fourth of the family vacancies open an offer (a row, a case-log line and an outbox event in
the same transaction as the inbox row).

Per round two readers, one after the other, each a new consumer group from the beginning of the
same 3-partition topic, each on a fresh database migrated to the allocation service's head:

1. **platform floor** — ``KafkaConsumerRunner`` with a handler that does nothing (the inbox
   claim of a fetched batch in one statement, one transaction per fetched batch);
2. **allocation** — the same runner with the allocation service's consumer (its batch handler).

Each reading records the wall time and the CPU time of the consuming (benchmark) process and of
the database's server processes. The benchmark process sets up its garbage collector as a
service's worker does once started (``common.worker.collect_in_bulk``), before the first round:
both readers run in it, so both have that setting. Five rounds (two with ``--quick``). Goal:
the median of the rounds' ratios allocation ÷ floor (events/s) ≥ 0.5.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from allocation.domain.notices import answer_due
from allocation.events.incoming import handle_dwellings, handle_dwellings_batch
from bench._machine import total_cpu_seconds
from bench._setup import Infra, _drop_database, database_url, new_topic, unique_name
from common.db import migrations
from common.db.engine import Database
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.contracts import DwellingVacancyChangedV1, HousingType, to_envelope
from common.events.envelope import Envelope
from common.municipalities import MUNICIPALITIES
from common.worker import collect_in_bulk

Progress = Callable[[str], None]
YEAR = 2027


@dataclass(frozen=True)
class Settings:
    vacancies: int
    organisations: int = 500
    rounds: int = 5
    timeout: float = 3600.0


FULL = Settings(vacancies=58_000)
QUICK = Settings(vacancies=3_000, organisations=50, rounds=2)


@dataclass(frozen=True)
class Reading:
    """One reader's pass over all events: wall time, and the CPU time of the consuming
    (benchmark) process and of the database's server processes meanwhile."""

    seconds: float
    python_cpu: float
    postgres_cpu: float


@dataclass
class Result:
    vacancies: int
    agreements: int
    offers: int
    floor: list[Reading]
    allocation: list[Reading]

    def rate(self, seconds: float) -> float:
        return self.vacancies / seconds

    def ratios(self) -> list[float]:
        return [f.seconds / a.seconds for f, a in zip(self.floor, self.allocation, strict=True)]


def _codes() -> list[str]:
    return sorted(MUNICIPALITIES)


def vacancy_events(settings: Settings, topic: str) -> Iterator[Envelope]:
    rng = random.Random(3)
    codes = _codes()
    start = datetime(YEAR, 1, 1, 8, 0, tzinfo=UTC)
    for n in range(settings.vacancies):
        number = rng.randrange(settings.organisations)
        organisation = f"org-{number:04d}"
        municipality = codes[number * 7 % len(codes)]
        roll = rng.random()
        housing_type = (
            HousingType.FAMILY
            if roll < 0.9
            else HousingType.YOUTH
            if roll < 0.98
            else HousingType.ELDERLY
        )
        recorded = start + timedelta(seconds=n * (365 * 86400 // settings.vacancies))
        dwelling = f"dw-{rng.randrange(settings.vacancies * 10):07d}"
        envelope = to_envelope(
            DwellingVacancyChangedV1(
                dwelling_id=dwelling,
                lease_id=f"lease-{n:06d}",
                department_id=f"dep-{organisation}-1",
                organisation_id=organisation,
                municipality_code=municipality,
                lease_start_date=date(2015, 1, 1),
                lease_end_date=recorded.date() + timedelta(days=30),
                vacancy_loss_flag=False,
                vacant_soon_flag=True,
                monthly_rent=Decimal(4000 + rng.randrange(4000)),
                area_m2=Decimal("70.00"),
                rooms=3,
                housing_type=housing_type,
                recorded_at=recorded,
            )
        )
        yield dataclasses.replace(envelope, topic=topic)


def agreement_rows(settings: Settings) -> list[dict[str, object]]:
    codes = _codes()
    return [
        {
            "id": f"agr-{o:04d}",
            "municipality_code": codes[o * 7 % len(codes)],
            "organisation_id": f"org-{o:04d}",
        }
        for o in range(settings.organisations)
    ]


@contextlib.asynccontextmanager
async def allocation_database(infra: Infra, suffix: str) -> AsyncIterator[str]:
    name = f"bench_{os.getpid()}_allocation_{suffix}"
    url = database_url(infra.admin_dsn, name)
    await asyncio.to_thread(_drop_database, infra.admin_dsn, name)
    await asyncio.to_thread(migrations.upgrade, "allocation", url)
    try:
        yield url
    finally:
        await asyncio.to_thread(_drop_database, infra.admin_dsn, name)


@dataclass(frozen=True)
class Published:
    """The events on the topic: how many, and each partition's last one's id."""

    total: int
    last_ids: list[str]


async def _produce(infra: Infra, envelopes: list[Envelope]) -> list[str]:
    """Publish the events; the ids of each partition's last one (the readers are done when
    those are in their inbox: a partition's events are handled in order)."""
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
        sent = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    last: dict[int, tuple[int, str]] = {}
    for envelope, metadata in zip(envelopes, sent, strict=True):
        if metadata.offset >= last.get(metadata.partition, (-1, ""))[0]:
            last[metadata.partition] = (metadata.offset, str(envelope.id))
    return [event_id for _, event_id in last.values()]


async def _nothing(session: AsyncSession, envelope: Envelope) -> None:
    return None


async def _count(database: Database, sql: str) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


def _backend_cpu(infra: Infra, database_name: str) -> float:
    """CPU seconds (user + system) of the server processes connected to the database."""
    with psycopg.connect(infra.admin_dsn, autocommit=True) as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database_name,)
            )
        ]
    return total_cpu_seconds(pids)


async def _consume(
    infra: Infra,
    database: Database,
    topic: str,
    last_ids: list[str],
    handler: object,
    timeout: float,
    batch_handler: object = None,
) -> Reading:
    """Read the topic from the start until every partition's last event is handled. The
    check is a look-up of those few events by the inbox's key every 10 ms: the floor reads
    the topic in ~1.5 s, so a coarser poll (or a count of a growing table) would be a
    visible share of what is measured."""
    consumer = Consumer(unique_name("allocation-bench"), (topic,), handler, batch_handler)  # type: ignore[arg-type]
    runner = KafkaConsumerRunner(database, infra.bootstrap, consumer)
    name = database.engine.url.database or ""
    handled_last = text(
        "SELECT count(*) FROM inbox WHERE consumer = :consumer"
        " AND event_id = ANY(CAST(:ids AS uuid[]))"
    )
    partitions = len(last_ids)
    stop = asyncio.Event()
    postgres_before = await asyncio.to_thread(_backend_cpu, infra, name)
    python_before = time.process_time()
    started = time.perf_counter()
    consuming = asyncio.create_task(runner.run(stop))
    try:
        async with asyncio.timeout(timeout), database.engine.connect() as connection:
            parameters = {"consumer": consumer.name, "ids": last_ids}
            while (await connection.execute(handled_last, parameters)).scalar_one() < partitions:
                # no transaction left open between look-ups: it would hold back the cleanup of
                # the rows the reader under measurement updates
                await connection.rollback()
                await asyncio.sleep(0.01)
        seconds = time.perf_counter() - started
        python_cpu = time.process_time() - python_before
        # the pool keeps its connections (pool_size above the partitions), so their server
        # processes are still there to be read
        postgres_cpu = await asyncio.to_thread(_backend_cpu, infra, name) - postgres_before
        return Reading(seconds, python_cpu, postgres_cpu)
    finally:
        stop.set()
        await consuming


async def _insert_agreements(database: Database, settings: Settings) -> int:
    rows = agreement_rows(settings)
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO agreements (id, municipality_code, organisation_id, kind, "
                "housing_type, share, dwelling_ids, valid_from, organisation_consent, counted, "
                "created_by) VALUES (:id, :municipality_code, :organisation_id, 'quota', "
                "'family', '1/4', '{}', :valid_from, false, 0, 'bench')"
            ),
            [{**row, "valid_from": date(YEAR, 1, 1)} for row in rows],
        )
    return len(rows)


async def _all_handled(database: Database, total: int) -> None:
    handled = await _count(database, "SELECT count(*) FROM inbox")
    if handled != total:
        raise RuntimeError(f"{handled} of {total} events in the inbox")


async def _round(
    infra: Infra, settings: Settings, topic: str, events: Published, n: int
) -> tuple[Reading, Reading, int, int]:
    async with allocation_database(infra, f"floor{n}") as url:
        database = Database(url, pool_size=8, pre_ping=False)
        try:
            await _count(database, "SELECT 1")
            floor = await _consume(
                infra, database, topic, events.last_ids, _nothing, settings.timeout
            )
            await _all_handled(database, events.total)
        finally:
            await database.dispose()
    async with allocation_database(infra, f"service{n}") as url:
        database = Database(url, pool_size=8, pre_ping=False)
        try:
            agreements = await _insert_agreements(database, settings)
            allocation = await _consume(
                infra,
                database,
                topic,
                events.last_ids,
                handle_dwellings,
                settings.timeout,
                handle_dwellings_batch,
            )
            await _all_handled(database, events.total)
            offers = await _count(database, "SELECT count(*) FROM offers")
            outbox = await _count(database, "SELECT count(*) FROM outbox")
            if outbox != offers:
                raise RuntimeError(f"{offers} offers but {outbox} outbox events")
        finally:
            await database.dispose()
    return floor, allocation, agreements, offers


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    topic = await new_topic(infra, "allocation-vacancies")
    envelopes = list(vacancy_events(settings, topic))
    total = len(envelopes)
    progress(f"allocation-vacancies: producing {total:,} vacancy events")
    events = Published(total, await _produce(infra, envelopes))
    del envelopes
    # The Danish holiday calendar is loaded on first use (about half a second, once per
    # process): a worker pays it at its first offer, not per event; load it before the clock.
    answer_due(date(YEAR, 1, 4))
    collect_in_bulk()  # as the worker does, for both readers
    result = Result(total, 0, 0, [], [])
    for n in range(settings.rounds):
        progress(f"allocation-vacancies: round {n + 1}: floor, then the allocation service")
        floor, allocation, result.agreements, offers = await _round(
            infra, settings, topic, events, n
        )
        if result.offers and offers != result.offers:
            raise RuntimeError(f"{offers} offers in round {n + 1}, {result.offers} before")
        result.offers = offers
        result.floor.append(floor)
        result.allocation.append(allocation)
    return result


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(result: Result, recorded: str) -> str:
    ratios = result.ratios()
    ratio = _median(ratios)
    verdict = "met" if ratio >= 0.5 else "**not met**"
    per_event = 1e6 / result.vacancies

    def line(label: str, readings: list[Reading], ratio_text: str) -> str:
        seconds = _median([r.seconds for r in readings])
        return (
            f"| {label} | {seconds:.1f} ({min(r.seconds for r in readings):.1f}–"
            f"{max(r.seconds for r in readings):.1f}) | {result.rate(seconds):,.0f} | "
            f"{_median([r.python_cpu for r in readings]) * per_event:.0f} | "
            f"{_median([r.postgres_cpu for r in readings]) * per_event:.0f} | {ratio_text} |"
        )

    return "\n".join(
        [
            f"{result.vacancies:,} `register.dwelling.vacancy_changed` events (a year of "
            f"re-lettings), {result.agreements:,} 1/4 allocation agreements; "
            f"{result.offers:,} offers opened (each with its outbox event). 3 partitions. "
            f"{len(ratios)} rounds, each the floor and then the service on fresh databases; "
            "medians (range).",
            "",
            "| reader | seconds | events/s | consumer CPU µs/event | PostgreSQL CPU µs/event "
            "| × floor |",
            "|---|---:|---:|---:|---:|---:|",
            line(
                "platform floor: KafkaConsumerRunner + inbox, no-op handler (baseline)",
                result.floor,
                "1.00",
            ),
            line(
                "**allocation**: vacancy → dwelling, rent, vacancy count, offer + outbox",
                result.allocation,
                f"{ratio:.3f}",
            ),
            "",
            f"Per round × floor: {', '.join(f'{r:.3f}' for r in ratios)}. Goal ≥ 0.5 × the "
            f"platform's no-op consumer (median of the rounds): {verdict}.",
            "",
            recorded,
        ]
    )
