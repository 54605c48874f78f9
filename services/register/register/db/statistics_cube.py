"""The statistics cube: the figures of ``queries_statistics`` added up per department and kept.

Every published statistic of the stock on a date (dwellings by type and rent band, the stock by
municipal allocation, the data sheet's stock and rent sums) is a sum over departments of a few
per-department figures, and every statistic of a year (re-lettings by allocation type, the data
sheet's move-outs and re-lettings) too. So those figures are kept per department: ``stat_stock``
per (date, department), ``stat_year`` per (year, department), computed by the definitions of
``queries_statistics`` (the same SQL fragments) on the first request for a date or a year, and
summed into the cube on every request — ~9,800 rows nationally instead of the ~3.7 million of
the register. The rendered data sheets are kept too (``stat_answers``), valid while none of
the municipality's departments changed and it has the same ones.

Exactness. Each kept row carries the PostgreSQL snapshot it was computed in
(``pg_current_snapshot()``). Triggers on ``organisations``, ``departments``, ``dwellings``,
``leases`` and ``housing_expenses`` (migration 0008) log, in the writing transaction, the
departments the transaction changed and its id in ``stat_changes``. A kept row is *valid* for a reader while no change of its department
that the reader sees is missing from the row's snapshot (``pg_visible_in_snapshot``); a row's
figures depend only on its own department's dwellings, leases and expenses, so a valid row
equals what the reference query would compute in the reader's snapshot. The sum is taken in one
statement, over valid rows only, and reports how many departments had none
(``missing``); the caller computes those again and sums again. Back-dated corrections, past
dates, drafts and held records need nothing special: any change to those tables invalidates the
department's rows for every date and year, and the definitions are the reference queries'.

Pruning (``prune``): kept rows that no longer hold and those of dates, years and answers not
computed for a while are dropped, then the change-log rows of transactions that had ended
before the round began (every kept row left, and every one computed later, has seen them).
Readers hold a shared advisory lock from before the statement whose snapshot they keep until
they commit; the pruner takes it exclusively (or skips its round), so it never drops a change a
reader's row in progress has not seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from register.db.queries_statistics import (
    IN_FORCE,
    IN_FORCE_ORDER,
    IS_RELETTING,
    MUNICIPAL,
    OTHER,
    RENT_BAND_SQL,
    RENT_TYPES,
)

# The shared advisory lock of readers computing rows against the pruner ("stat" in ASCII).
LOCK: Final = 0x73746174

# A kept row of :table (alias ``s``) is valid: no change of its department the reader sees is
# missing from the row's snapshot.
_VALID = """
    NOT EXISTS (
        SELECT 1 FROM stat_changes c
        WHERE c.department_id = s.department_id
          AND NOT pg_visible_in_snapshot(c.xid::text::xid8, s.snapshot::pg_snapshot)
    )
"""

# --- stock on a date --------------------------------------------------------------------------

# Departments (all, or one municipality's) without a valid stock row on :on.
_STALE_STOCK = f"""
SELECT dep.id
FROM departments dep
LEFT JOIN stat_stock s ON s.on = :on AND s.department_id = dep.id
WHERE (CAST(:municipality AS text) IS NULL OR dep.municipality_code = :municipality)
  AND (s.department_id IS NULL OR NOT ({_VALID}))
