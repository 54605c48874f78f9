"""The rent subsidy for particularly cheap dwellings (huslejetilskud, seed 003).

The fund (for the ministry) sets the yearly rate table and grants frames per municipality and
year; a municipality attaches a subsidy to a family dwelling on an allocation, within the rent
band and its frame; each subsidy has a month-by-month schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from allocation.db.models import FrameApplicationRow, FrameRow, SubsidyRow
from allocation.db.repositories import Repository
from allocation.domain.errors import (
    DwellingNotFoundError,
    FrameApplicationExistsError,
    FrameMissingError,
    SubsidyNotFoundError,
    SubsidyRefusedError,
)
from allocation.domain.liability import RentFrom, rent_on
from allocation.domain.offers import check_case_reference
from allocation.domain.subsidy import (
    Month,
    check_frame,
    check_housing_type,
    check_rent_band,
    schedule,
)
from allocation.events import outgoing
from allocation.services.core import new_id, now
from allocation.services.roles import FUND, MUNICIPALITY
from common.access import Scope
from common.calendar import danish_date
from common.db.uow import UnitOfWork
from common.paging import PageOf, decode_cursor, page_of


async def set_rate(uow: UnitOfWork, scope: Scope, year: int, rate: Decimal) -> None:
    scope.require(FUND, "set the subsidy rate table")
    repo = Repository(uow.session)
    await repo.set_rate(year, rate, scope.subject)
    await repo.log("rate", str(year), "set", scope.subject, f"{rate} DKK a month in {year}.")


async def rates(uow: UnitOfWork) -> dict[int, Decimal]:
    return await Repository(uow.session).rates()


async def apply_for_frame(
    uow: UnitOfWork, scope: Scope, year: int, dwellings: int
) -> FrameApplicationRow:
    """The municipality applies in the year's round for a frame of ``dwellings`` dwellings."""
    scope.require(MUNICIPALITY, "apply for a subsidy frame")
    assert scope.municipality_code is not None
    repo = Repository(uow.session)
    already = FrameApplicationExistsError(
        f"Municipality {scope.municipality_code} has already applied for {year}."
    )
    if await repo.frame_application(scope.municipality_code, year) is not None:
        raise already
    row = FrameApplicationRow(
        municipality_code=scope.municipality_code,
        year=year,
        dwellings=dwellings,
        applied_by=scope.subject,
    )
    try:  # two applications at once: the second waits on the key and is refused
        async with uow.session.begin_nested():
            await repo.add(row)
    except IntegrityError:
        raise already from None
    await repo.log(
        "frame",
        f"{row.municipality_code}-{year}",
        "applied",
        scope.subject,
        f"Applied for a frame of {dwellings} dwellings.",
    )
    return row


async def frame_applications(
    uow: UnitOfWork, scope: Scope, year: int | None, cursor: str | None, limit: int
) -> PageOf[tuple[FrameApplicationRow, int | None]]:
    """Applications with what was granted: a municipality its own, the fund all; by year, then
    municipality."""
    rows = await Repository(uow.session).frame_applications(
        scope.filter(None, FrameApplicationRow.municipality_code),
        year,
        decode_cursor(cursor, int, str),
        limit,
    )
    return page_of(rows, limit, key=lambda r: (r[0].year, r[0].municipality_code))


async def set_frame(
    uow: UnitOfWork, scope: Scope, municipality_code: str, year: int, dwellings: int
) -> int:
    """Set the frame; returns how many subsidies already use it."""
    scope.require(FUND, "grant subsidy frames")
    repo = Repository(uow.session)
    current = await repo.frame_for_update(municipality_code, year)
    used = await repo.subsidies_used(municipality_code, year)
    if dwellings < used:
        raise SubsidyRefusedError(
            f"{used} subsidies already use the {year} frame of {municipality_code}; the frame "
            f"cannot be set below that ({dwellings} given)."
        )
    await repo.set_frame(municipality_code, year, dwellings, scope.subject)
    await repo.log(
        "frame",
        f"{municipality_code}-{year}",
        "granted",
        scope.subject,
        f"Frame {dwellings} dwellings (was {current.dwellings if current else 'none'}).",
    )
    uow.record_event(outgoing.frame_set(municipality_code, year, dwellings, now()))
    return used


async def frames(
    uow: UnitOfWork, scope: Scope, year: int | None, cursor: str | None, limit: int
) -> PageOf[tuple[FrameRow, int]]:
    """Frames with their use: a municipality its own, the fund nationally; by year, then
    municipality."""
    rows = await Repository(uow.session).frames(
        scope.filter(None, FrameRow.municipality_code), year, decode_cursor(cursor, int, str), limit
    )
    return page_of(rows, limit, key=lambda r: (r[0].year, r[0].municipality_code))


@dataclass(frozen=True, slots=True)
class NewSubsidy:
    dwelling_id: str
    frame_year: int
    move_in: date
    case_reference: str
    offer_id: str | None


