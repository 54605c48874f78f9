"""The legal-cases service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m legal_cases.worker``. Its one job is the deadline round
(:mod:`legal_cases.services.rounds`): reply and question deadlines lapse, unappealed decisions
become final, non-compliance reports are evaluated against the 3-in-2-years rule. With an SMTP
relay configured (``LEGAL_CASES_SMTP_HOST``) a second job sends the letters owed to persons
(:mod:`legal_cases.services.person_mail`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from common.db.engine import Database
from common.events.consumer import Consumer
from common.settings import ServiceSettings
from common.worker import PeriodicJob, run_worker
from legal_cases.services.person_mail import MailReport, send_due
from legal_cases.services.rounds import Clock, RoundResult, run_round
from legal_cases.settings import LegalCasesSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = ()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def jobs(
    database: Database, settings: ServiceSettings, *, clock: Clock = _utc_now
) -> Sequence[PeriodicJob]:
    assert isinstance(settings, LegalCasesSettings)

    async def deadline_round() -> RoundResult:
        return await run_round(database, clock)

    async def person_letters() -> MailReport:
        return await send_due(database, settings, clock)

    scheduled = [
        PeriodicJob(
            "legal_cases.deadline_round",
            timedelta(seconds=settings.deadline_round_seconds),
            deadline_round,
        )
    ]
    if settings.smtp_host:  # without a relay, letters to persons stay pending on the case
        scheduled.append(
            PeriodicJob(
                "legal_cases.person_letters",
                timedelta(seconds=settings.person_mail_seconds),
                person_letters,
            )
        )
    return scheduled


def main() -> None:
    run_worker(LegalCasesSettings, consumers=CONSUMERS, jobs=jobs)


if __name__ == "__main__":
    main()