"""  # noqa: S608 — only module constants are interpolated

# The stock rows of departments :ids on :on, by the definitions of ``queries_statistics``: the
# lease in force (later start wins), its rent-forming expenses in force (no rent when none),
# the rent band, municipal allocation of the lease in force (not the vacancy lease).
_COMPUTE_STOCK = f"""
WITH dw AS (
    SELECT d.id, d.department_id, d.area_m2
    FROM dwellings d
    WHERE d.department_id = ANY(:ids)
),
per_dwelling AS (
    -- per dwelling its lease in force (ix_leases_dwelling_period, the later start first) and
    -- that lease's rent (ix_housing_expenses_lease_id): index probes, so a few departments
    -- cost a few milliseconds (as the data sheet's reference query does it)
    SELECT dw.department_id, dw.area_m2, r.rent, {RENT_BAND_SQL} AS band,
           lf.id AS lease_id,
           (lf.allocation_type = '{MUNICIPAL}' AND NOT lf.vacancy_loss_flag) AS municipal
    FROM dw
    LEFT JOIN LATERAL (
        SELECT l.id, l.allocation_type, l.vacancy_loss_flag FROM leases l
        WHERE l.dwelling_id = dw.id AND {IN_FORCE}
        ORDER BY {IN_FORCE_ORDER}
        LIMIT 1
    ) lf ON true
    LEFT JOIN LATERAL (
        SELECT sum(e.monthly_amount) AS rent FROM housing_expenses e
        WHERE e.lease_id = lf.id AND e.expense_type = ANY(:rent_types)
          AND e.valid_from <= :on AND (e.valid_to IS NULL OR e.valid_to >= :on)
        HAVING count(*) > 0
    ) r ON lf.id IS NOT NULL
),
per_department AS (
    SELECT department_id,
           count(*) AS dwellings,
           sum(area_m2) AS area_sum,
           count(rent) AS let_dwellings,
           COALESCE(sum(rent), 0) AS rent_sum,
           COALESCE(sum(area_m2) FILTER (WHERE rent IS NOT NULL), 0) AS let_area_sum,
           count(*) FILTER (WHERE band = 'under_3500') AS band_under_3500,
           count(*) FILTER (WHERE band = '3500_4499') AS band_3500_4499,
           count(*) FILTER (WHERE band = '4500_6500') AS band_4500_6500,
           count(*) FILTER (WHERE band = 'over_6500') AS band_over_6500,
           count(*) FILTER (WHERE band = 'no_rent') AS band_no_rent,
           count(lease_id) AS in_force,
           count(*) FILTER (WHERE municipal) AS municipal
    FROM per_dwelling
    GROUP BY department_id
)
INSERT INTO stat_stock AS t (
    "on", department_id, snapshot, computed_at, dwellings, area_sum, let_dwellings, rent_sum,
    let_area_sum, band_under_3500, band_3500_4499, band_4500_6500, band_over_6500,
    band_no_rent, in_force, municipal
)
SELECT :on, ids.id, pg_current_snapshot()::text, now(),
       COALESCE(p.dwellings, 0), COALESCE(p.area_sum, 0), COALESCE(p.let_dwellings, 0),
       COALESCE(p.rent_sum, 0), COALESCE(p.let_area_sum, 0),
       COALESCE(p.band_under_3500, 0), COALESCE(p.band_3500_4499, 0),
       COALESCE(p.band_4500_6500, 0), COALESCE(p.band_over_6500, 0),
       COALESCE(p.band_no_rent, 0), COALESCE(p.in_force, 0), COALESCE(p.municipal, 0)
FROM unnest(CAST(:ids AS text[])) AS ids(id)
LEFT JOIN per_department p ON p.department_id = ids.id
ORDER BY ids.id  -- concurrent readers lock the rows in one order: no deadlock
ON CONFLICT ("on", department_id) DO UPDATE SET
    snapshot = excluded.snapshot, computed_at = excluded.computed_at,
    dwellings = excluded.dwellings, area_sum = excluded.area_sum,
    let_dwellings = excluded.let_dwellings, rent_sum = excluded.rent_sum,
    let_area_sum = excluded.let_area_sum, band_under_3500 = excluded.band_under_3500,
    band_3500_4499 = excluded.band_3500_4499, band_4500_6500 = excluded.band_4500_6500,
    band_over_6500 = excluded.band_over_6500, band_no_rent = excluded.band_no_rent,
    in_force = excluded.in_force, municipal = excluded.municipal
"""  # noqa: S608 — only module constants are interpolated


# Valid stock rows on :on joined to the current departments (the municipality and housing type
# are the department's now, as in the reference queries), and how many departments have none.
def _valid_and_missing(table: str, key: str, valid: str, missing: str) -> str:
    """CTEs ``valid``: the table's valid rows at ``:<key>``, and ``missing``: how many of the
    (``:municipality``'s) current departments have none."""
    return f"""
{valid} AS (
    SELECT s.* FROM {table} s WHERE s.{key} = :{key} AND {_VALID}
),
{missing} AS (
    SELECT count(*) AS n FROM departments dep
    WHERE (CAST(:municipality AS text) IS NULL OR dep.municipality_code = :municipality)
      AND NOT EXISTS (SELECT 1 FROM {valid} v WHERE v.department_id = dep.id)
)
"""  # noqa: S608 — only module constants are interpolated


_VALID_STOCK = _valid_and_missing("stat_stock", "on", "valid", "missing")

_DWELLING_CUBE = f"""
WITH {_VALID_STOCK},
cells AS (
    SELECT dep.municipality_code AS m, dep.housing_type AS h, x.b, x.n
    FROM valid v
    JOIN departments dep ON dep.id = v.department_id
    CROSS JOIN LATERAL (VALUES ('under_3500', v.band_under_3500),
                               ('3500_4499', v.band_3500_4499),
                               ('4500_6500', v.band_4500_6500),
                               ('over_6500', v.band_over_6500),
                               ('no_rent', v.band_no_rent)) AS x(b, n)
    WHERE x.n > 0
),
cube AS (
    SELECT m, h, b, GROUPING(m, h, b) AS grouping, sum(n)::bigint AS n
    FROM cells
    GROUP BY CUBE (m, h, b)
)
SELECT cube.m, cube.h, cube.b, cube.grouping, cube.n, missing.n AS missing
FROM missing LEFT JOIN cube ON true
"""  # noqa: S608 — only module constants are interpolated

_STOCK_ALLOCATION_CUBE = f"""
WITH {_VALID_STOCK},
cells AS (
    SELECT dep.municipality_code AS m, dep.housing_type AS h, x.a, x.n
    FROM valid v
    JOIN departments dep ON dep.id = v.department_id
    CROSS JOIN LATERAL (VALUES ('{MUNICIPAL}', v.municipal),
                               ('{OTHER}', v.in_force - v.municipal)) AS x(a, n)
    WHERE x.n > 0
),
cube AS (
    SELECT m, h, a, GROUPING(m, h, a) AS grouping, sum(n)::bigint AS n
    FROM cells
    GROUP BY CUBE (m, h, a)
)
SELECT cube.m, cube.h, cube.a, cube.grouping, cube.n, missing.n AS missing
FROM missing LEFT JOIN cube ON true
"""  # noqa: S608 — only module constants are interpolated

# --- a year's move-outs and re-lettings --------------------------------------------------------

_STALE_YEAR = f"""
SELECT dep.id
FROM departments dep
LEFT JOIN stat_year s ON s.year = :year AND s.department_id = dep.id
WHERE (CAST(:municipality AS text) IS NULL OR dep.municipality_code = :municipality)
  AND (s.department_id IS NULL OR NOT ({_VALID}))
"""  # noqa: S608 — only module constants are interpolated

_COMPUTE_YEAR = f"""
WITH dw AS (
    SELECT d.id, d.department_id FROM dwellings d WHERE d.department_id = ANY(:ids)
),
move_outs AS (
    SELECT dw.department_id, count(*) AS n
    FROM leases l
    JOIN dw ON dw.id = l.dwelling_id
    WHERE l.status = 'accepted' AND l.end_date >= :first AND l.end_date < :next
    GROUP BY dw.department_id
),
relet AS (
    SELECT dw.department_id, l.allocation_type, count(*) AS n
    FROM leases l
    JOIN dw ON dw.id = l.dwelling_id
    WHERE {IS_RELETTING}
    GROUP BY dw.department_id, l.allocation_type
),
relettings AS (
    SELECT department_id, jsonb_object_agg(allocation_type, n) AS counts
    FROM relet GROUP BY department_id
)
INSERT INTO stat_year AS t (year, department_id, snapshot, computed_at, move_outs, relettings)
SELECT :year, ids.id, pg_current_snapshot()::text, now(), COALESCE(mo.n, 0),
       COALESCE(r.counts, '{{}}'::jsonb)
FROM unnest(CAST(:ids AS text[])) AS ids(id)
LEFT JOIN move_outs mo ON mo.department_id = ids.id
LEFT JOIN relettings r ON r.department_id = ids.id
ORDER BY ids.id
ON CONFLICT (year, department_id) DO UPDATE SET
    snapshot = excluded.snapshot, computed_at = excluded.computed_at,
    move_outs = excluded.move_outs, relettings = excluded.relettings
"""  # noqa: S608 — only module constants are interpolated

_VALID_YEAR = _valid_and_missing("stat_year", "year", "valid_year", "missing_year")

_RELETTING_CUBE = f"""
WITH {_VALID_YEAR},
cells AS (
    SELECT dep.municipality_code AS m, dep.housing_type AS h, x.key AS a, x.value::bigint AS n
    FROM valid_year v
    JOIN departments dep ON dep.id = v.department_id
    CROSS JOIN LATERAL jsonb_each_text(v.relettings) AS x
),
cube AS (
    SELECT m, h, a, GROUPING(m, h, a) AS grouping, sum(n)::bigint AS n
    FROM cells
    GROUP BY CUBE (m, h, a)
)
SELECT cube.m, cube.h, cube.a, cube.grouping, cube.n, missing_year.n AS missing
FROM missing_year LEFT JOIN cube ON true
"""  # noqa: S608 — only module constants are interpolated

# --- the municipal data sheet: both, for one municipality's departments ------------------------

_DATA_SHEET = f"""
WITH {_VALID_STOCK},
{_VALID_YEAR},
sheet AS (
    SELECT o.id AS organisation_id, o.name AS organisation_name,
           dep.id AS department_id, dep.name AS department_name, dep.housing_type,
           s.dwellings, s.area_sum, s.let_dwellings, s.rent_sum, s.let_area_sum,
           y.move_outs, y.relettings
    FROM departments dep
    JOIN organisations o ON o.id = dep.organisation_id
    JOIN valid s ON s.department_id = dep.id
    JOIN valid_year y ON y.department_id = dep.id
    WHERE dep.municipality_code = :municipality
)
SELECT missing.n + missing_year.n AS missing, pg_current_snapshot()::text AS snapshot,
       sheet.*
FROM missing CROSS JOIN missing_year LEFT JOIN sheet ON true
ORDER BY sheet.organisation_id, sheet.department_id
"""  # noqa: S608 — only module constants are interpolated


@dataclass(frozen=True, slots=True)
class Basis:
    """What an answer was computed from: the snapshot and the departments it sums (the
    municipality's, in no particular order)."""

    snapshot: str
    department_ids: list[str]


@dataclass(frozen=True, slots=True)
class CubeRows:
    """The cube's rows (as ``GROUP BY CUBE`` gives them) and the departments without a valid
    kept row (0: the rows are exact in the statement's snapshot)."""

    missing: int
    rows: Sequence[Any]
    basis: Basis | None = None


async def _before_computing(session: AsyncSession) -> None:
    """Hold off the pruner until this transaction ends (``prune``), and no JIT compilation for
    the computing statements (see ``queries_statistics._without_jit``)."""
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:lock)"), {"lock": LOCK})
    await session.execute(text("SET LOCAL jit = off"))


async def stale_stock(session: AsyncSession, on: date, municipality_code: str | None) -> list[str]:
    params = {"on": on, "municipality": municipality_code}
    return list((await session.scalars(text(_STALE_STOCK), params)).all())


async def compute_stock(session: AsyncSession, on: date, department_ids: Sequence[str]) -> None:
    await _before_computing(session)
    params = {"on": on, "ids": list(department_ids), "rent_types": RENT_TYPES}
    await session.execute(text(_COMPUTE_STOCK), params)


async def stale_year(session: AsyncSession, year: int, municipality_code: str | None) -> list[str]:
    params = {"year": year, "municipality": municipality_code}
    return list((await session.scalars(text(_STALE_YEAR), params)).all())


async def compute_year(session: AsyncSession, year: int, department_ids: Sequence[str]) -> None:
    await _before_computing(session)
    params = {
        "year": year,
        "ids": list(department_ids),
        "first": date(year, 1, 1),
        "next": date(year + 1, 1, 1),
    }
    await session.execute(text(_COMPUTE_YEAR), params)


def _split(result: Sequence[Any]) -> CubeRows:
    missing = int(result[0].missing) if result else 0
    return CubeRows(missing=missing, rows=[r for r in result if r.n is not None])


async def dwelling_cube(session: AsyncSession, on: date) -> CubeRows:
    """As ``queries_statistics.dwelling_cube``, summed from the kept rows."""
    params = {"on": on, "municipality": None}
    return _split((await session.execute(text(_DWELLING_CUBE), params)).all())


async def stock_allocation_cube(session: AsyncSession, on: date) -> CubeRows:
    """As ``queries_statistics.stock_allocation_cube``, summed from the kept rows."""
    params = {"on": on, "municipality": None}
    return _split((await session.execute(text(_STOCK_ALLOCATION_CUBE), params)).all())


async def reletting_cube(session: AsyncSession, year: int) -> CubeRows:
    """As ``queries_statistics.reletting_cube``, summed from the kept rows."""
    params = {"year": year, "municipality": None}
    return _split((await session.execute(text(_RELETTING_CUBE), params)).all())


async def data_sheet(
    session: AsyncSession, municipality_code: str, *, on: date, year: int
) -> CubeRows:
    """Per department of the municipality (ordered by organisation and department): the
    columns of ``queries_statistics.data_sheet_departments`` and ``relettings`` (allocation
    type → count) from the kept rows."""
    # Its snapshot may be kept with the rendered answer (``keep_answer``): hold off the pruner
    # from before it is taken.
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:lock)"), {"lock": LOCK})
    params = {"on": on, "year": year, "municipality": municipality_code}
    result = (await session.execute(text(_DATA_SHEET), params)).all()
    first = result[0]  # the statement returns a row even without departments
    rows = [r for r in result if r.department_id is not None]
    return CubeRows(
        missing=int(first.missing),
        rows=rows,
        # when none is missing, the rows are all the municipality's departments
        basis=Basis(snapshot=first.snapshot, department_ids=[r.department_id for r in rows]),
    )


