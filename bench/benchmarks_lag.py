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
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench._setup import Infra
from bench.benchmarks_common import benchmarks_database
from bench.lag_rounds import TABLE_HEADER, ConsumerChild, Series, Timing, lag_round
from benchmarks.events.incoming import handle, handle_batch
from benchmarks.services.figures import recompute_dirty
from benchmarks.settings import BenchmarksSettings
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.contracts import AllocationType, HousingType, LeaseCreatedV1, to_envelope
from common.events.envelope import Envelope

Progress = Callable[[str], None]
RATE = 200.0
GOAL = "p99 reported; no goal set by the issue beyond measuring it"


@dataclass(frozen=True)
class Settings:
    seconds: float
    rate: float = RATE


FULL = Settings(seconds=30.0)
QUICK = Settings(seconds=6.0)


@dataclass
class Result:
    rate: float
    seconds: float
    recompute_interval: float
    baseline: Series
    calculator: Series


def _lease(department: str, recorded: datetime) -> Envelope:
    """The first lease of its own department, so "its figure is updated" is exact."""
    return to_envelope(
        LeaseCreatedV1(
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
    )


def _consumer(child: ConsumerChild) -> list[Coroutine[Any, Any, None]]:
    """The calculator's worker (its consumer and its recompute job), or the baseline's runner
    whose handler only stamps the arrival."""
    database, stamps, stop = child.database, child.stamps, child.stop
    config = BenchmarksSettings()

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

    if child.kind == "baseline":
        consumer = Consumer(child.group, (child.topic,), stamp)
        return [KafkaConsumerRunner(database, child.bootstrap, consumer).run(stop)]
    consumer = Consumer(child.group, (child.topic,), handle, handle_batch)
    return [KafkaConsumerRunner(database, child.bootstrap, consumer).run(stop), recompute_loop()]


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    timing = Timing(seconds=settings.seconds, rate=settings.rate)

    async def round_of(kind: str) -> Series:
        return await lag_round(
            infra,
            "benchmarks-lag",
            lambda: benchmarks_database(infra, "lag"),
            _consumer,
            kind,
            timing,
            _lease,
            progress,
        )

    baseline = await round_of("baseline")
    calculator = await round_of("calculator")
    return Result(
        rate=settings.rate,
        seconds=settings.seconds,
        recompute_interval=BenchmarksSettings().recompute_interval_seconds,
        baseline=baseline,
        calculator=calculator,
    )


def report(result: Result, recorded: str) -> str:
    return "\n".join(
        [
            "### Event lag: register commit → figure updated",
            "",
            f"Open-loop writer at {result.rate:g} leases/s for {result.seconds:g} s per round "
            "(first 2 s discarded): writer → outbox → relay (own process) → Kafka → consumer (own "
            "process). The "
            f"calculator's recompute job runs every {result.recompute_interval:g} s.",
            "",
            TABLE_HEADER,
            result.baseline.row(
                "baseline: commit → consumer handler (platform path, no-op handler)"
            ),
            result.calculator.row("**calculator**: commit → figure computed and committed"),
            "",
            recorded,
        ]
    )
