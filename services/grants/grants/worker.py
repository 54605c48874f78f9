"""The grants service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m grants.worker``. Its consumer keeps the read model of the register's
organisations and departments; its one job is the overdue round (see
:func:`grants.services.followup.run_overdue_round` and ``run_status_overdue_round``): every
``GRANTS_OVERDUE_CHECK_SECONDS`` it reports each yearly statement and each yearly status that
passed its deadline unreceived, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from common.db.engine import Database
from common.events.consumer import Consumer
from common.settings import ServiceSettings
from common.worker import PeriodicJob, run_worker
from grants.events.incoming import consumers
from grants.services.core import Clock
from grants.services.followup import run_overdue_round, run_status_overdue_round
from grants.settings import GrantsSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = consumers()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def jobs(
    database: Database, settings: ServiceSettings, *, clock: Clock = _utc_now
) -> Sequence[PeriodicJob]:
    assert isinstance(settings, GrantsSettings)

    async def overdue_round() -> int:
        return await run_overdue_round(database, clock) + await run_status_overdue_round(
            database, clock
        )

    return [
        PeriodicJob(
            "grants.overdue_round", timedelta(seconds=settings.overdue_check_seconds), overdue_round
        )
    ]


def main() -> None:
    run_worker(GrantsSettings, consumers=CONSUMERS, jobs=jobs)


if __name__ == "__main__":
    main()
