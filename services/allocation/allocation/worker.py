"""The allocation service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m allocation.worker``. Its scheduled job is the deadline round
(:mod:`allocation.services.deadlines`): open offers past their answer deadline lapse.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from allocation.events.incoming import consumers
from allocation.services.deadlines import Clock, DeadlineResult, run_deadline_round
from allocation.settings import AllocationSettings
from common.db.engine import Database
from common.events.consumer import Consumer
from common.settings import ServiceSettings
from common.worker import PeriodicJob, run_worker

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = consumers()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def jobs(
    database: Database, settings: ServiceSettings, *, clock: Clock = _utc_now
) -> Sequence[PeriodicJob]:
    assert isinstance(settings, AllocationSettings)

    async def deadline_round() -> dict[str, int]:
        result: DeadlineResult = await run_deadline_round(database, clock)
        return {"lapsed": result.lapsed, "reminded": result.reminded}

    return [
        PeriodicJob(
            "allocation.deadline_round",
            timedelta(seconds=settings.deadline_check_seconds),
            deadline_round,
        )
    ]


def main() -> None:
    run_worker(AllocationSettings, consumers=CONSUMERS, jobs=jobs)


if __name__ == "__main__":
    main()
