"""The read model's writes from events: one statement per run of events of one kind (see
:mod:`benchmarks.domain.projection`), each applying the run's facts with its guard and marking
the departments dirty.

The guards make the read model a function of the *set* of events:

* a lease's state (``LEASE_STATE_COLUMNS``) is replaced only when recorded later
  (``state_recorded_at``), its end date likewise (``end_recorded_at``, moved by a termination
  too; a termination arriving before its lease leaves a placeholder without state);
* a rent point ``(lease, from day)`` takes the latest recorded rent;
* tomgang flags are a history keyed by ``(lease, recorded_at)`` — insert-only;
* a department is replaced by a higher ``version`` only, accounts by a higher ``revision``.

Every function takes the run's values as columns (one list per column, one element per event;
no key twice) and the departments to mark dirty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import TextClause, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import AccountsRow, DepartmentRow, LeaseRow
from common.db.locks import advisory_xact_lock
from common.db.projection import newer_wins_assignments, upsert_if_newer

Columns = Mapping[str, Sequence[Any]]

LEASE_MOVES: Final = "benchmarks.lease_moves"
"""Advisory locks per lease: exclusive while a lease moves to another department, shared while
tomgang flags of it are applied (:func:`lock_moving_leases`, :func:`apply_vacancy_flags`)."""

LEASE_STATE_COLUMNS: Final = (
    "dwelling_id",
    "department_id",
    "organisation_id",
    "municipality_code",
    "start_date",
    "allocation_type",
    "area_m2",
    "housing_type",
)
"""What a created or updated lease says about it, guarded by ``state_recorded_at``."""
LEASE_END_COLUMNS: Final = ("end_date",)
"""Also moved by a termination, guarded by ``end_recorded_at``."""

_LEASE_CONFLICT = f"""
    ON CONFLICT (lease_id) DO UPDATE SET
{newer_wins_assignments("l", "state_recorded_at", LEASE_STATE_COLUMNS)},
{newer_wins_assignments("l", "end_recorded_at", LEASE_END_COLUMNS)}"""
_LEASE_END_CONFLICT = f"""
    ON CONFLICT (lease_id) DO UPDATE SET
{newer_wins_assignments("l", "end_recorded_at", LEASE_END_COLUMNS)}"""

_EVENTS_DEPARTMENTS = "unnest(CAST(:departments AS text[]))"

_MARK_DIRTY = """
dirty AS (
    INSERT INTO dirty_departments AS dd
        (department_id, recompute, publish, generation, last_event_at)
    SELECT d, true, true, 1, CAST(:now AS timestamptz)
    FROM {departments} AS d(d)
    ON CONFLICT (department_id) DO UPDATE
    SET recompute = true, publish = true, generation = dd.generation + 1,
        last_event_at = EXCLUDED.last_event_at
    RETURNING 1
)"""

_RENT_POINTS = """
    ON CONFLICT (lease_id, effective_from) DO UPDATE
    SET monthly_rent = EXCLUDED.monthly_rent, recorded_at = EXCLUDED.recorded_at
    WHERE r.recorded_at < EXCLUDED.recorded_at"""


def _marking_dirty(
    statement: str, select_counts: str, departments: str = _EVENTS_DEPARTMENTS
) -> TextClause:
    """``statement`` (CTEs ending in a comma), the CTE marking ``departments`` (a set of
    ``department_id`` values; by default the ``:departments`` parameter) dirty, then
    ``select_counts``."""
    return text(statement + _MARK_DIRTY.format(departments=departments) + select_counts)


_LEASE_STATE = _marking_dirty(
    f"""
