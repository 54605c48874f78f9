"""Benchmark 2, platform variant: commit → handler latency of the register's own events at
200 events/s **with the whole platform's workers running** (issue 18, goal 3).

The harness of :mod:`bench.event_latency` (open-loop pacing, the stamps, the two legs, the
inbox consumer's stages, the report's rows), with the platform in place of the example service:

* every service (``housing.services.SERVICES``) gets a fresh database migrated to its head, and
  every topic of ``deploy/kafka/topics.txt`` is created under a fresh prefix (issue 18 goal 4's
  isolation prefix): the run's topics and consumer groups are its own;
* every service's worker runs in its own process (``bench.latency_workers``, kind
  ``platform``): ``common.worker.serve_worker`` with the service's consumers and jobs, as
  ``python -m <package>.worker`` runs it, on the same PostgreSQL and broker;
* the register's database holds the synthetic register (copied in); its organisations and
  departments are published first as the register's own events;
* two writer processes (as the register runs several API processes) change leases at the rate,
  open loop, one per transaction on the register's database: lock the lease and flip its
  vacant-soon flag, build ``register.dwelling.vacancy_changed`` with the register's own event
  builder, record it in the register's outbox, commit (:class:`VacancyWriter`). The register's
  HTTP write path is not used: a lease POST costs ~8 ms of server CPU and the register sustains
  ~114/s on this machine (register-single), so it could not offer 200/s here;
* the register's worker relays them (its bus stamps each event when Kafka acknowledged it) and
  the platform consumes them as in production.

Measured, per event, from the moment the writer's commit returned (and, as an upper bound,
from the moment it sent COMMIT):

* **inbox consumer** – the benchmark's inbox consumer (``StagedRunner``, the witness row) on
  the platform's dwelling topic, in a group of its own: the ``latency`` benchmark's outbox path
  with the platform's load around it, and its stage table;
* **benchmarks.read-model**, **allocation.dwellings**, **dashboards.read-model** – the
  platform's own consumers of the dwelling topic, stamped when their handler (the batch handler
  for a batch) was called, by a wrapper the benchmark puts around the handler in that worker
  process only.

Baseline, side by side: the ``latency`` benchmark's bare producer → bare consumer rounds,
interleaved with the platform rounds. Every process's CPU time per event is read from
``/proc`` over the paced window (the writers' own with ``time.process_time``), with the shared
PostgreSQL server's and the broker's, and the machine's load average at each round's end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing.process
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import psycopg
from sqlalchemy import select, text

from bench import _report, _stats, event_latency
from bench._machine import cpu_seconds
from bench._setup import (
    Infra,
    _created_topics,
    _drop_database,
    database_url,
    example_database,
    quiet_logging,
)
from bench.event_latency import Sent, Series, Worker, paced, summarise
from bench.lag_rounds import WRITERS
from bench.latency_workers import DRAIN_TIMEOUT, WorkerConfig
from bench.register_common import SEED, ServerClock, analyze, copy_batches
from common.db import migrations
from common.db.engine import Database, libpq_dsn
from common.db.uow import UnitOfWork
from common.events.contracts import Contract, DwellingVacancyChangedV1, to_envelope
from common.testing import infra as infrastructure
from common.testing.kafka import create_listed_topics
from housing.mail_sink import MailSink
from housing.services import SERVICES
from register.db.models import (
    DepartmentRow,
    DwellingRow,
    LeaseRow,
    OrganisationRow,
)
from register.events.outgoing import department_upserted, organisation_upserted, vacancy_changed
from register.services.reading import is_rent_forming
from register_synthetic import iter_table_rows

GOAL_P99_MS = event_latency.GOAL_P99_MS
TOPIC = "register.dwelling.v1"
VACANCY_CHANGED = DwellingVacancyChangedV1.event_type  # "register.dwelling.vacancy_changed"
# The platform's consumers of the dwelling topic, measured: service → consumer (group's name).
MEASURED = {
    "benchmarks": "benchmarks.read-model",
    "allocation": "allocation.dwellings",
    "dashboards": "dashboards.read-model",
}
INBOX = "inbox consumer"
TOPICS_FILE = Path(__file__).resolve().parent.parent / "deploy" / "kafka" / "topics.txt"
WRITER_PROCESSES = 2  # as the register runs several API processes; each loop stays responsive
PLATFORM_READY_TIMEOUT = 180.0
# A writer the machine leaves behind (the others' work on the shared cores) takes this many
# times its seconds before it has written its share; what it achieved is reported.
WRITER_SLACK = 6.0
SETTLE_SECONDS = 3.0  # nine workers importing their services on a shared machine


@dataclass(frozen=True)
class Settings:
    seconds: float
    rounds: int
    rate: float = event_latency.RATE
    warmup: float = 2.0
    keys: int = 1000  # leases changed round-robin (as the latency benchmark's 1,000 things)
    dwellings: int = 1500  # of the synthetic register copied in (~1.1 leases each)


FULL = Settings(seconds=30.0, rounds=2)
QUICK = Settings(seconds=5.0, rounds=1)


@dataclass
class Result:
    settings: Settings
    baseline: Series = field(default_factory=Series)
    paths: dict[str, Series] = field(default_factory=dict)  # INBOX, then MEASURED's consumers
    # The same paths from the moment the writer sent COMMIT (not: got its answer back): never
    # below the true latency (it adds the commit's own round trip), and immune to a writer
    # whose event loop, starved of CPU, resumes late after the answer.
    upper: dict[str, Series] = field(default_factory=dict)
    # CPU ms per event of each process, per round (/proc over the paced window).
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)
    loads: list[str] = field(default_factory=list)  # the load average at each round's end

    @property
    def meets_goal(self) -> bool:
        return all(s.p(99) <= GOAL_P99_MS and s.lost == 0 for s in self.paths.values())


# --- set-up -----------------------------------------------------------------------------------


async def create_topics(infra: Infra, prefix: str) -> None:
    created = await create_listed_topics(infra.bootstrap, TOPICS_FILE, prefix=prefix)
    _created_topics.extend(created)  # removed at the end of the run


@contextlib.asynccontextmanager
async def service_databases(infra: Infra) -> AsyncIterator[dict[str, str]]:
    """A fresh database per service, migrated to its head side by side; dropped after."""
    names = {entry.name: f"bench_{os.getpid()}_platform_{entry.package}" for entry in SERVICES}
    urls = {service: database_url(infra.admin_dsn, name) for service, name in names.items()}
    packages = {entry.name: entry.package for entry in SERVICES}
    for name in names.values():
        await asyncio.to_thread(_drop_database, infra.admin_dsn, name)
    context = event_latency._process_context()
    loop = asyncio.get_running_loop()
    with concurrent.futures.ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        await asyncio.gather(
            *(
                loop.run_in_executor(pool, migrations.upgrade, packages[service], url)
                for service, url in urls.items()
            )
        )
    try:
        yield urls
    finally:
        for name in names.values():
            await asyncio.to_thread(_drop_database, infra.admin_dsn, name)


def copy_register(url: str, dwellings: int) -> None:
    """The synthetic register (organisations … leases and their expenses) copied in."""
    with psycopg.connect(libpq_dsn(url)) as connection:
        copy_batches(connection, iter_table_rows(SEED, dwellings))
    analyze(url)


async def publish_master_data(database: Database) -> int:
    """The copied organisations and departments as the register's own events, in its outbox
    (the platform's services learn them as they would from the register's writes)."""
    async with UnitOfWork(database) as uow:
        organisations = (await uow.session.scalars(select(OrganisationRow))).all()
        departments = (await uow.session.scalars(select(DepartmentRow))).all()
        events: list[Contract] = [organisation_upserted(o) for o in organisations]
        events += [department_upserted(d) for d in departments]
        for event in events:
            uow.record_event(to_envelope(event))
        await uow.commit()
    return len(events)


# --- the writer: the register's outbox writer, in the register's own transactions -------------


# One statement locks and changes the lease and returns what the event carries: the lease's
# row lock, as the register's write path takes it, and no ORM objects (the writer's CPU per
# event is the benchmark's own cost, not the platform's).
_FLIP = text(
    "UPDATE leases AS l SET vacant_soon_flag = NOT l.vacant_soon_flag, "
    "version = l.version + 1, updated_at = now() "
    "FROM dwellings AS d JOIN departments AS dep ON dep.id = d.department_id "
    "WHERE l.id = :key AND d.id = l.dwelling_id "
    "RETURNING l.id, l.start_date, l.end_date, l.vacancy_loss_flag, l.vacant_soon_flag, "
    "l.updated_at, d.id AS dwelling_id, d.area_m2, d.rooms, dep.id AS department_id, "
    "dep.organisation_id, dep.municipality_code, dep.housing_type"
)


class VacancyWriter:
    """Change *i*: lease ``keys[i % len(keys)]`` announces (or withdraws) that its dwelling
    becomes vacant, in one transaction on the register's database (a ``UnitOfWork``): lock and
    change the lease (flip ``vacant_soon_flag``, bump its version and ``updated_at``), build
    ``register.dwelling.vacancy_changed`` with the register's own event builder
    (``register.events.outgoing.vacancy_changed``) from the returned row, record it in the
    register's outbox, commit. The lease's rent (its rent-forming expenses) was read at set-up.
    Returns the event's id and the moment the commit returned."""

    def __init__(
        self, database: Database, keys: list[str], rents: dict[str, Decimal], slots: int
    ) -> None:
        self.database = database
        self.keys = keys
        self.rents = rents
        # At most as many changes in flight as the pool holds: a writer the machine leaves
        # behind falls behind (the achieved rate is reported) instead of failing on the pool.
        self.slots = asyncio.Semaphore(slots)
        # Each event's stamp just before its COMMIT was sent: an upper bound of the latency's
        # start that the writer's event loop cannot delay (see Result.upper).
        self.asked: dict[str, float] = {}

    async def change(self, i: int, commit: bool = True) -> Sent:
        key = self.keys[i % len(self.keys)]
        async with self.slots, UnitOfWork(self.database) as uow:
            row = (await uow.session.execute(_FLIP, {"key": key})).one()
            lease = SimpleNamespace(**row._mapping)
            dwelling = SimpleNamespace(id=row.dwelling_id, area_m2=row.area_m2, rooms=row.rooms)
            department = SimpleNamespace(
                id=row.department_id,
                organisation_id=row.organisation_id,
                municipality_code=row.municipality_code,
                housing_type=row.housing_type,
            )
            event = vacancy_changed(
                cast(LeaseRow, lease),
                cast(DwellingRow, dwelling),
                cast(DepartmentRow, department),
                self.rents[key],
            )
            envelope = to_envelope(event)
            uow.record_event(envelope)
            if commit:  # else rolled back: a warm-up
                self.asked[str(envelope.id)] = time.monotonic()
                await uow.commit()
            return str(envelope.id), time.monotonic()


