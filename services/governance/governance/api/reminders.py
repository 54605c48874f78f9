"""The twice-yearly reminder rounds for the fund: the schedule, a preview of what a round would
send, and holding a round now (seed 002 §5.2.1; issue 12, item 13)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from common.app import UnitOfWorkDep
from common.calendar import danish_date
from common.dates import WireDate
from common.problems import problem_responses
from governance.api.deps import GovernanceScope, SettingsDep
from governance.api.schemas import (
    HeldRoundOut,
    ReminderPreviewOut,
    ReminderScheduleOut,
    RoundIn,
    RoundOut,
)
from governance.services import reminders

router = APIRouter(prefix="/reminders", tags=["reminders"])
_FUND_ONLY = problem_responses({403: "Only the fund (Landsbyggefonden) may"})


@router.get(
    "/schedule",
    summary="The reminder days, the next rounds and the rounds held",
    response_model=ReminderScheduleOut,
    responses=_FUND_ONLY,
)
async def schedule(
    scope: GovernanceScope, uow: UnitOfWorkDep, settings: SettingsDep
) -> ReminderScheduleOut:
    found = await reminders.reminder_schedule(
        uow.session, scope, danish_date(), settings.reminder_days
    )
    return ReminderScheduleOut(
        reminder_days=list(found.days),
        upcoming=found.upcoming,
        held=[HeldRoundOut.model_validate(r, from_attributes=True) for r in found.held],
    )


@router.get(
    "/preview",
    summary="What a round would send, per home municipality (sends nothing)",
    response_model=ReminderPreviewOut,
    responses=_FUND_ONLY,
)
async def preview(
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    on: Annotated[WireDate | None, Query(alias="date", description="Round date; today")] = None,
) -> ReminderPreviewOut:
    round_date = on or danish_date()
    found = await reminders.preview_round(uow.session, scope, round_date)
    return ReminderPreviewOut.of(round_date, found)


@router.post(
    "/rounds",
    summary="Hold a reminder round now (once per round date)",
    response_model=RoundOut,
    status_code=201,
    responses={**_FUND_ONLY, **problem_responses({409: "That date's round was held already"})},
)
async def hold_round(scope: GovernanceScope, uow: UnitOfWorkDep, body: RoundIn) -> RoundOut:
    round_date = body.round_date or danish_date()
    result = await reminders.run_round_now(uow, scope, round_date)
    return RoundOut(round_date=round_date, reminders=result.reminders)
