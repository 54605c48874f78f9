"""The tribunal's member register (§ 79)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from common.app import UnitOfWorkDep
from common.dates import WireDate
from common.paging import Cursor, Limit
from common.problems import problem_responses
from legal_cases.api.deps import Tribunal
from legal_cases.api.schemas import AppointmentIn, MemberOut, MemberPage
from legal_cases.db.models import MemberRow
from legal_cases.db.repositories import MemberRepository
from legal_cases.domain.decisions import Seat
from legal_cases.domain.members import Appointment
from legal_cases.services import members

router = APIRouter(tags=["members"])
RESPONSES = problem_responses(
    {401: "No or invalid bearer token", 403: "Your role may not do this",
     422: "The appointment breaks § 79"}
)  # fmt: skip


def member_out(row: MemberRow) -> MemberOut:
    return MemberOut(
        id=row.id, member_ref=row.member_ref, seat=row.seat, deputy=row.deputy,
        appointed_from=row.appointed_from, appointed_to=row.appointed_to,
        law_degree=row.law_degree,
    )  # fmt: skip


@router.post("/members", response_model=MemberOut, status_code=201, responses=RESPONSES)
async def appoint(body: AppointmentIn, viewer: Tribunal, uow: UnitOfWorkDep) -> MemberOut:
    """Record an appointed member of your tribunal; decisions are then checked against the
    register (each seat taken by someone appointed to it on the day)."""
    appointment = Appointment(
        member_ref=body.member_ref, seat=body.seat, deputy=body.deputy,
        appointed_from=body.appointed_from, appointed_to=body.appointed_to,
        law_degree=body.law_degree,
    )  # fmt: skip
    return member_out(await members.appoint(MemberRepository(uow.session), viewer, appointment))


@router.get("/members", response_model=MemberPage, responses=RESPONSES)
async def register(
    viewer: Tribunal,
    uow: UnitOfWorkDep,
    seat: Seat | None = None,
    on: Annotated[WireDate | None, Query(description="Only those appointed on this day.")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> MemberPage:
    """Your tribunal's member register in appointment order, a page at a time."""
    page = await members.register(MemberRepository(uow.session), viewer, seat=seat, on=on,
                                  cursor=cursor, limit=limit)  # fmt: skip
    return MemberPage(items=[member_out(r) for r in page.rows], next_cursor=page.next_cursor)
