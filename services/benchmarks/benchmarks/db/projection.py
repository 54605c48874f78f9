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

Every function takes the run's rows (column → value, one per event; no key twice), which go to
PostgreSQL as one jsonb array in one fixed statement on the session's psycopg connection, and
the departments to mark dirty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import AccountsRow, DepartmentRow, LeaseRow
from common.db.engine import driver_connection
from common.db.locks import advisory_xact_lock
from common.db.projection import newer_wins_assignments, rows_json, upsert_newer_sql

Rows = Sequence[dict[str, Any]]

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
DEPARTMENT_COLUMNS: Final = tuple(c.name for c in DepartmentRow.__table__.columns)
"""A department's master data (every column of ``departments``), guarded by ``version``."""
ACCOUNTS_COLUMNS: Final = tuple(c.name for c in AccountsRow.__table__.columns)
"""A department's accounts for a year (every column of ``accounts``), guarded by ``revision``."""

_LEASE_CONFLICT = f"""
    ON CONFLICT (lease_id) DO UPDATE SET
{newer_wins_assignments("l", "state_recorded_at", LEASE_STATE_COLUMNS)},
{newer_wins_assignments("l", "end_recorded_at", LEASE_END_COLUMNS)}"""
_LEASE_END_CONFLICT = f"""
    ON CONFLICT (lease_id) DO UPDATE SET
{newer_wins_assignments("l", "end_recorded_at", LEASE_END_COLUMNS)}"""

_EVENTS_DEPARTMENTS = "unnest(CAST(%(departments)s AS text[]))"

_MARK_DIRTY = """
dirty AS (
    INSERT INTO dirty_departments AS dd
        (department_id, recompute, publish, generation, last_event_at)
    SELECT d, true, true, 1, CAST(%(now)s AS timestamptz)
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


def _input(columns: str) -> str:
    """The run's rows (``%(rows)s``, :func:`common.db.projection.rows_json`) as ``input``."""
    return f"""
WITH input AS (
    SELECT * FROM json_to_recordset(CAST(%(rows)s AS json)) AS t({columns})
),"""  # noqa: S608 - fixed column lists


def _marking_dirty(
    statement: str, select_counts: str, departments: str = _EVENTS_DEPARTMENTS
) -> str:
    """``statement`` (CTEs ending in a comma), the CTE marking ``departments`` (a set of
    ``department_id`` values; by default the ``%(departments)s`` parameter) dirty, then
    ``select_counts``."""
    return statement + _MARK_DIRTY.format(departments=departments) + select_counts


_LEASE_STATE_INPUT = """lease_id text, dwelling_id text, department_id text,
        organisation_id text, municipality_code text, start_date date, end_date date,
        allocation_type text, area_m2 numeric, housing_type text, recorded_at timestamptz,
        rent_from date, monthly_rent numeric, vacancy_loss_flag boolean"""
_LEASE_END_INPUT = """lease_id text, dwelling_id text, department_id text, organisation_id text,
        municipality_code text, start_date date, end_date date, allocation_type text,
        recorded_at timestamptz"""