def lease_rents(url: str, keys: int) -> dict[str, Decimal]:
    """Accepted leases that can take the vacant-soon flag (no vacancy-loss flag), each with its
    rent: the sum of its rent-forming expenses (``register.services.reading.is_rent_forming``)."""
    with psycopg.connect(libpq_dsn(url)) as connection:
        leases = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM leases WHERE status = 'accepted' AND NOT vacancy_loss_flag "
                "AND start_date IS NOT NULL AND allocation_type IS NOT NULL ORDER BY id LIMIT %s",
                (keys,),
            )
        ]
        rents = dict.fromkeys(leases, Decimal(0))
        for lease_id, kind, amount in connection.execute(
            "SELECT lease_id, expense_type, monthly_amount FROM housing_expenses "
            "WHERE lease_id = ANY(%s)",
            (leases,),
        ):
            if is_rent_forming(kind):
                rents[lease_id] += amount
    return rents


def writer_main(
    url: str, rents: dict[str, Decimal], rate: float, seconds: float, pipe: Connection
) -> None:
    """A writer process (as the register's API runs several): warm up, say ready, wait for the
    start time from the parent, write at ``rate`` for ``seconds``, send back what it sent and
    its CPU time."""
    quiet_logging()
    asyncio.run(_write(url, rents, rate, seconds, pipe))


