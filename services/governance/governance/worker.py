"""The governance service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m governance.worker``. Its one scheduled job is the twice-yearly reminder
round (see :mod:`governance.services.reminders`): it checks every
``GOVERNANCE_REMINDER_CHECK_SECONDS`` whether a round is due and runs it exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from common.db.engine import Database
from common.events.consumer import Consumer
from common.settings import ServiceSettings
from common.worker import PeriodicJob, run_worker
from governance.events.incoming import consumers
from governance.services.reminders import Clock, RoundResult, run_reminder_round
from governance.settings import GovernanceSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = consumers()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def jobs(
    database: Database, settings: ServiceSettings, *, clock: Clock = _utc_now
) -> Sequence[PeriodicJob]:
    assert isinstance(settings, GovernanceSettings)

    async def reminder_round() -> RoundResult:
        return await run_reminder_round(
            database, clock, settings.reminder_days, settings.reminder_grace_days
        )

    return [
        PeriodicJob(
            "governance.reminder_round",
            timedelta(seconds=settings.reminder_check_seconds),
            reminder_round,
        )
    ]


def main() -> None:
    run_worker(GovernanceSettings, consumers=CONSUMERS, jobs=jobs)


if __name__ == "__main__":
    main()
