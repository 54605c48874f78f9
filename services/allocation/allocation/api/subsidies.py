"""Rent subsidies (huslejetilskud): the rate table, frames, grants and schedules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from allocation.api.deps import IdPath, SubsidyScope, log_out, subsidy_out
from allocation.api.schemas import (
    FrameApplicationIn,
    FrameApplicationOut,
    FrameIn,
    FrameOut,
    MoveOutIn,
    RateIn,
    RateOut,
    SubsidyIn,
    SubsidyOut,
)
from allocation.services import audit, subsidies
from common.app import UnitOfWorkDep
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses

router = APIRouter(tags=["subsidies"])

READ = problem_responses({401: "No or invalid token", 403: "Your role may not", 404: "Not found"})
WRITE = {**READ, **problem_responses({422: "Refused: see 'detail'"})}
YearPath = Annotated[int, Path(ge=2000, le=2100)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]


@router.put(
    "/subsidy-rates/{year}",
    response_model=RateOut,
    responses=WRITE,
    summary="Set a year's monthly rate (fund)",
)
async def set_rate(
    year: YearPath, body: RateIn, scope: SubsidyScope, uow: UnitOfWorkDep
) -> RateOut:
    await subsidies.set_rate(uow, scope, year, body.monthly_rate)
    return RateOut(year=year, monthly_rate=body.monthly_rate)


@router.get(
    "/subsidy-rates", response_model=list[RateOut], responses=READ, summary="The indexed rate table"
)
async def get_rates(scope: SubsidyScope, uow: UnitOfWorkDep) -> list[RateOut]:
    table = await subsidies.rates(uow)
    return [RateOut(year=y, monthly_rate=r) for y, r in sorted(table.items())]


@router.put(
    "/frames/{municipality_code}/{year}",
    response_model=FrameOut,
    responses=WRITE,
    summary="Grant a municipality's frame for a year (fund)",
)
async def set_frame(
    municipality_code: Annotated[str, Path(pattern=r"^\d{3}$")],
    year: YearPath,
    body: FrameIn,
    scope: SubsidyScope,
    uow: UnitOfWorkDep,
) -> FrameOut:
    used = await subsidies.set_frame(uow, scope, municipality_code, year, body.dwellings)
    return FrameOut(
        municipality_code=municipality_code,
        year=year,
        dwellings=body.dwellings,
        used=used,
        left=body.dwellings - used,
    )


@router.get(
    "/frames", response_model=Page[FrameOut], responses=READ, summary="Frames, used and left"
)
async def list_frames(
    scope: SubsidyScope,
    uow: UnitOfWorkDep,
    year: YearQuery = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[FrameOut]:
    page = await subsidies.frames(uow, scope, year, cursor, limit)
    items = [
        FrameOut(
            municipality_code=f.municipality_code,
            year=f.year,
            dwellings=f.dwellings,
            used=used,
            left=max(f.dwellings - used, 0),
        )
        for f, used in page.rows
    ]
    return Page(items=items, next_cursor=page.next_cursor)


@router.post(
    "/subsidies",
    status_code=201,
    response_model=SubsidyOut,
    responses=WRITE,
    summary="Grant a rent subsidy on an allocation",
)
async def grant(body: SubsidyIn, scope: SubsidyScope, uow: UnitOfWorkDep) -> SubsidyOut:
    row = await subsidies.grant_subsidy(
        uow,
        scope,
        subsidies.NewSubsidy(
            dwelling_id=body.dwelling_id,
            frame_year=body.frame_year,
            move_in=body.move_in,
            case_reference=body.case_reference,
            offer_id=body.offer_id,
        ),
    )
    return subsidy_out(row)


@router.get(
    "/subsidies", response_model=Page[SubsidyOut], responses=READ, summary="Subsidies you may see"
)
async def list_subsidies(
    scope: SubsidyScope,
    uow: UnitOfWorkDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    frame_year: YearQuery = None,
) -> Page[SubsidyOut]:
    page = await subsidies.list_subsidies(uow, scope, year=frame_year, cursor=cursor, limit=limit)
    return Page(items=[subsidy_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get(
    "/subsidies/{subsidy_id}",
    response_model=SubsidyOut,
    responses=READ,
    summary="A subsidy with its month-by-month schedule",
)
async def get_subsidy(subsidy_id: IdPath, scope: SubsidyScope, uow: UnitOfWorkDep) -> SubsidyOut:
    row, months = await subsidies.get_subsidy(uow, scope, subsidy_id)
    out = subsidy_out(row, months)
    out.log = log_out(await audit.log_of(uow, "subsidy", row.id))
    return out


@router.post(
    "/subsidies/{subsidy_id}/move-out",
    response_model=SubsidyOut,
    responses=WRITE,
    summary="Record the move-out: the schedule ends",
)
async def move_out(
    subsidy_id: IdPath, body: MoveOutIn, scope: SubsidyScope, uow: UnitOfWorkDep
) -> SubsidyOut:
    await subsidies.end_subsidy(uow, scope, subsidy_id, body.move_out)
    row, months = await subsidies.get_subsidy(uow, scope, subsidy_id)
    return subsidy_out(row, months)


@router.post(
    "/frame-applications",
    status_code=201,
    response_model=FrameApplicationOut,
    responses={**WRITE, **problem_responses({409: "Already applied for the year"})},
    summary="Apply for the year's subsidy frame (municipality)",
)
async def apply_for_frame(
    body: FrameApplicationIn, scope: SubsidyScope, uow: UnitOfWorkDep
) -> FrameApplicationOut:
    row = await subsidies.apply_for_frame(uow, scope, body.year, body.dwellings)
    return FrameApplicationOut(
        municipality_code=row.municipality_code,
        year=row.year,
        dwellings=row.dwellings,
        granted=None,
        applied_at=row.applied_at,
    )


@router.get(
    "/frame-applications",
    response_model=Page[FrameApplicationOut],
    responses=READ,
    summary="Frame applications with what was granted (the fund: all)",
)
async def list_frame_applications(
    scope: SubsidyScope,
    uow: UnitOfWorkDep,
    year: YearQuery = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[FrameApplicationOut]:
    page = await subsidies.frame_applications(uow, scope, year, cursor, limit)
    items = [
        FrameApplicationOut(
            municipality_code=row.municipality_code,
            year=row.year,
            dwellings=row.dwellings,
            granted=granted,
            applied_at=row.applied_at,
        )
        for row, granted in page.rows
    ]
    return Page(items=items, next_cursor=page.next_cursor)