async def _write(
    url: str, rents: dict[str, Decimal], rate: float, seconds: float, pipe: Connection
) -> None:
    slots = WRITERS // WRITER_PROCESSES
    database = Database(url, pool_size=slots)
    writer = VacancyWriter(database, list(rents), rents, slots)
    try:
        for i in range(5):
            await writer.change(i, commit=False)
        pipe.send("ready")
        start_at = float(await asyncio.to_thread(pipe.recv))
        await asyncio.sleep(max(start_at - time.monotonic(), 0.0))
        cpu = time.process_time()
        sent = await paced(rate, seconds, writer.change)
        pipe.send((sent, time.process_time() - cpu, writer.asked))
    except Exception as error:  # the parent raises it
        pipe.send(("error", repr(error)))
        raise
    finally:
        await database.dispose()


class Writers:
    """``WRITER_PROCESSES`` writer processes, each on its own share of the keys, their due times
    interleaved so that together they write at ``rate``."""

    def __init__(self, url: str, rents: dict[str, Decimal], rate: float, seconds: float) -> None:
        context = event_latency._process_context()
        self.rate = rate
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for w in range(WRITER_PROCESSES):
            pipe, child = context.Pipe()
            share = {key: rents[key] for key in list(rents)[w::WRITER_PROCESSES]}
            args = (url, share, rate / WRITER_PROCESSES, seconds, child)
            process = context.Process(target=writer_main, args=args, daemon=True)
            process.start()
            child.close()
            self.pipes.append(pipe)
            self.processes.append(process)

    async def _receive(self, pipe: Connection, timeout: float) -> Any:
        def receive() -> Any:
            if not pipe.poll(timeout):
                raise TimeoutError(f"no answer from a writer within {timeout:.0f}s")
            return pipe.recv()

        answer = await asyncio.to_thread(receive)
        if isinstance(answer, tuple) and answer[0] == "error":
            raise RuntimeError(f"a writer failed: {answer[1]}")
        return answer

    async def ready(self) -> None:
        await asyncio.gather(*(self._receive(p, PLATFORM_READY_TIMEOUT) for p in self.pipes))

    async def write(
        self, seconds: float
    ) -> tuple[list[tuple[float, Sent]], float, dict[str, float]]:
        """Start them together; (every change's due time and result, their CPU seconds, each
        event's stamp before its COMMIT was sent)."""
        start = time.monotonic() + 0.2
        for w, pipe in enumerate(self.pipes):
            pipe.send(start + w / self.rate)
        answers = await asyncio.gather(
            *(self._receive(p, seconds * WRITER_SLACK + DRAIN_TIMEOUT) for p in self.pipes)
        )
        sent = sorted(item for part, _, _ in answers for item in part)
        asked = {i: at for _, _, part in answers for i, at in part.items()}
        return [(due, (i, at)) for due, (i, at) in sent], sum(c for _, c, _ in answers), asked

    def kill(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()


# --- one round ----------------------------------------------------------------------------------


def _backends(admin_dsn: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to this run's databases (the
    services' and the inbox consumer's: ``bench_<pid>…``)."""
    with psycopg.connect(admin_dsn) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname LIKE %s",
            (f"bench\\_{os.getpid()}%",),
        ).fetchall()
    return [int(row[0]) for row in rows]


@dataclass(frozen=True)
class Platform:
    infra: Infra
    prefix: str
    urls: dict[str, str]
    inbox_url: str
    settings: tuple[tuple[str, str], ...]  # notifications' SMTP: the run's mail sink


def _configs(platform: Platform) -> dict[str, WorkerConfig]:
    """Every service's worker, and the benchmark's inbox consumer, by process name."""
    configs = {
        f"{entry.name} worker": WorkerConfig(
            "platform",
            platform.infra.bootstrap,
            platform.prefix + TOPIC,
            entry.name,
            database_url=platform.urls[entry.name],
            service=entry.name,
            prefix=platform.prefix,
            measured=(MEASURED[entry.name],) if entry.name in MEASURED else (),
            stamp_types=(VACANCY_CHANGED,),
            relay=entry.name == "register",
            settings=platform.settings if entry.name == "notifications" else (),
        )
        for entry in SERVICES
    }
    configs[INBOX] = WorkerConfig(
        "consumer",
        platform.infra.bootstrap,
        platform.prefix + TOPIC,
        f"{platform.prefix}bench.inbox",
        database_url=platform.inbox_url,
        any_event=True,
    )
    return configs


def _stamping(config: WorkerConfig) -> bool:
    return config.kind == "consumer" or bool(config.measured) or config.relay


async def platform_round(
    platform: Platform,
    settings: Settings,
    probe: VacancyWriter,
    rents: dict[str, Decimal],
    result: Result,
) -> None:
    configs = _configs(platform)
    workers = {name: Worker(config) for name, config in configs.items()}
    writers = Writers(platform.urls["register"], rents, settings.rate, settings.seconds)
    kafka_pid, postgres_pid = infrastructure.kafka_pid(), infrastructure.postgres_pid()
    try:
        await probe.change(0)  # the probe: the stamping workers are ready once it arrived
        await asyncio.gather(
            writers.ready(),
            *(worker.wait_ready(PLATFORM_READY_TIMEOUT) for worker in workers.values()),
        )
        # Nine processes just started: their start-up (imports on first use, the master data
        # caught up, statements compiled) takes the CPU for a few seconds; let it settle.
        await asyncio.sleep(SETTLE_SECONDS)
        pids = {name: worker.process.pid for name, worker in workers.items()}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        server = ServerClock(postgres_pid) if postgres_pid is not None else None
        kafka_before = cpu_seconds(kafka_pid)
        backends = await asyncio.to_thread(_backends, platform.infra.admin_dsn)
        backends_before = {pid: cpu_seconds(pid) for pid in backends}
        sent, own, asked = await writers.write(settings.seconds)
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        server_cpu = server.elapsed() if server is not None else 0.0
        kafka_cpu = cpu_seconds(kafka_pid) - kafka_before
        # a backend that connected during the window (a pool growing) counts whole
        backends = await asyncio.to_thread(_backends, platform.infra.admin_dsn)
        backends_cpu = sum(cpu_seconds(pid) - backends_before.get(pid, 0.0) for pid in backends)
        result.loads.append(" / ".join(f"{v:.1f}" for v in os.getloadavg()))
        reports = dict(
            zip(
                workers,
                await asyncio.gather(
                    *(
                        worker.stop(expected=len(sent) + 1 if _stamping(configs[name]) else 0)
                        for name, worker in workers.items()
                    )
                ),
                strict=True,
            )
        )
    finally:
        writers.kill()
        for worker in workers.values():
            worker.kill()
    events = len(sent)
    cpu = {name: (after[name] - before[name]) * 1000 / events for name in pids}
    cpu[f"writers ({WRITER_PROCESSES} processes: the register's transactions)"] = (
        own * 1000 / events
    )
    cpu["PostgreSQL: this run's backends (connected to its databases)"] = (
        backends_cpu * 1000 / events
    )
    cpu["PostgreSQL server (all databases; shared)"] = server_cpu * 1000 / events
    cpu["Kafka broker (shared)"] = kafka_cpu * 1000 / events
    for name, ms in cpu.items():
        result.cpu_ms.setdefault(name, []).append(ms)
    acked = reports["register worker"]["acked"]
    relay_report = reports["register worker"]
    measured = [(INBOX, INBOX)] + [(consumer, f"{s} worker") for s, consumer in MEASURED.items()]
    for path, process in measured:
        series = result.paths.setdefault(path, Series())
        report = reports[process]
        series.sender_cpu_ms.append(own * 1000 / events)
        series.relay_cpu_ms.append(relay_report["cpu_ms_per_event"])
        if relay_report["events_per_batch"] is not None:
            series.events_per_batch.append(relay_report["events_per_batch"])
        series.consumer_cpu_ms.append(cpu[process])
        series.consumer_gc.append(report["gc"])
        if report["offset_commits_ms"] is not None:
            series.offset_commits_ms.extend(report["offset_commits_ms"])
        summarise(
            series, sent, report["received"], acked, settings.warmup, report["stages"] or None
        )
        from_asked = [(due, (i, asked.get(i, at))) for due, (i, at) in sent]
        upper = result.upper.setdefault(path, Series())
        summarise(upper, from_asked, report["received"], acked, settings.warmup)


async def run(infra: Infra, settings: Settings, progress: Callable[[str], None]) -> Result:
    result = Result(settings)
    latency = event_latency.Settings(
        settings.seconds, settings.rounds, settings.rate, settings.warmup, settings.keys
    )
    process_server = asyncio.create_task(asyncio.to_thread(event_latency.start_process_server))
    prefix = f"bench.{os.getpid()}.{os.urandom(3).hex()}."
    mail = tempfile.TemporaryDirectory(prefix="bench-platform-mail-")
    sink = MailSink(Path(mail.name)).start()
    try:
        await process_server
        async with service_databases(infra) as urls, example_database(infra) as inbox_url:
            await asyncio.to_thread(copy_register, urls["register"], settings.dwellings)
            rents = await asyncio.to_thread(lease_rents, urls["register"], settings.keys)
            keys = list(rents)
            database = Database(urls["register"], pool_size=WRITERS)
            try:
                published = await publish_master_data(database)
                await create_topics(infra, prefix)
                progress(
                    f"latency-platform: {len(urls)} services migrated, "
                    f"{len(keys):,} leases to change, {published} master-data events queued"
                )
                smtp = (("smtp_host", sink.host), ("smtp_port", str(sink.port)))
                platform = Platform(infra, prefix, urls, inbox_url, smtp)
                probe = VacancyWriter(database, keys[:1], rents, 1)
                for number in range(1, settings.rounds + 1):
                    await event_latency.baseline_round(infra, latency, result.baseline)
                    shares = {key: rents[key] for key in keys[1:]}
                    await platform_round(platform, settings, probe, shares, result)
                    p99s = ", ".join(
                        f"{name} {series.round_p99s[-1]:.1f}"
                        for name, series in result.paths.items()
                    )
                    progress(
                        f"latency-platform round {number}/{settings.rounds}: p99 ms baseline "
                        f"{result.baseline.round_p99s[-1]:.1f}, {p99s}; load {result.loads[-1]}"
                    )
            finally:
                await database.dispose()
    finally:
        sink.stop()
        mail.cleanup()
    return result


# --- the report -------------------------------------------------------------------------------


def report(result: Result, recorded: str) -> str:
    s = result.settings
    paths = [("baseline: bare producer → bare consumer", result.baseline)] + [
        (
            f"platform: register commit → relay → Kafka → {name}"
            + (" (the benchmark's, witness row)" if name == INBOX else " handler"),
            series,
        )
        for name, series in result.paths.items()
    ]
    legs = list(paths)
    paths += [
        (f"upper bound, from COMMIT sent → {name}", series) for name, series in result.upper.items()
    ]
    measured = sum(len(series.latencies_ms) for series in result.paths.values())
    early = sum(1 for series in result.paths.values() for ms in series.latencies_ms if ms < 0)
    worst = max((series.p(99) for series in result.paths.values()), default=float("nan"))
    summary = (
        f"`{VACANCY_CHANGED}` events written through the register's outbox in the register's "
        f"own transactions at {s.rate:.0f} events/s (open loop, one lease's vacant-soon flag "
        f"flipped per transaction, {s.keys:,} leases round-robin) for {s.seconds:.0f} s × "
        f"{s.rounds} rounds (first {s.warmup:.0f} s of each discarded), every service's worker "
        "running "
        "in its own process on its own database under a fresh topic/group prefix; the baseline "
        "rounds interleaved. Goal p99 ≤ "
        f"{GOAL_P99_MS:.0f} ms at every measured consumer: {_report._verdict(result.meets_goal)} "
        f"(worst p99 {worst:.1f} ms; baseline {result.baseline.p(99):.1f} ms). Load average "
        f"(1/5/15 min) at each platform round's end: {'; '.join(result.loads)}. Handler stamps "
        f"earlier than the writer's commit stamp: {early:,} of {measured:,} — the writers' event "
        "loops got the commit's answer late (the machine had no CPU for them), so their stamps "
        "and these latencies are too low; a sound run has none. The *upper bound* rows count "
        "from the moment the writer sent COMMIT instead: never too low (they add the commit's "
        "own round trip), whatever the writer's loop did."
    )
    cpu_rows = [
        (name, " / ".join(f"{ms:.2f}" for ms in values), f"{_stats.median(values):.2f}")
        for name, values in result.cpu_ms.items()
    ]
    cpu = (
        "CPU time of each process per event written, over each round's paced window (from "
        "`/proc`; the writer's from `time.process_time`). The services' workers do everything "
        "their production worker does meanwhile (relay, every consumer, jobs); PostgreSQL's "
        "and the broker's figures include the other engineers' work on the shared servers:\n\n"
        + _report._table(("process", "ms/event per round", "median"), cpu_rows)
    )
    inbox = result.paths.get(INBOX)
    stages = event_latency.stages_table(inbox) if inbox is not None else ""
    return (
        f"{recorded}\n\n{summary}\n\n"
        + _report.latency_paths_table(paths)
        + "\n\n"
        + _report._legs(legs)
        + f"\n\n{cpu}"
        + (f"\n\n{stages}" if stages else "")
    )
