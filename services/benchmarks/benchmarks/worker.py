"""The benchmarks service's worker: outbox relay, the read model's consumer and the jobs that
recompute figures and publish them (debounced).

Run it with ``python -m benchmarks.worker``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from benchmarks.events.incoming import read_model_consumer
from benchmarks.services.figures import mark_all_for_publishing, recompute_dirty
from benchmarks.services.publishing import publish_settled
from benchmarks.settings import BenchmarksSettings
from common.db.engine import Database
from common.events.consumer import Consumer
from common.settings import ServiceSettings
from common.worker import PeriodicJob, run_worker

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = (read_model_consumer(),)

REFRESH_EVERY = timedelta(hours=1)


def jobs(database: Database, settings: ServiceSettings) -> Sequence[PeriodicJob]:
    """Recompute dirty departments (every second), publish settled ones (every few seconds),
    and hourly let the publisher re-check every department, whose benchmarks move when other
    departments change (it publishes only what differs)."""
    if not isinstance(settings, BenchmarksSettings):
        raise TypeError("the benchmarks jobs need BenchmarksSettings")
    config = settings

    async def recompute() -> int:
        return await recompute_dirty(
            database, history_years=config.history_years, batch=config.recompute_batch
        )

    async def publish() -> int:
        return await publish_settled(database, config)

    async def refresh() -> int:
        async with database.session() as session, session.begin():
            return await mark_all_for_publishing(session)

    return [
        PeriodicJob(
            "benchmarks.recompute_figures",
            timedelta(seconds=config.recompute_interval_seconds),
            recompute,
        ),
        PeriodicJob(
            "benchmarks.publish_key_figures",
            timedelta(seconds=config.publish_interval_seconds),
            publish,
        ),
        PeriodicJob("benchmarks.refresh_benchmarks", REFRESH_EVERY, refresh),
    ]


def main() -> None:
    run_worker(BenchmarksSettings, consumers=CONSUMERS, jobs=jobs)


if __name__ == "__main__":
    main()
