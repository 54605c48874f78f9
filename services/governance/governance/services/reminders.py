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

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.calendar import danish_date
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.contracts import OutstandingItem
from governance.db.models import ReminderRoundRow
from governance.db.repositories import PackageRepository, ReminderRepository
from governance.domain.errors import RoundAlreadyHeldError, RoundNotDueError
from governance.domain.rules import (
    PackageStatus,
    due_reminder_round,
    outstanding_for_municipality,
    reminder_years,
    upcoming_reminder_rounds,
)
from governance.events import outgoing
from governance.services.core import today
from governance.services.roles import FUND_ROLES

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
    """The worker's job: the round due today, if any, once."""
    round_date = due_reminder_round(danish_date(clock()), days, grace_days)
    if round_date is None:
        return RoundResult(None, 0)
    async with UnitOfWork(database) as uow:
        result = await _hold_round(uow, round_date)
        if result.already_done:
            await uow.rollback()
            return result
        await uow.commit()
    return result


async def run_round_now(uow: UnitOfWork, scope: Scope, round_date: date) -> RoundResult:
    """The fund (or operations) holds a round on ``round_date`` now, instead of waiting for the
    schedule — once per date, like the scheduled one (409 if it was held). A date still to come
    is refused (422): holding it would use up that day's round ahead of time, with today's
    outstanding items, and the scheduled round would then send nothing."""
    scope.require(FUND_ROLES, "hold a reminder round")
    day = today()
    if round_date > day:
        raise RoundNotDueError(
            f"The reminder round of {round_date.isoformat()} lies in the future (today is "
            f"{day.isoformat()}); it is sent on its day. Preview it with GET "
            f"/governance/v1/reminders/preview?date={round_date.isoformat()}, or hold today's."
        )
    result = await _hold_round(uow, round_date)
    if result.already_done:
        raise RoundAlreadyHeldError(
            f"The reminder round of {round_date.isoformat()} was held already; each round "
            "date sends its reminders once. Preview another date, or wait for the next round."
        )
    return result


async def preview_round(
    session: AsyncSession, scope: Scope, round_date: date
) -> dict[str, list[OutstandingItem]]:
    """What a round on ``round_date`` would send, per home municipality; sends nothing."""
    scope.require(FUND_ROLES, "preview a reminder round")
    return await _outstanding_by_municipality(session, round_date)


@dataclass(frozen=True, slots=True)
class Schedule:
    days: Sequence[str]
    upcoming: list[date]
    held: list[ReminderRoundRow]


async def reminder_schedule(
    session: AsyncSession, scope: Scope, today: date, days: Sequence[str]
) -> Schedule:
    scope.require(FUND_ROLES, "see the reminder schedule")
    held = await ReminderRepository(session).rounds_held(limit=20)
    return Schedule(days, upcoming_reminder_rounds(today, days), held)


async def _hold_round(uow: UnitOfWork, round_date: date) -> RoundResult:
    """Claim the round (once per date), record one reminder per municipality with outstanding
    items and their events, in the caller's transaction."""
    rounds = ReminderRepository(uow.session)
    if not await rounds.claim_round(round_date):
        return RoundResult(round_date, 0, already_done=True)
    by_municipality = await _outstanding_by_municipality(uow.session, round_date)
    years = reminder_years(round_date)
    for municipality, items in by_municipality.items():
        reminder_id = f"{municipality}-{round_date.isoformat()}"
        await rounds.add_reminder(round_date, municipality, reminder_id, len(items))
        uow.record_event(outgoing.reminder_due(reminder_id, municipality, round_date, years, items))
    await rounds.finish_round(round_date, len(by_municipality))
    return RoundResult(round_date, len(by_municipality))


async def _outstanding_by_municipality(
    session: AsyncSession, round_date: date
) -> dict[str, list[OutstandingItem]]:
    by_municipality: dict[str, list[OutstandingItem]] = {}
    for package in await PackageRepository(session).packages_of_years(reminder_years(round_date)):
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
    return dict(sorted(by_municipality.items()))