async def grant_subsidy(uow: UnitOfWork, scope: Scope, command: NewSubsidy) -> SubsidyRow:
    scope.require(MUNICIPALITY, "grant rent subsidies")
    assert scope.municipality_code is not None
    reference = check_case_reference(command.case_reference)
    repo = Repository(uow.session)
    dwelling = await repo.dwelling(command.dwelling_id)
    if dwelling is None or dwelling.municipality_code != scope.municipality_code:
        raise DwellingNotFoundError(
            f"Dwelling {command.dwelling_id} is not known in municipality "
            f"{scope.municipality_code} (it arrives with the register's events)."
        )
    if command.offer_id is not None:
        offer = await repo.offer(command.offer_id)
        if offer is None or (offer.municipality_code, offer.dwelling_id) != (
            scope.municipality_code,
            dwelling.id,
        ):
            raise SubsidyRefusedError(
                f"Offer {command.offer_id} is not an offer of dwelling {dwelling.id} in "
                f"municipality {scope.municipality_code}; give the allocation's own offer or none."
            )
    check_housing_type(dwelling.housing_type)
    rent = await _rent_on(repo, dwelling, command.move_in)
    check_rent_band(rent)
    await repo.hold_dwellings([dwelling.id])  # two grants for one dwelling: one at a time
    frame = await repo.frame_for_update(scope.municipality_code, command.frame_year)
    if frame is None:
        raise FrameMissingError(
            f"Municipality {scope.municipality_code} has no subsidy frame for "
            f"{command.frame_year}; the frame is granted in the yearly application round."
        )
    check_frame(frame.dwellings, await repo.subsidies_used(frame.municipality_code, frame.year))
    running = await repo.subsidy_overlapping(dwelling.id, command.move_in)
    if running is not None:
        raise SubsidyRefusedError(
            f"Dwelling {dwelling.id} already has subsidy {running.id} from {running.move_in}"
            + (f" to {running.move_out}" if running.move_out else ", not ended")
            + f"; a new subsidy from {command.move_in} would pay the same months twice. "
            "Record the earlier tenant's move-out first (a move-in on or after it)."
        )
    months = schedule(command.move_in, await repo.rates())
    row = SubsidyRow(
        id=new_id("sub"),
        municipality_code=scope.municipality_code,
        frame_year=command.frame_year,
        dwelling_id=dwelling.id,
        organisation_id=dwelling.organisation_id,
        offer_id=command.offer_id,
        case_reference=reference,
        monthly_rent=rent,
        move_in=command.move_in,
        granted_by=scope.subject,
    )
    await repo.add(row)
    await repo.log(
        "subsidy",
        row.id,
        "granted",
        scope.subject,
        f"Rent {row.monthly_rent} DKK; frame {frame.year}; move-in {row.move_in}.",
    )
    uow.record_event(
        outgoing.subsidy_granted(row, months[0].amount, now(), frame_dwellings=frame.dwellings)
    )
    return row


async def _rent_on(repo: Repository, dwelling: Any, move_in: date) -> Decimal:
    """The dwelling's rent in force on the move-in day: its rent history (the register's
    lease and rent-change events) with its current description (a vacancy event's rent, from
    the day it was recorded); of two on one day the one recorded later. A move-in before all of
    them: the current rent."""
    points = [(r.from_day, r.recorded_at, r.monthly_rent) for r in await repo.rents(dwelling.id)]
    points.append((danish_date(dwelling.recorded_at), dwelling.recorded_at, dwelling.monthly_rent))
    points.sort(key=lambda point: (point[0], point[1]))
    history = [RentFrom(day, rent) for day, _, rent in points]
    in_force = rent_on(history, move_in)
    return dwelling.monthly_rent if in_force is None else in_force


async def _visible_subsidy(
    repo: Repository, scope: Scope, subsidy_id: str, *, lock: bool = False
) -> SubsidyRow:
    row = await repo.subsidy(subsidy_id, lock=lock)
    if row is None or not scope.sees(None, row.municipality_code):
        raise SubsidyNotFoundError(f"Subsidy {subsidy_id} was not found among those you may see.")
    return row


async def get_subsidy(
    uow: UnitOfWork, scope: Scope, subsidy_id: str
) -> tuple[SubsidyRow, list[Month]]:
    repo = Repository(uow.session)
    row = await _visible_subsidy(repo, scope, subsidy_id)
    return row, schedule(row.move_in, await repo.rates(), row.move_out)


async def end_subsidy(uow: UnitOfWork, scope: Scope, subsidy_id: str, move_out: date) -> SubsidyRow:
    scope.require(MUNICIPALITY, "record a move-out")
    # row-locked: of two move-outs at once the second waits and finds the subsidy ended
    row = await _visible_subsidy(Repository(uow.session), scope, subsidy_id, lock=True)
    if row.move_out is not None:
        raise SubsidyRefusedError(f"Subsidy {subsidy_id} already ended on {row.move_out}.")
    if move_out <= row.move_in:
        raise SubsidyRefusedError("The move-out must be after the move-in.")
    row.move_out = move_out
    await Repository(uow.session).log(
        "subsidy", row.id, "ended", scope.subject, f"Moved out {move_out}; the schedule ends."
    )
    uow.record_event(outgoing.subsidy_ended(row, now()))
    return row


async def list_subsidies(
    uow: UnitOfWork, scope: Scope, *, year: int | None, cursor: str | None, limit: int
) -> PageOf[SubsidyRow]:
    rows = await Repository(uow.session).list_subsidies(
        scope.filter(None, SubsidyRow.municipality_code),
        year=year,
        after=decode_cursor(cursor, str),
        limit=limit,
    )
    return page_of(rows, limit, key=lambda r: (r.id,))
