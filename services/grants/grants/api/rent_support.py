"""The rent model's minimum support need per year: the fund sets it (each change a revision
with who, when and the fund's reference); everyone in grants reads it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from common.app import UnitOfWorkDep
from common.problems import problem_responses
from grants.api.deps import GrantsScope
from grants.api.schemas import MinimumNeedIn, MinimumNeedOut
from grants.db.models import MinimumNeedRow
from grants.services import rent_support

router = APIRouter(tags=["rent support"])
READ = problem_responses({401: "No or invalid bearer token", 403: "Your role may not do this"})
WRITE = {**READ, **problem_responses({422: "The request breaks a rule: see 'errors'"})}
RateYear = Annotated[int, Path(ge=2000, le=2100, description="The frame year the rate applies to.")]


def _out(row: MinimumNeedRow, in_force: bool) -> MinimumNeedOut:
    return MinimumNeedOut(
        year=row.year,
        revision=row.revision,
        amount_per_m2=row.amount_per_m2,
        reference=row.reference,
        set_by=row.set_by,
        set_at=row.set_at,
        in_force=in_force,
    )


@router.get(
    "/rent-support/minimum-needs",
    response_model=list[MinimumNeedOut],
    responses=READ,
    summary="The minimum support need per year, every revision (newest first within a year)",
)
async def minimum_needs(scope: GrantsScope, uow: UnitOfWorkDep) -> list[MinimumNeedOut]:
    rows = await rent_support.minimum_needs(uow, scope)
    seen: set[int] = set()
    out = []
    for row in rows:
        out.append(_out(row, row.year not in seen))
        seen.add(row.year)
    return out


@router.put(
    "/rent-support/minimum-needs/{year}",
    response_model=MinimumNeedOut,
    responses=WRITE,
    summary="Set the year's minimum support need (the fund; a new revision each time)",
    description="Seed 001 (LBF's guideline, 'Huslejemodel'): 'fastsættes endvidere regler om "
    "minimumsstøttebehov' — the fund sets the minimum; the guideline publishes no amount. The "
    "rate in force for a case's frame year is used by POST …/rent-support; calculations already "
    "stored keep the revision they used.",
)
async def set_minimum_need(
    year: RateYear, body: MinimumNeedIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> MinimumNeedOut:
    row = await rent_support.set_minimum_need(uow, scope, year, body.amount_per_m2, body.reference)
    return _out(row, True)