WITH input AS (
    SELECT * FROM unnest(CAST(:lease_id AS text[]), CAST(:dwelling_id AS text[]),
        CAST(:department_id AS text[]), CAST(:organisation_id AS text[]),
        CAST(:municipality_code AS text[]), CAST(:start_date AS date[]),
        CAST(:end_date AS date[]), CAST(:allocation_type AS text[]),
        CAST(:area_m2 AS numeric[]), CAST(:housing_type AS text[]),
        CAST(:recorded_at AS timestamptz[]), CAST(:rent_from AS date[]),
        CAST(:monthly_rent AS numeric[]), CAST(:vacancy_loss_flag AS boolean[]))
    AS t(lease_id, dwelling_id, department_id, organisation_id, municipality_code, start_date,
        end_date, allocation_type, area_m2, housing_type, recorded_at, rent_from, monthly_rent,
        vacancy_loss_flag)
),
lease AS (
    INSERT INTO leases AS l (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, area_m2, housing_type,
        state_recorded_at, end_recorded_at)
    SELECT lease_id, dwelling_id, department_id, organisation_id, municipality_code,
        start_date, end_date, allocation_type, area_m2, housing_type, recorded_at, recorded_at
    FROM input{_LEASE_CONFLICT}
    RETURNING 1
),
rent AS (
    INSERT INTO rent_points AS r (lease_id, effective_from, monthly_rent, recorded_at)
    SELECT lease_id, rent_from, monthly_rent, recorded_at FROM input{_RENT_POINTS}
    RETURNING 1
),
flag AS (
    INSERT INTO vacancy_flags (lease_id, recorded_at, vacancy_loss_flag)
    SELECT lease_id, recorded_at, vacancy_loss_flag FROM input
    ON CONFLICT DO NOTHING
    RETURNING 1
),""",  # noqa: S608 - fixed column lists
    """
SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM rent), (SELECT count(*) FROM flag),
    (SELECT count(*) FROM dirty)
""",
)

_LEASE_END = _marking_dirty(
    f"""
WITH input AS (
    SELECT * FROM unnest(CAST(:lease_id AS text[]), CAST(:dwelling_id AS text[]),
        CAST(:department_id AS text[]), CAST(:organisation_id AS text[]),
        CAST(:municipality_code AS text[]), CAST(:start_date AS date[]),
        CAST(:end_date AS date[]), CAST(:allocation_type AS text[]),
        CAST(:recorded_at AS timestamptz[]))
    AS t(lease_id, dwelling_id, department_id, organisation_id, municipality_code, start_date,
        end_date, allocation_type, recorded_at)
),
lease AS (
    INSERT INTO leases AS l (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, area_m2, housing_type,
        state_recorded_at, end_recorded_at)
    SELECT lease_id, dwelling_id, department_id, organisation_id, municipality_code,
        start_date, end_date, allocation_type, NULL, NULL, NULL, recorded_at
    FROM input{_LEASE_END_CONFLICT}
    RETURNING 1
),""",  # noqa: S608 - fixed column lists
    """
SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM dirty)
""",
)

_RENT = _marking_dirty(
    f"""
WITH rent AS (
    INSERT INTO rent_points AS r (lease_id, effective_from, monthly_rent, recorded_at)
    SELECT * FROM unnest(CAST(:lease_id AS text[]), CAST(:rent_from AS date[]),
        CAST(:monthly_rent AS numeric[]), CAST(:recorded_at AS timestamptz[])){_RENT_POINTS}
    RETURNING 1
),""",  # noqa: S608 - fixed text
    """
SELECT (SELECT count(*) FROM rent), (SELECT count(*) FROM dirty)
""",
)

# A flag counts in the department its lease is in now (``queries_figures``), which is not the
# event's when the lease moved since the flag was recorded: the flag event comes on another topic
# than the lease's, so after the move or while it is applied. So the departments the leases are
# in are marked too, read after the leases' ``LEASE_MOVES`` lock (see ``apply_vacancy_flags``).
_FLAG = _marking_dirty(
    """
WITH flag AS (
    INSERT INTO vacancy_flags (lease_id, recorded_at, vacancy_loss_flag)
    SELECT * FROM unnest(CAST(:lease_id AS text[]), CAST(:recorded_at AS timestamptz[]),
        CAST(:vacancy_loss_flag AS boolean[]))
    ON CONFLICT DO NOTHING
    RETURNING 1
),
held AS (
    SELECT l.department_id FROM leases l WHERE l.lease_id = ANY(CAST(:lease_id AS text[]))
),""",
    """