# --- rendered answers --------------------------------------------------------------------------

_ANSWER = """
WITH current AS (
    SELECT COALESCE(array_agg(id), '{}') AS ids FROM departments
    WHERE municipality_code = :municipality
)
SELECT a.body FROM stat_answers a CROSS JOIN current
WHERE a.key = :key
  AND a.department_ids @> current.ids AND current.ids @> a.department_ids
  AND NOT EXISTS (
      SELECT 1 FROM stat_changes c
      WHERE c.department_id = ANY(a.department_ids)
        AND NOT pg_visible_in_snapshot(c.xid::text::xid8, a.snapshot::pg_snapshot)
  )
"""

_KEEP_ANSWER = """
INSERT INTO stat_answers AS t (key, snapshot, department_ids, computed_at, body)
VALUES (:key, :snapshot, :department_ids, now(), :body)
ON CONFLICT (key) DO UPDATE SET
    snapshot = excluded.snapshot, department_ids = excluded.department_ids,
    computed_at = excluded.computed_at, body = excluded.body
"""


async def kept_answer(session: AsyncSession, key: str, municipality_code: str) -> bytes | None:
    """The answer kept under ``key`` if it still holds: the municipality has the same
    departments and none of them changed since its snapshot."""
    params = {"key": key, "municipality": municipality_code}
    body = await session.scalar(text(_ANSWER), params)
    return bytes(body) if body is not None else None


