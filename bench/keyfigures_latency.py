"""Key figures latency: register commit → the figures in governance's department form, for
lone changes (issue 12, item 12: goal p99 ≤ 1 s; it took 32–35 s behind a fixed settle time).

Each party runs in its own process, on the real broker, as deployed: the register's outbox
relay; the benchmark calculator (its consumer, its recompute and publish jobs and its own
relay); governance (its master-data and key-figure consumers). The writer (this process)
commits a new department and its first lease in one transaction (the register's write path as
far as events go), waits until governance's form of that department holds key figures, pauses,
and writes the next: lone changes, not a flood.

Baseline, side by side for the same commits: governance's form of the department appearing
(register → governance over the same broker, one hop: the platform's own path, which the two-hop
path through the calculator cannot beat). Topics and consumer groups are this run's own.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from multiprocessing.connection import Connection

import psycopg

from bench import _stats
from bench._setup import Infra, _drop_database, database_url, new_topic, quiet_logging
from bench._setup import example_database as register_outbox_database
from bench.benchmarks_common import benchmarks_database
from benchmarks.events.incoming import handle, handle_batch
from benchmarks.settings import BenchmarksSettings
from benchmarks.worker import jobs as calculator_jobs
from common.access import Scope
from common.auth import Role
from common.db import migrations
from common.db.engine import Database, libpq_dsn
from common.db.uow import UnitOfWork
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.contracts import (
    AllocationType,
    DepartmentUpsertedV1,
    HousingType,
    KeyFiguresUpdatedV1,
    LeaseCreatedV1,
    OrganisationUpsertedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.worker import repeat
from governance.domain.catalogue import STANDARD_QUESTIONS
from governance.events.incoming import handle_key_figures, handle_master_data
from governance.services.forms import replace_catalogue
from governance.services.packages import generate_packages

Progress = Callable[[str], None]

YEAR = 2026  # governance year; its forms take the calculator's figures of 2025
ORGANISATION = "org-latency"
FUND = Scope("bench-fund", Role.FUND, None, None)
SAMPLE_TIMEOUT = 30.0
POLL = 0.005


@dataclass(frozen=True)
class Settings:
    samples: int
    gap_seconds: float  # pause between two changes: each is a lone change


FULL = Settings(samples=40, gap_seconds=1.5)
QUICK = Settings(samples=8, gap_seconds=1.0)


@dataclass
class Result:
    settings: Settings
    form_ms: list[float] = field(default_factory=list)  # baseline: the form appeared
    figures_ms: list[float] = field(default_factory=list)  # the form holds the figures
    missing: int = 0


class RetopicBus(KafkaBus):
    """The calculator's relay, publishing key figures to this run's own topic."""

    def __init__(self, bootstrap: str, topics: dict[str, str]) -> None:
        super().__init__(bootstrap, client_id="bench-calculator-relay")
        self.topics = topics

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        await super().send_batch(
            [e.caused(topic=self.topics.get(e.topic, e.topic)) for e in envelopes]
        )


def _child(kind: str, bootstrap: str, url: str, topics: dict[str, str], pipe: Connection) -> None:
    quiet_logging()
    asyncio.run(_serve(kind, bootstrap, url, topics, pipe))


async def _serve(
    kind: str, bootstrap: str, url: str, topics: dict[str, str], pipe: Connection
) -> None:
    database = Database(url, pool_size=4, pre_ping=False)
    stop = asyncio.Event()
    work: list[asyncio.Task[None]] = []
    buses: list[KafkaBus] = []
    group = topics["group"]
    if kind == "register-relay":
        bus = KafkaBus(bootstrap, client_id="bench-register-relay")
        buses.append(bus)
        work.append(asyncio.create_task(OutboxRelay(database, bus).run(stop)))
    elif kind == "calculator":
        consumer = Consumer(
            f"{group}.calculator", (topics["department"], topics["lease"]), handle, handle_batch
        )
        work.append(
            asyncio.create_task(KafkaConsumerRunner(database, bootstrap, consumer).run(stop))
        )
        bus = RetopicBus(bootstrap, {KeyFiguresUpdatedV1.topic: topics["figures"]})
        buses.append(bus)
        work.append(asyncio.create_task(OutboxRelay(database, bus).run(stop)))
        for job in calculator_jobs(database, BenchmarksSettings()):
            work.append(asyncio.create_task(repeat(job, stop)))
    else:
        master = Consumer(
            f"{group}.governance-master",
            (topics["organisation"], topics["department"]),
            handle_master_data,
        )
        figures = Consumer(f"{group}.governance-figures", (topics["figures"],), handle_key_figures)
        for consumer in (master, figures):
            runner = KafkaConsumerRunner(database, bootstrap, consumer)
            work.append(asyncio.create_task(runner.run(stop)))
    await asyncio.sleep(3.0)  # joined the groups
    pipe.send("ready")
    while not pipe.poll():
        await asyncio.sleep(0.05)
    pipe.recv()
    stop.set()
    await asyncio.gather(*work, return_exceptions=True)
    for bus in buses:
        await bus.stop()
    await database.dispose()
    pipe.send("stopped")


def _events(department: str, now: datetime) -> list[Envelope]:
    return [
        to_envelope(
            DepartmentUpsertedV1(
                department_id=department,
                organisation_id=ORGANISATION,
                municipality_code="101",
                region="capital",
                housing_type=HousingType.FAMILY,
                building_type="etage",
                construction_year=1972,
                version=1,
                recorded_at=now,
            )
        ),
        to_envelope(
            LeaseCreatedV1(
                lease_id=f"{department}-l",
                dwelling_id=f"{department}-d",
                department_id=department,
                organisation_id=ORGANISATION,
                municipality_code="101",
                start_date=date(2024, 1, 1),
                allocation_type=AllocationType.EXTERNAL_WAITING_LIST,
                monthly_rent=Decimal("5875.00"),
                area_m2=Decimal("68.50"),
                rooms=3,
                housing_type=HousingType.FAMILY,
                vacancy_loss_flag=False,
                vacant_soon_flag=False,
                recorded_at=now,
            )
        ),
    ]


async def _commit(database: Database, envelopes: list[Envelope], topics: dict[str, str]) -> None:
    routes = {
        OrganisationUpsertedV1.topic: topics["organisation"],
        DepartmentUpsertedV1.topic: topics["department"],
        LeaseCreatedV1.topic: topics["lease"],
    }
    async with UnitOfWork(database) as uow:
        for envelope in envelopes:
            uow.record_event(envelope.caused(topic=routes[envelope.topic]))
        await uow.commit()


async def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SAMPLE_TIMEOUT * 2
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise TimeoutError(f"keyfigures-latency: {what} never happened")
        await asyncio.sleep(0.05)


async def _sample(
    writer: Database, governance_url: str, topics: dict[str, str], department: str, result: Result
) -> None:
    await _commit(writer, _events(department, datetime.now(UTC)), topics)
    committed = time.monotonic()
    form_at: float | None = None
    with psycopg.connect(libpq_dsn(governance_url), autocommit=True) as connection:
        while time.monotonic() - committed < SAMPLE_TIMEOUT:
            row = connection.execute(
                "SELECT figures IS NOT NULL FROM forms WHERE key = %s", (department,)
            ).fetchone()
            now = time.monotonic()
            if row is not None and form_at is None:
                form_at = now
            if row is not None and row[0]:
                result.form_ms.append(((form_at or now) - committed) * 1000)
                result.figures_ms.append((now - committed) * 1000)
                return
            await asyncio.sleep(POLL)
    result.missing += 1


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    topics = {
        name: await new_topic(infra, f"latency-{name}")
        for name in ("organisation", "department", "lease", "figures")
    }
    topics["group"] = topics["figures"] + ".g"
    governance_name = f"bench_latency_governance_{topics['figures'].rsplit('.', 1)[-1]}"
    governance_url = database_url(infra.admin_dsn, governance_name)
    await asyncio.to_thread(_drop_database, infra.admin_dsn, governance_name)
    await asyncio.to_thread(migrations.upgrade, "governance", governance_url)
    governance = Database(governance_url, pool_size=2)
    try:
        async with (
            register_outbox_database(infra) as register_url,
            benchmarks_database(infra, "latency") as calculator_url,
        ):
            async with UnitOfWork(governance) as uow:
                await replace_catalogue(uow.session, FUND, YEAR, STANDARD_QUESTIONS)
                await uow.commit()
            context = multiprocessing.get_context("spawn")
            children = []
            for kind, url in (
                ("register-relay", register_url),
                ("calculator", calculator_url),
                ("governance", governance_url),
            ):
                parent, child = context.Pipe()
                process = context.Process(
                    target=_child, args=(kind, infra.bootstrap, url, topics, child), daemon=True
                )
                process.start()
                children.append((process, parent))
            for _, pipe in children:
                await asyncio.to_thread(pipe.recv)
            writer = Database(register_url, pool_size=2)
            try:
                organisation = OrganisationUpsertedV1(
                    organisation_id=ORGANISATION,
                    home_municipality_code="101",
                    administered_by=None,
                    version=1,
                    recorded_at=datetime.now(UTC),
                )
                first = _events("dep-0", datetime.now(UTC))
                await _commit(writer, [to_envelope(organisation), *first], topics)
                await _until(
                    lambda: _exists(governance_url, "departments", "dep-0"),
                    "the first department reaching governance",
                )
                async with UnitOfWork(governance) as uow:  # the fund opens the year
                    await generate_packages(uow.session, FUND, YEAR)
                    await uow.commit()
                progress("keyfigures-latency: the year is open; measuring lone changes")
                for index in range(1, settings.samples + 1):
                    await _sample(writer, governance_url, topics, f"dep-{index}", result)
                    await asyncio.sleep(settings.gap_seconds)
            finally:
                await writer.dispose()
                for _, pipe in children:
                    pipe.send("stop")
                for process, pipe in children:
                    await asyncio.to_thread(pipe.recv)
                    process.join(timeout=30)
    finally:
        await governance.dispose()
        await asyncio.to_thread(_drop_database, infra.admin_dsn, governance_name)
    return result


def _exists(url: str, table: str, key: str) -> bool:
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        query = psycopg.sql.SQL("SELECT 1 FROM {} WHERE id = %s").format(
            psycopg.sql.Identifier(table)
        )
        return connection.execute(query, (key,)).fetchone() is not None


def report(result: Result, recorded: str) -> str:
    def row(name: str, values: list[float]) -> str:
        if not values:
            return f"| {name} | 0 | – | – | – |"
        return (
            f"| {name} | {len(values)} | {_stats.median(values):,.0f} | "
            f"{_stats.percentile(values, 99):,.0f} | {max(values):,.0f} |"
        )

    ratio = (
        _stats.median(result.figures_ms) / _stats.median(result.form_ms)
        if result.form_ms and result.figures_ms
        else float("nan")
    )
    p99 = _stats.percentile(result.figures_ms, 99) if result.figures_ms else float("inf")
    met = "**met**" if p99 <= 1000 and result.missing == 0 else "**missed**"
    return "\n".join(
        [
            "### Key figures latency: register commit → the figures in governance's form",
            "",
            f"{result.settings.samples} lone changes (a new department and its first lease in "
            f"one register commit, {result.settings.gap_seconds:g} s apart); each party in its "
            "own process on the real broker: register relay → calculator (consumer, recompute "
            "and publish jobs, relay) → governance (consumers). Goal p99 ≤ 1,000 ms: "
            f"{met}; {result.missing} never arrived within {SAMPLE_TIMEOUT:g} s.",
            "",
            "| path | samples | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|",
            row("baseline: commit → governance's form of the department (one hop)", result.form_ms),
            row("**commit → the calculator's figures in that form** (two hops)", result.figures_ms),
            "",
            f"Two hops ÷ one hop (p50): {ratio:.1f}×.",
            "",
            recorded,
        ]
    )
