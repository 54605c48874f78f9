"""The register service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m register.worker``. Its consumer takes the allocation service's answers
to vacancy offers; its job records the municipality's allocation on the lease that re-lets the
dwelling once the ERP system has reported it (:mod:`register.services.municipal_allocations`);
another prunes the statistics cube (:func:`register.services.statistics.prune_round`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from common.db.engine import Database
from common.events.consumer import Consumer
from common.settings import ServiceSettings
from common.worker import PeriodicJob, run_worker
from register.events.incoming import consumers
from register.services.municipal_allocations import allocation_round
from register.services.statistics import PRUNE_EVERY, prune_round
from register.settings import RegisterSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = consumers()


def jobs(database: Database, settings: ServiceSettings) -> Sequence[PeriodicJob]:
    assert isinstance(settings, RegisterSettings)

    async def municipal_allocations() -> int:
        return await allocation_round(database)

    async def statistics_prune() -> int:
        return await prune_round(database)

    return [
        PeriodicJob(
            "register.municipal_allocations",
            timedelta(seconds=settings.municipal_allocation_seconds),
            municipal_allocations,
        ),
        # the statistics cube's kept figures and change log (register.db.statistics_cube)
        PeriodicJob("register.statistics_prune", PRUNE_EVERY, statistics_prune),
    ]


def main() -> None:
    run_worker(RegisterSettings, consumers=CONSUMERS, jobs=jobs)


if __name__ == "__main__":
    main()
