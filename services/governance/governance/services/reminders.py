"""The twice-yearly reminder to municipalities about their outstanding items of the last two
governance years (seed 002 §5.2.1).

On each configured day (``GOVERNANCE_REMINDER_DAYS``, moved to the next Danish working day) the
worker's job collects, per home municipality, the packages it is still waiting for or has to
act on, and emits one ``ReminderDueV1`` per municipality with outstanding items. A round runs
exactly once: its ``reminder_rounds`` row is inserted in the same transaction as the outbox
rows, so a restart finds it done and a concurrent worker waits on the insert and then skips.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.contracts import OutstandingItem
from governance.db.repositories import PackageRepository, ReminderRepository
from governance.domain.rules import (
    PackageStatus,
    due_reminder_round,
    outstanding_for_municipality,
    reminder_years,
)
from governance.events import outgoing

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class RoundResult:
    round_date: date | None
    reminders: int
    already_done: bool = False


async def run_reminder_round(
    database: Database,
    clock: Clock,
    days: Sequence[str],
    grace_days: int,
) -> RoundResult:
    today = clock().date()
    round_date = due_reminder_round(today, days, grace_days)
    if round_date is None:
        return RoundResult(None, 0)
    async with UnitOfWork(database) as uow:
        rounds = ReminderRepository(uow.session)
        if not await rounds.claim_round(round_date):
            await uow.rollback()
            return RoundResult(round_date, 0, already_done=True)
        years = reminder_years(round_date)
        by_municipality: dict[str, list[OutstandingItem]] = {}
        for package in await PackageRepository(uow.session).packages_of_years(years):
            missing = outstanding_for_municipality(PackageStatus(package.status))
            if missing is None:
                continue
            by_municipality.setdefault(package.home_municipality_code, []).append(
                OutstandingItem(
                    package_id=package.id,
                    organisation_id=package.organisation_id,
                    governance_year=package.year,
                    status=package.status,
                    missing=missing,
                )
            )
        for municipality, items in by_municipality.items():
            reminder_id = f"{municipality}-{round_date.isoformat()}"
            await rounds.add_reminder(round_date, municipality, reminder_id, len(items))
            uow.record_event(
                outgoing.reminder_due(reminder_id, municipality, round_date, years, items)
            )
        await rounds.finish_round(round_date, len(by_municipality))
        await uow.commit()
    return RoundResult(round_date, len(by_municipality))
