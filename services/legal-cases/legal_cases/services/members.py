"""The tribunal's member register (§ 79): the tribunal records its appointed members; decisions
are then checked against it (:func:`legal_cases.domain.members.check_bench_appointed`)."""

from __future__ import annotations

from datetime import date

from common.errors import PermissionDeniedError
from common.paging import PageOf, decode_cursor, page_of
from legal_cases.db.models import MemberRow
from legal_cases.db.repositories import MemberRepository
from legal_cases.domain.access import TRIBUNAL_ROLE, Viewer
from legal_cases.domain.decisions import Seat
from legal_cases.domain.members import Appointment, check_appointment


def _own_tribunal(viewer: Viewer, action: str) -> str:
    if viewer.role != TRIBUNAL_ROLE or viewer.tribunal_code is None:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not {action}; it needs one of: tribunal."
        )
    return viewer.tribunal_code


async def appoint(repo: MemberRepository, viewer: Viewer, appointment: Appointment) -> MemberRow:
    tribunal_code = _own_tribunal(viewer, "record members")
    check_appointment(appointment)
    row = MemberRow(
        tribunal_code=tribunal_code,
        member_ref=appointment.member_ref,
        seat=appointment.seat.value,
        deputy=appointment.deputy,
        appointed_from=appointment.appointed_from,
        appointed_to=appointment.appointed_to,
        law_degree=appointment.law_degree,
        recorded_by=viewer.subject,
    )
    await repo.add(row)
    return row


async def register(
    repo: MemberRepository,
    viewer: Viewer,
    *,
    seat: Seat | None,
    on: date | None,
    cursor: str | None,
    limit: int,
) -> PageOf[MemberRow]:
    """A page of the tribunal's register in appointment order: one seat's, or those appointed
    on a day, when asked."""
    tribunal_code = _own_tribunal(viewer, "read the member register")
    key = decode_cursor(cursor, str, int)
    rows = await repo.register_page(
        tribunal_code,
        seat=None if seat is None else seat.value,
        on=on,
        after=None if key is None else (date.fromisoformat(key[0]), key[1]),
        limit=limit,
    )
    return page_of(rows, limit, key=lambda m: (m.appointed_from.isoformat(), m.id))
