"""The worker process of a service: outbox relay, Kafka consumers and periodic jobs.

``python -m <package>.worker`` calls :func:`run_worker`. SIGTERM / SIGINT stop it cleanly: the
current batch finishes, offsets of handled events are committed, connections close.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import textwrap
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, TypeVar

import structlog
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from common.db.engine import Database
from common.events.consumer import Consumer, KafkaConsumerRunner, freeze_startup_objects
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.idempotency import purge_expired_keys
from common.observability import configure_logging
from common.settings import ServiceSettings
from common.waiting import at_most

log = structlog.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[], Awaitable[object]]


# The cyclic garbage collector's generation thresholds in a process that handles work in bulk
# (a worker's fetched batches of events, the register's bulk submissions). At the default
# generation-0 threshold (700) the collector runs every few events or records, and what a batch
# holds while its statement is awaited (a fetch's envelopes, their validated contracts) outlives
# the young collections and is promoted. Reference counting frees almost all of it anyway;
# cycles are still collected, just in larger steps. Measured: a quarter of a 5,000-record bulk
# submission's CPU (bench register-bulk); over the frozen startup objects, the allocation
# consumer's collector CPU 8.9 -> 6.6 µs/event, the no-op consumer's unchanged at ~6
# (bench allocation-vacancies, nine rounds each).
GC_THRESHOLDS = (20_000, 10, 10)


def collect_in_bulk() -> None:
    """Once a worker has set itself up: the collector's larger steps (``GC_THRESHOLDS``), and
    the startup's objects out of its view (:func:`freeze_startup_objects`)."""
    gc.set_threshold(*GC_THRESHOLDS)
    freeze_startup_objects()


JobFactory = Callable[[Database, ServiceSettings], Sequence[PeriodicJob]]
"""A service's scheduled jobs, built once its worker has a database: ``<package>.worker.jobs``
has this signature, and the embedded run calls the same function."""


def housekeeping_jobs(database: Database, relay: OutboxRelay) -> list[PeriodicJob]:
    """What every service's worker does besides its own jobs."""
    return [
        PeriodicJob("outbox.purge_published", timedelta(hours=1), relay.purge_published),
        PeriodicJob(
            "idempotency.purge_expired_keys",
            timedelta(hours=1),
            lambda: purge_expired_keys(database),
        ),
    ]