SELECT (SELECT count(*) FROM flag), (SELECT count(*) FROM dirty)
""",
    f"(SELECT {_EVENTS_DEPARTMENTS} UNION SELECT department_id FROM held)",  # noqa: S608 - fixed text
)

_ONLY_DIRTY = _marking_dirty("WITH", "\nSELECT (SELECT count(*) FROM dirty)\n")


def _dirty(departments: Sequence[str], now: datetime) -> dict[str, Any]:
    # distinct: one statement may touch a department's mark only once
    return {"departments": list(dict.fromkeys(departments)), "now": now}


async def departments_of_leases(session: AsyncSession, lease_ids: Sequence[str]) -> dict[str, str]:
    """The department each of ``lease_ids`` held is in now (lease → department)."""
    rows = await session.execute(
        select(LeaseRow.lease_id, LeaseRow.department_id).where(
            LeaseRow.lease_id.in_(list(lease_ids))
        )
    )
    return {lease_id: department_id for lease_id, department_id in rows}


async def apply_lease_states(
    session: AsyncSession, columns: Columns, departments: Sequence[str], now: datetime
) -> None:
    """Leases' state (``lease_id``, ``recorded_at``, the state and end columns), each with its
    rent point (``rent_from``, ``monthly_rent``) and tomgang flag (``vacancy_loss_flag``)."""
    await session.execute(_LEASE_STATE, {**columns, **_dirty(departments, now)})


async def apply_lease_ends(
    session: AsyncSession, columns: Columns, departments: Sequence[str], now: datetime
) -> None:
    """Leases' end dates (a placeholder lease without state where none is held)."""
    await session.execute(_LEASE_END, {**columns, **_dirty(departments, now)})


async def apply_rent_points(
    session: AsyncSession, columns: Columns, departments: Sequence[str], now: datetime
) -> None:
    """Rent points: ``lease_id``, ``rent_from``, ``monthly_rent``, ``recorded_at``."""
    await session.execute(_RENT, {**columns, **_dirty(departments, now)})


async def lock_moving_leases(session: AsyncSession, lease_ids: Sequence[str]) -> None:
    """Before leases move to another department: wait for the flags being applied to them (and
    make the flags that come meanwhile wait), so each flag marks the department it counts in."""
    await advisory_xact_lock(session, LEASE_MOVES, lease_ids)


async def apply_vacancy_flags(
    session: AsyncSession, columns: Columns, departments: Sequence[str], now: datetime
) -> None:
    """Tomgang flags: ``lease_id``, ``recorded_at``, ``vacancy_loss_flag``; marks the events'
    departments and those their leases are in now (see ``_FLAG``), read after a move of the
    leases being applied has committed (``lock_moving_leases``)."""
    await advisory_xact_lock(session, LEASE_MOVES, columns["lease_id"], shared=True)
    await session.execute(_FLAG, {**columns, **_dirty(departments, now)})


async def apply_departments(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    """Departments' master data, each replacing the one held only with a higher version."""
    await session.execute(upsert_if_newer(DepartmentRow, rows, key=("department_id",)))
    await mark_dirty(session, [row["department_id"] for row in rows], now)


async def apply_accounts(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    """Departments' accounts for a year, each replacing those held only with a higher
    revision."""
    await session.execute(
        upsert_if_newer(AccountsRow, rows, key=("department_id", "accounts_year"), guard="revision")
    )
    await mark_dirty(session, [row["department_id"] for row in rows], now)


async def mark_dirty(session: AsyncSession, departments: Sequence[str], now: datetime) -> None:
    """Mark departments for recomputing and publishing (their ``generation`` moves on)."""
    await session.execute(_ONLY_DIRTY, _dirty(departments, now))
