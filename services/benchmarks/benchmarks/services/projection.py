"""Applying the register's and governance's events to the read model — its only input.

A set of events is applied in runs (:func:`benchmarks.domain.projection.runs`): one guarded
statement per run of consecutive events of one kind, so a batch gives the read model its
events give one by one, and one event is a batch of one. Each event marks its department(s)
dirty; the recompute job derives the figures, the publish job the debounced
``benchmarks.keyfigures.updated``. The guards are in :mod:`benchmarks.db.projection`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db import projection as db
from benchmarks.domain.leases import created_rent_day, updated_rent_day
from benchmarks.domain.projection import departments_to_mark, moves, runs
from common.events.contracts import (
    AccountsReportedV1,
    Contract,
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    RentChangedV1,
)

Kind = Literal["lease_state", "lease_end", "rent", "flag", "department", "accounts"]


def kind_and_key(event: Contract) -> tuple[Kind, Hashable] | None:
    """What statement applies ``event`` and the key of the row(s) it writes; None for any
    other catalogued event on the topics (a new one), which is not ours."""
    if isinstance(event, LeaseCreatedV1 | LeaseUpdatedV1):
        return "lease_state", event.lease_id  # rent point and flag are per lease as well
    if isinstance(event, LeaseTerminatedV1):
        return "lease_end", event.lease_id
    if isinstance(event, RentChangedV1):
        return "rent", (event.lease_id, event.as_of)
    if isinstance(event, DwellingVacancyChangedV1):
        return "flag", (event.lease_id, event.recorded_at)
    if isinstance(event, DepartmentUpsertedV1):
        return "department", event.department_id
    if isinstance(event, AccountsReportedV1):
        return "accounts", (event.department_id, event.accounts_year)
    return None


def rent_day(event: LeaseCreatedV1 | LeaseUpdatedV1) -> date:
    """The day from which the rent a created or updated lease carries holds."""
    if isinstance(event, LeaseCreatedV1):
        return created_rent_day(event.start_date)
    return updated_rent_day(event.rent_day, event.recorded_at, event.start_date, event.end_date)


def _rows(events: Sequence[Any], *attributes: str) -> list[dict[str, Any]]:
    return [{attribute: getattr(event, attribute) for attribute in attributes} for event in events]


def _departments(events: Sequence[Any]) -> list[str]:
    return [event.department_id for event in events]


async def _lease_states(
    session: AsyncSession, events: list[LeaseCreatedV1 | LeaseUpdatedV1], now: datetime
) -> None:
    moved_to = {e.lease_id: e.department_id for e in events if isinstance(e, LeaseUpdatedV1)}
    held = await db.departments_of_leases(session, list(moved_to)) if moved_to else {}
    rows = _rows(
        events,
        "lease_id",
        *db.LEASE_STATE_COLUMNS,
        *db.LEASE_END_COLUMNS,
        "recorded_at",
        "monthly_rent",
        "vacancy_loss_flag",
    )
    for row, event in zip(rows, events, strict=True):
        row["rent_from"] = rent_day(event)
    departments = departments_to_mark(_departments(events), held, moved_to)
    moving = moves(held, moved_to)
    if moving:
        await db.lock_moving_leases(session, list(moving))
    await db.apply_lease_states(session, rows, departments, now)


async def _lease_ends(
    session: AsyncSession, events: list[LeaseTerminatedV1], now: datetime
) -> None:
    rows = _rows(
        events,
        "lease_id",
        "dwelling_id",
        "department_id",
        "organisation_id",
        "municipality_code",
        "start_date",
        "end_date",
        "allocation_type",
        "recorded_at",
    )
    await db.apply_lease_ends(session, rows, _departments(events), now)


async def _rents(session: AsyncSession, events: list[RentChangedV1], now: datetime) -> None:
    rows = _rows(events, "lease_id", "monthly_rent", "recorded_at")
    for row, event in zip(rows, events, strict=True):
        row["rent_from"] = event.as_of
    await db.apply_rent_points(session, rows, _departments(events), now)


async def _flags(
    session: AsyncSession, events: list[DwellingVacancyChangedV1], now: datetime
) -> None:
    rows = _rows(events, "lease_id", "recorded_at", "vacancy_loss_flag")
    await db.apply_vacancy_flags(session, rows, _departments(events), now)


async def _departments_master_data(
    session: AsyncSession, events: list[DepartmentUpsertedV1], now: datetime
) -> None:
    await db.apply_departments(session, _rows(events, *db.DEPARTMENT_COLUMNS), now)


async def _accounts(session: AsyncSession, events: list[AccountsReportedV1], now: datetime) -> None:
    await db.apply_accounts(session, _rows(events, *db.ACCOUNTS_COLUMNS), now)


_APPLY: dict[Kind, Callable[[AsyncSession, list[Any], datetime], Awaitable[None]]] = {
    "lease_state": _lease_states,
    "lease_end": _lease_ends,
    "rent": _rents,
    "flag": _flags,
    "department": _departments_master_data,
    "accounts": _accounts,
}


async def apply_events(session: AsyncSession, events: Sequence[Contract]) -> None:
    """Apply events' facts to the read model, in order, inside the caller's transaction: one
    statement per run of consecutive events of one kind, each marking its departments dirty.
    The same as applying them one by one."""
    for kind, run in runs(events, kind_and_key):
        await _APPLY[kind](session, run, datetime.now(UTC))