def did_something(result: object) -> bool:
    """A job's result of 0, None, nothing or only zero counts (``{"sent": 0}``) is an idle run."""
    if isinstance(result, Mapping):
        return any(result.values())
    return bool(result)


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def repeat(job: PeriodicJob, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            result = await job.run()
            # Jobs that run every second would drown the log: an idle run is only a debug line.
            (log.info if did_something(result) else log.debug)(
                "job.ran", job=job.name, result=result
            )
        except Exception as exc:  # a failing job is logged and tried again next period
            if _being_cancelled():
                # Cancelled at a stop inside the database driver, which raised its own error
                # (a pipeline or query aborted) instead: not a failure, and the task must end.
                log.info("job.cancelled", job=job.name, error=repr(exc))
                raise asyncio.CancelledError from exc
            log.exception("job.failed", job=job.name, error=repr(exc))
        await at_most(job.every.total_seconds(), stop.wait())


async def serve_worker(
    settings: ServiceSettings,
    stop: asyncio.Event,
    *,
    consumers: Sequence[Consumer] = (),
    jobs: JobFactory | None = None,
) -> None:
    if not settings.kafka_bootstrap_servers:
        raise SystemExit(
            "The worker needs a broker: set HOUSING_KAFKA_BOOTSTRAP_SERVERS. "
            "(The embedded run `make run` relays in-process instead.)"
        )
    # The relay and the consumers retry on connection errors: no pre-ping round trip needed.
    database = Database(
        settings.effective_database_url, pool_size=settings.database_pool_size, pre_ping=False
    )
    bus = KafkaBus(
        settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-relay",
        prefix=settings.kafka_prefix,
    )
    relay = OutboxRelay(
        database,
        bus,
        lanes=settings.outbox_lanes,
        concurrency=settings.outbox_publishers if settings.outbox_lanes else 1,
    )
    all_jobs = [*housekeeping_jobs(database, relay), *(jobs(database, settings) if jobs else ())]
    runners = [
        KafkaConsumerRunner(
            database, settings.kafka_bootstrap_servers, consumer, prefix=settings.kafka_prefix
        )
        for consumer in consumers
    ]
    collect_in_bulk()  # see there: the collector's cost per event under a backlog
    log.info(
        "worker.started",
        service=settings.service_name,
        consumers=[c.name for c in consumers],
        jobs=[j.name for j in all_jobs],
    )
    try:
        await asyncio.gather(
            relay.run(stop),
            *(runner.run(stop) for runner in runners),
            *(repeat(job, stop) for job in all_jobs),
        )
    finally:
        await bus.stop()
        await database.dispose()
        log.info("worker.stopped", service=settings.service_name)


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        return "default: computed"
    if info.default is None or info.default == "":
        return "default: unset"
    value = info.default.value if isinstance(info.default, Enum) else info.default
    return "default: secret" if isinstance(value, SecretStr) else f"default: {value}"


def worker_arguments(
    settings_class: type[ServiceSettings], consumers: Sequence[Consumer]
) -> argparse.ArgumentParser:
    """The worker's command line: no options, a ``--help`` that says what it runs and reads."""
    name, prefix = settings_class.service_name, settings_class.env_prefix()
    reads = [f"  {c.name}: {', '.join(c.topics)}" for c in consumers] or ["  (none)"]
    settings = [
        textwrap.fill(
            f"{prefix}{field.upper()} ({_default(info)})"
            + (f": {info.description}" if info.description else ""),
            width=100,
            initial_indent="  ",
            subsequent_indent="      ",
        )
        for field, info in settings_class.model_fields.items()
    ]
    return argparse.ArgumentParser(
        prog=f"python -m {settings_class.__module__.rpartition('.')[0]}.worker",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            f"The {name} service's worker: publishes the service's outbox to Kafka, applies "
            "the events its consumers read (each exactly once, through the inbox) and runs its "
            "periodic jobs. It needs the service's database, migrated (`housing migrate "
            "--service ...`), and a Kafka broker. SIGTERM or SIGINT (Ctrl-C) stop it cleanly: "
            "the current batch ends, the handled events' offsets are committed.",
            width=100,
        ),
        epilog="\n".join(
            [
                "consumers (consumer group: topics, each behind HOUSING_KAFKA_PREFIX):",
                *reads,
                f"settings, from the environment ({prefix}<NAME>, else HOUSING_<NAME>):",
                *settings,
            ]
        ),
    )


def run_worker(
    settings_class: type[ServiceSettings],
    *,
    consumers: Sequence[Consumer] = (),
    jobs: JobFactory | None = None,
) -> None:
    """``python -m <package>.worker``: the command line first (``--help`` needs no valid
    settings), then the settings, then the worker until a signal stops it."""
    worker_arguments(settings_class, consumers).parse_args()
    settings = settings_class()
    configure_logging(settings.log_level, json_logs=settings.log_json)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve_worker(settings, stop, consumers=consumers, jobs=jobs)

    run_event_loop(main())


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on uvloop when it is installed (it comes with uvicorn[standard], and
    the API processes run on it), else on asyncio's own loop. A worker's event loop and
    sockets (Kafka, PostgreSQL) are a good part of its CPU per fetch at a trickle of events;
    uvloop's cost less (~50 µs of ~0.8 ms per fetch of a no-op consumer, measured)."""
    try:
        import uvloop
    except ImportError:  # not installed (uvicorn[standard] leaves it out on Windows)
        return asyncio.run(main)
    return uvloop.run(main)