async def keep_answer(session: AsyncSession, key: str, basis: Basis, body: bytes) -> None:
    await _before_computing(session)
    params = {
        "key": key,
        "snapshot": basis.snapshot,
        "department_ids": basis.department_ids,
        "body": body,
    }
    await session.execute(text(_KEEP_ANSWER), params)


# --- pruning -----------------------------------------------------------------------------------

_INVALID_STOCK = f"DELETE FROM stat_stock s WHERE NOT ({_VALID})"  # noqa: S608
_INVALID_YEAR = f"DELETE FROM stat_year s WHERE NOT ({_VALID})"  # noqa: S608
_INVALID_ANSWERS = """
DELETE FROM stat_answers a
WHERE EXISTS (
    SELECT 1 FROM stat_changes c
    WHERE c.department_id = ANY(a.department_ids)
      AND NOT pg_visible_in_snapshot(c.xid::text::xid8, a.snapshot::pg_snapshot)
)
"""


async def prune(
    session: AsyncSession, *, keep_dates: int, keep_years: int, keep_answers: int
) -> int | None:
    """Drop kept rows of all but the ``keep_dates`` dates, ``keep_years`` years and
    ``keep_answers`` answers computed last, and the kept rows that no longer hold; then the
    change-log rows of transactions that had ended before this round began — every kept row
    left has seen them, and so will every row computed later. Returns the change-log rows
    dropped, or None when a reader was computing (the round is skipped: the lock is only
    tried, and readers hold it shared from before the statement whose snapshot they keep)."""
    locked = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": LOCK})
    if not locked:
        return None
    # Transactions before the horizon had ended when this statement's snapshot was taken, so
    # the deletes below (later snapshots) see all of their changes.
    horizon = await session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"))
    await session.execute(
        text(
            'DELETE FROM stat_stock WHERE "on" NOT IN (SELECT "on" FROM stat_stock '
            'GROUP BY "on" ORDER BY max(computed_at) DESC LIMIT :keep)'
        ),
        {"keep": keep_dates},
    )
    await session.execute(
        text(
            "DELETE FROM stat_year WHERE year NOT IN (SELECT year FROM stat_year "
            "GROUP BY year ORDER BY max(computed_at) DESC LIMIT :keep)"
        ),
        {"keep": keep_years},
    )
    await session.execute(
        text(
            "DELETE FROM stat_answers WHERE key NOT IN (SELECT key FROM stat_answers "
            "ORDER BY computed_at DESC LIMIT :keep)"
        ),
        {"keep": keep_answers},
    )
    for statement in (_INVALID_STOCK, _INVALID_YEAR, _INVALID_ANSWERS):
        await session.execute(text(statement))
    result = await session.execute(
        text("DELETE FROM stat_changes WHERE xid::text::xid8 < CAST(:horizon AS xid8)"),
        {"horizon": horizon},
    )
    return int(getattr(result, "rowcount", 0) or 0)