_LEASE_STATE = _marking_dirty(
    f"""{_input(_LEASE_STATE_INPUT)}
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
    f"""{_input(_LEASE_END_INPUT)}
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
    f"""{_input("lease_id text, rent_from date, monthly_rent numeric, recorded_at timestamptz")}
rent AS (
    INSERT INTO rent_points AS r (lease_id, effective_from, monthly_rent, recorded_at)
    SELECT lease_id, rent_from, monthly_rent, recorded_at FROM input{_RENT_POINTS}
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
    f"""{_input("lease_id text, recorded_at timestamptz, vacancy_loss_flag boolean")}
flag AS (
    INSERT INTO vacancy_flags (lease_id, recorded_at, vacancy_loss_flag)
    SELECT lease_id, recorded_at, vacancy_loss_flag FROM input
    ON CONFLICT DO NOTHING
    RETURNING 1
),
held AS (
    SELECT l.department_id FROM leases l WHERE l.lease_id IN (SELECT lease_id FROM input)
),""",  # noqa: S608 - fixed text
    """
SELECT (SELECT count(*) FROM flag), (SELECT count(*) FROM dirty)
""",
    f"(SELECT {_EVENTS_DEPARTMENTS} UNION SELECT department_id FROM held)",  # noqa: S608 - fixed text
)

_ONLY_DIRTY = _marking_dirty("WITH", "\nSELECT (SELECT count(*) FROM dirty)\n")

_DEPARTMENTS = upsert_newer_sql("departments", DEPARTMENT_COLUMNS, key=("department_id",))
_ACCOUNTS = upsert_newer_sql(
    "accounts", ACCOUNTS_COLUMNS, key=("department_id", "accounts_year"), guard="revision"
)


def _dirty(departments: Sequence[str], now: datetime) -> dict[str, Any]:
    # distinct: one statement may touch a department's mark only once
    return {"departments": list(dict.fromkeys(departments)), "now": now}


async def _apply(
    session: AsyncSession, statement: str, rows: Rows, departments: Sequence[str], now: datetime
) -> None:
    """``statement`` with the run's ``rows`` and the departments to mark dirty, on the
    session's psycopg connection: one fixed statement whatever the number of rows."""
    driver = await driver_connection(session)
    await driver.execute(statement, {"rows": rows_json(rows), **_dirty(departments, now)})


async def departments_of_leases(session: AsyncSession, lease_ids: Sequence[str]) -> dict[str, str]:
    """The department each of ``lease_ids`` held is in now (lease → department)."""
    rows = await session.execute(
        select(LeaseRow.lease_id, LeaseRow.department_id).where(
            LeaseRow.lease_id.in_(list(lease_ids))
        )
    )
    return {lease_id: department_id for lease_id, department_id in rows}


async def apply_lease_states(
    session: AsyncSession, rows: Rows, departments: Sequence[str], now: datetime
) -> None:
    """Leases' state (``lease_id``, ``recorded_at``, the state and end columns), each with its
    rent point (``rent_from``, ``monthly_rent``) and tomgang flag (``vacancy_loss_flag``)."""
    await _apply(session, _LEASE_STATE, rows, departments, now)


async def apply_lease_ends(
    session: AsyncSession, rows: Rows, departments: Sequence[str], now: datetime
) -> None:
    """Leases' end dates (a placeholder lease without state where none is held)."""
    await _apply(session, _LEASE_END, rows, departments, now)


async def apply_rent_points(
    session: AsyncSession, rows: Rows, departments: Sequence[str], now: datetime
) -> None:
    """Rent points: ``lease_id``, ``rent_from``, ``monthly_rent``, ``recorded_at``."""
    await _apply(session, _RENT, rows, departments, now)


async def lock_moving_leases(session: AsyncSession, lease_ids: Sequence[str]) -> None:
    """Before leases move to another department: wait for the flags being applied to them (and
    make the flags that come meanwhile wait), so each flag marks the department it counts in."""
    await advisory_xact_lock(session, LEASE_MOVES, lease_ids)


async def apply_vacancy_flags(
    session: AsyncSession, rows: Rows, departments: Sequence[str], now: datetime
) -> None:
    """Tomgang flags: ``lease_id``, ``recorded_at``, ``vacancy_loss_flag``; marks the events'
    departments and those their leases are in now (see ``_FLAG``), read after a move of the
    leases being applied has committed (``lock_moving_leases``)."""
    await advisory_xact_lock(session, LEASE_MOVES, [row["lease_id"] for row in rows], shared=True)
    await _apply(session, _FLAG, rows, departments, now)


async def apply_departments(session: AsyncSession, rows: Rows, now: datetime) -> None:
    """Departments' master data (``DEPARTMENT_COLUMNS``), each replacing the one held only with
    a higher version."""
    await (await driver_connection(session)).execute(_DEPARTMENTS, {"rows": rows_json(rows)})
    await mark_dirty(session, [row["department_id"] for row in rows], now)


async def apply_accounts(session: AsyncSession, rows: Rows, now: datetime) -> None:
    """Departments' accounts for a year (``ACCOUNTS_COLUMNS``), each replacing those held only
    with a higher revision."""
    await (await driver_connection(session)).execute(_ACCOUNTS, {"rows": rows_json(rows)})
    await mark_dirty(session, [row["department_id"] for row in rows], now)


async def mark_dirty(session: AsyncSession, departments: Sequence[str], now: datetime) -> None:
    """Mark departments for recomputing and publishing (their ``generation`` moves on)."""
    await (await driver_connection(session)).execute(_ONLY_DIRTY, _dirty(departments, now))
