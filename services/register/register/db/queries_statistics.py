"""Read queries behind the vacancy listing, the monthly vacancy counts and the public statistics.

Everything is aggregated inside PostgreSQL (CTEs, ``GROUP BY CUBE``, ``FILTER``): the functions
return one row per published cell or per listed dwelling, never the register's rows, so they
scale to the national register (~640,000 dwellings).

Shared definitions (see ``DESIGN.md``):

* only ``accepted`` leases count (drafts and held leases never do);
* the lease *in force* on a date is the accepted lease whose ``[start_date, end_date]`` contains
  the date (an open ``end_date`` runs on); should two overlap, the later start wins;
* the *rent* on a date is the sum of that lease's rent-forming expenses
  (``codes.RENT_FORMING``) whose ``[valid_from, valid_to]`` contains the date;
* a *re-letting* in a year is an accepted tenant lease starting in that year that is not the
  dwelling's first accepted lease (first lettings of new buildings are not re-lettings); the
  special vacancy lease (``vacancy_loss_flag``, seed 000's "tomgangsledig lejekontrakt") is not a
  letting, though it does make the tenant lease after it a re-letting;
* a *move-out* in a year is an accepted lease ending in that year;
* the *stock* on a date is the dwellings with a lease in force that day; a dwelling of the stock
  is *municipally allocated* when that lease's allocation type is ``municipal_allocation`` and
  it is a tenant lease (the special vacancy lease is not a letting, whatever its code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from register.domain.codes import RENT_FORMING

RENT_TYPES: list[str] = sorted(t.value for t in RENT_FORMING)

# Rent bands of seed 003, Figure 4 (DKK a month): < 3,500 / 3,500–4,499.99 / 4,500–6,500 /
# > 6,500, plus dwellings without a rent in force on the date (no accepted lease, or a lease
# without rent-forming expenses that day).
RENT_BAND_SQL = """
    CASE
        WHEN r.rent IS NULL THEN 'no_rent'
        WHEN r.rent < 3500 THEN 'under_3500'
        WHEN r.rent < 4500 THEN '3500_4499'
        WHEN r.rent <= 6500 THEN '4500_6500'
        ELSE 'over_6500'
    END
"""

# The one definition of "the lease in force on :on": an accepted lease ``l`` whose
# [start_date, end_date] contains the date (an open end runs on). Where a dwelling has two, the
# later start wins: ``ORDER BY l.start_date DESC, l.id`` (``IN_FORCE_ORDER``).
IN_FORCE = """
    l.status = 'accepted'
    AND l.start_date <= :on AND (l.end_date IS NULL OR l.end_date >= :on)
"""
IN_FORCE_ORDER = "l.start_date DESC, l.id"

# Per dwelling with a lease in force on :on, that lease (id, allocation type). Keyed by dwelling,
# so the planner knows that joining it to the dwellings yields one row per dwelling; joined per
# lease it estimated ~1.6 billion rows on the national register and spent ~0.9 s compiling the
# plan (JIT).
_LEASE_IN_FORCE = f"""
    lease_in_force AS (
        SELECT DISTINCT ON (l.dwelling_id) l.id, l.dwelling_id, l.allocation_type,
               l.vacancy_loss_flag
        FROM leases l
        WHERE {IN_FORCE}
        ORDER BY l.dwelling_id, {IN_FORCE_ORDER}
    )
"""  # noqa: S608 — only module constants are interpolated

# The rent on :on of every dwelling that has a lease in force with rent-forming expenses that day
# (a dwelling without one is missing: its rent is NULL).
_RENT_IN_FORCE = f"""
    {_LEASE_IN_FORCE},
    rent AS (
        SELECT lf.dwelling_id, sum(e.monthly_amount) AS rent
        FROM lease_in_force lf
        JOIN housing_expenses e ON e.lease_id = lf.id
        WHERE e.expense_type = ANY(:rent_types)
          AND e.valid_from <= :on AND (e.valid_to IS NULL OR e.valid_to >= :on)
        GROUP BY lf.dwelling_id
    )
"""  # noqa: S608 — only module constants are interpolated

# The same for one municipality's dwellings (``dw``), starting from them: per dwelling its lease
# in force (``ix_leases_dwelling_period``, newest start first) and that lease's rent
# (``ix_housing_expenses_lease_id``) — ~94,000 index probes for København instead of working out
# the lease in force and rent of all 640,000 dwellings and then keeping the municipality's.
_MUNICIPALITY_RENT_IN_FORCE = f"""
    dw AS (
        SELECT d.id, d.department_id, d.area_m2
        FROM departments dep
        JOIN dwellings d ON d.department_id = dep.id
        WHERE dep.municipality_code = :municipality
    ),
    dw_rent AS (
        SELECT dw.department_id, dw.area_m2, r.rent
        FROM dw
        LEFT JOIN LATERAL (
            SELECT l.id FROM leases l
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
    )
"""  # noqa: S608 — only module constants are interpolated

# An accepted tenant lease starting in [:first, :next), not the dwelling's first accepted lease.
IS_RELETTING = """
    l.status = 'accepted'
    AND NOT l.vacancy_loss_flag
    AND l.start_date >= :first AND l.start_date < :next
    AND EXISTS (
        SELECT 1 FROM leases p
        WHERE p.dwelling_id = l.dwelling_id AND p.status = 'accepted'
          AND p.start_date < l.start_date
    )
"""


# --- vacancy listing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListingFilter:
    on: date
    municipality_code: str | None = None
    postcode: str | None = None
    housing_type: str | None = None
    min_rooms: int | None = None
    max_rooms: int | None = None
    max_rent: Decimal | None = None
    min_area: Decimal | None = None
    step_free: bool = False
    wheelchair: bool = False


# The dwellings whose lease in force on :on — THE lease in force, the later start winning
# should two overlap — is flagged about to become vacant. It starts from the few flagged leases
# (``ix_leases_vacant_soon``) and keeps one only if no accepted lease of its dwelling in force
# that day comes before it in ``IN_FORCE_ORDER`` (issue 12, item 9: it listed the newest
# *flagged* lease in force, though a later unflagged lease was the one in force).
_LISTING = f"""
WITH flagged AS (
    SELECT l.id, l.dwelling_id, l.end_date
    FROM leases l
    WHERE {IN_FORCE} AND l.vacant_soon_flag
      AND NOT EXISTS (
          SELECT 1 FROM leases n
          WHERE n.dwelling_id = l.dwelling_id AND n.status = 'accepted'
            AND n.start_date <= :on AND (n.end_date IS NULL OR n.end_date >= :on)
            AND (n.start_date > l.start_date OR (n.start_date = l.start_date AND n.id < l.id))
      )
),
listed AS (
    SELECT d.id AS dwelling_id, d.street, d.house_number, d.floor, d.door, d.postcode, d.city,
           d.rooms, d.area_m2, d.step_free_access, d.elevator, d.wheelchair_accessible,
           dep.municipality_code, dep.name AS department_name, dep.housing_type,
           o.name AS organisation_name, f.end_date,
           (SELECT sum(e.monthly_amount) FROM housing_expenses e
            WHERE e.lease_id = f.id AND e.expense_type = ANY(:rent_types)
              AND e.valid_from <= :on AND (e.valid_to IS NULL OR e.valid_to >= :on)) AS rent
    FROM flagged f
    JOIN dwellings d ON d.id = f.dwelling_id
    JOIN departments dep ON dep.id = d.department_id
    JOIN organisations o ON o.id = dep.organisation_id
    WHERE (CAST(:municipality AS text) IS NULL OR dep.municipality_code = :municipality)
      AND (CAST(:postcode AS text) IS NULL OR d.postcode = :postcode)
      AND (CAST(:housing_type AS text) IS NULL OR dep.housing_type = :housing_type)
      AND (CAST(:min_rooms AS integer) IS NULL OR d.rooms >= :min_rooms)
      AND (CAST(:max_rooms AS integer) IS NULL OR d.rooms <= :max_rooms)
      AND (CAST(:min_area AS numeric) IS NULL OR d.area_m2 >= :min_area)
      AND (NOT :step_free OR d.step_free_access IS TRUE)
      AND (NOT :wheelchair OR d.wheelchair_accessible IS TRUE)
      AND (CAST(:after_postcode AS text) IS NULL
           OR (d.postcode, d.id) > (CAST(:after_postcode AS text), CAST(:after_id AS text)))
)
SELECT * FROM listed
WHERE CAST(:max_rent AS numeric) IS NULL OR rent <= :max_rent
ORDER BY postcode, dwelling_id
LIMIT :limit
"""  # noqa: S608 — only module constants are interpolated


async def vacancy_listing(
    session: AsyncSession,
    flt: ListingFilter,
    *,
    after: tuple[str, str] | None,
    limit: int,
) -> Sequence[Any]:
    """Dwellings whose lease in force on ``flt.on`` is flagged *about to become vacant*,
    ordered by (postcode, dwelling id) — a unique, stable key for keyset pagination."""
    params = {
        "on": flt.on,
        "rent_types": RENT_TYPES,
        "municipality": flt.municipality_code,
        "postcode": flt.postcode,
        "housing_type": flt.housing_type,
        "min_rooms": flt.min_rooms,
        "max_rooms": flt.max_rooms,
        "min_area": flt.min_area,
        "max_rent": flt.max_rent,
        "step_free": flt.step_free,
        "wheelchair": flt.wheelchair,
        "after_postcode": after[0] if after else None,
        "after_id": after[1] if after else None,
        "limit": limit,
    }
    return (await session.execute(text(_LISTING), params)).all()


# --- monthly vacancy (tomgang) -----------------------------------------------------------------

_MONTHLY_VACANCY = """
WITH flagged AS (
    SELECT l.dwelling_id,
           LEAST(COALESCE(l.end_date, :last), :last) - GREATEST(l.start_date, :first) + 1 AS days
    FROM leases l
    WHERE l.status = 'accepted' AND l.vacancy_loss_flag
      AND l.start_date <= :last AND (l.end_date IS NULL OR l.end_date >= :first)
),
per_dwelling AS (
    SELECT dwelling_id, LEAST(sum(days), :days_in_month) AS days
    FROM flagged GROUP BY dwelling_id
)
SELECT o.id AS organisation_id, o.name AS organisation_name,
       dep.id AS department_id, dep.name AS department_name, dep.municipality_code,
       count(*) AS dwellings, sum(pd.days) AS vacancy_days
FROM per_dwelling pd
JOIN dwellings d ON d.id = pd.dwelling_id
JOIN departments dep ON dep.id = d.department_id
JOIN organisations o ON o.id = dep.organisation_id
WHERE (CAST(:org_ids AS text[]) IS NULL OR dep.organisation_id = ANY(:org_ids))
  AND (CAST(:municipality AS text) IS NULL OR dep.municipality_code = :municipality)
GROUP BY o.id, o.name, dep.id, dep.name, dep.municipality_code
ORDER BY o.id, dep.id
"""


async def monthly_vacancy(
    session: AsyncSession,
    *,
    first: date,
    last: date,
    organisation_ids: Sequence[str] | None,
    municipality_code: str | None,
) -> Sequence[Any]:
    """Per department: dwellings with a vacancy-loss lease overlapping ``[first, last]`` and
    the vacancy days inside the month (per dwelling at most the month's length)."""
    params = {
        "first": first,
        "last": last,
        "days_in_month": (last - first).days + 1,
        "org_ids": list(organisation_ids) if organisation_ids is not None else None,
        "municipality": municipality_code,
    }
    return (await session.execute(text(_MONTHLY_VACANCY), params)).all()


async def organisation_exists(session: AsyncSession, organisation_id: str) -> bool:
    found = await session.scalar(
        text("SELECT 1 FROM organisations WHERE id = :id"), {"id": organisation_id}
    )
    return found is not None


# --- statistics cubes --------------------------------------------------------------------------

_DWELLING_CUBE = f"""
WITH {_RENT_IN_FORCE},
cells AS (
    SELECT dep.municipality_code AS m, dep.housing_type AS h, {RENT_BAND_SQL} AS b
    FROM dwellings d
    JOIN departments dep ON dep.id = d.department_id
    LEFT JOIN rent r ON r.dwelling_id = d.id
)
SELECT m, h, b, GROUPING(m, h, b) AS grouping, count(*) AS n
FROM cells
GROUP BY CUBE (m, h, b)
"""  # noqa: S608 — only module constants are interpolated


async def _without_jit(session: AsyncSession) -> None:
    """For the rest of the transaction: no JIT compilation. On the national register the
    planner's row estimates for these aggregates (CTEs carry no statistics) put them far above
    ``jit_above_cost``, and compiling took 0.9-2.5 s of 3-11 s queries on a busy machine
    (``EXPLAIN ANALYZE``) — more than it could save on scans of a few million rows."""
    await session.execute(text("SET LOCAL jit = off"))


async def dwelling_cube(session: AsyncSession, on: date) -> Sequence[Any]:
    """Dwellings by municipality × housing type × rent band on ``on``, with every margin
    (``GROUPING`` bit 4 = all municipalities, 2 = all housing types, 1 = all bands).

    Always the national cube, also for one municipality's statistics: the complementary
    suppression of a municipality's cells depends on the other municipalities' cells in the
    same national margins (``services.statistics.Cube``)."""
    await _without_jit(session)
    params = {"on": on, "rent_types": RENT_TYPES}
    return (await session.execute(text(_DWELLING_CUBE), params)).all()


_RELETTING_CUBE = f"""
WITH relet AS (
    SELECT dep.municipality_code AS m, dep.housing_type AS h, l.allocation_type AS a
    FROM leases l
    JOIN dwellings d ON d.id = l.dwelling_id
    JOIN departments dep ON dep.id = d.department_id
    WHERE {IS_RELETTING}
)
SELECT m, h, a, GROUPING(m, h, a) AS grouping, count(*) AS n
FROM relet
GROUP BY CUBE (m, h, a)
"""  # noqa: S608 — only module constants are interpolated


async def reletting_cube(session: AsyncSession, year: int) -> Sequence[Any]:
    """Re-lettings in ``year`` by municipality × housing type × allocation type, all margins."""
    params = {"first": date(year, 1, 1), "next": date(year + 1, 1, 1)}
    return (await session.execute(text(_RELETTING_CUBE), params)).all()


# Seed 003, Figure 13.a: the stock on :on — dwellings with a lease in force — by whether that
# lease was let by municipal allocation. Two allocation classes only (the stock by all nine
# allocation types is not published), so no cell is suppressed for the sake of unpublished ones.
MUNICIPAL: Final = "municipal_allocation"
OTHER: Final = "other"

_STOCK_ALLOCATION_CUBE = f"""
WITH {_LEASE_IN_FORCE},
stock AS (
    SELECT dep.municipality_code AS m, dep.housing_type AS h,
           CASE WHEN lf.allocation_type = '{MUNICIPAL}' AND NOT lf.vacancy_loss_flag
                THEN '{MUNICIPAL}' ELSE '{OTHER}' END AS a
    FROM lease_in_force lf
    JOIN dwellings d ON d.id = lf.dwelling_id
    JOIN departments dep ON dep.id = d.department_id
)
SELECT m, h, a, GROUPING(m, h, a) AS grouping, count(*) AS n
FROM stock
GROUP BY CUBE (m, h, a)
"""  # noqa: S608 — only module constants are interpolated


async def stock_allocation_cube(session: AsyncSession, on: date) -> Sequence[Any]:
    """Dwellings with a lease in force on ``on`` by municipality × housing type × allocation
    class (``MUNICIPAL`` / ``OTHER``) of that lease, all margins."""
    await _without_jit(session)
    return (await session.execute(text(_STOCK_ALLOCATION_CUBE), {"on": on})).all()


# Seed 003 p. 20: "of the 31,300 family dwellings with a rent under 3,500 kr./md., about 5,400
# were re-let during 2022 ... of the 5,400, about 600 by municipal allocation". Re-lettings in
# [:first, :next) by the rent band of their dwelling on :on (the stock date the bands are
# counted on, by default the 1 January after the year) and by municipal allocation or not.
_RELETTING_BAND_CUBE = f"""
WITH {_RENT_IN_FORCE},
relet AS (
    SELECT dep.municipality_code AS m, dep.housing_type AS h, {RENT_BAND_SQL} AS b,
           CASE WHEN l.allocation_type = '{MUNICIPAL}' THEN '{MUNICIPAL}' ELSE '{OTHER}' END AS a
    FROM leases l
    JOIN dwellings d ON d.id = l.dwelling_id
    JOIN departments dep ON dep.id = d.department_id
    LEFT JOIN rent r ON r.dwelling_id = d.id
    WHERE {IS_RELETTING}
)
SELECT m, h, b, a, GROUPING(m, h, b, a) AS grouping, count(*) AS n
FROM relet
GROUP BY CUBE (m, h, b, a)
"""  # noqa: S608 — only module constants are interpolated


async def reletting_band_cube(session: AsyncSession, year: int, on: date) -> Sequence[Any]:
    """Re-lettings in ``year`` by municipality × housing type × rent band of the dwelling on
    ``on`` × allocation class (``MUNICIPAL`` / ``OTHER``), all margins."""
    await _without_jit(session)
    params = {
        "first": date(year, 1, 1),
        "next": date(year + 1, 1, 1),
        "on": on,
        "rent_types": RENT_TYPES,
    }
    return (await session.execute(text(_RELETTING_BAND_CUBE), params)).all()


async def municipalities_with_dwellings(session: AsyncSession) -> list[str]:
    rows = await session.execute(text("SELECT DISTINCT municipality_code FROM departments"))
    return sorted(r[0] for r in rows)


# --- municipal data sheet ----------------------------------------------------------------------

_SHEET_DEPARTMENTS = f"""
WITH {_MUNICIPALITY_RENT_IN_FORCE},
stock AS (
    SELECT department_id,
           count(*) AS dwellings,
           sum(area_m2) AS area_sum,
           count(rent) AS let_dwellings,
           sum(rent) AS rent_sum,
           sum(area_m2) FILTER (WHERE rent IS NOT NULL) AS let_area_sum
    FROM dw_rent GROUP BY department_id
),
move_outs AS (
    SELECT dw.department_id, count(*) AS move_outs
    FROM leases l
    JOIN dw ON dw.id = l.dwelling_id
    WHERE l.status = 'accepted' AND l.end_date >= :first AND l.end_date < :next
    GROUP BY dw.department_id
)
SELECT o.id AS organisation_id, o.name AS organisation_name,
       dep.id AS department_id, dep.name AS department_name, dep.housing_type,
       COALESCE(s.dwellings, 0) AS dwellings, COALESCE(s.area_sum, 0) AS area_sum,
       COALESCE(s.let_dwellings, 0) AS let_dwellings, COALESCE(s.rent_sum, 0) AS rent_sum,
       COALESCE(s.let_area_sum, 0) AS let_area_sum, COALESCE(mo.move_outs, 0) AS move_outs
FROM departments dep
JOIN organisations o ON o.id = dep.organisation_id
LEFT JOIN stock s ON s.department_id = dep.id
LEFT JOIN move_outs mo ON mo.department_id = dep.id
WHERE dep.municipality_code = :municipality
ORDER BY o.id, dep.id
"""  # noqa: S608 — only module constants are interpolated

_SHEET_RELETTINGS = f"""
SELECT d.department_id, l.allocation_type, count(*) AS n
FROM leases l
JOIN dwellings d ON d.id = l.dwelling_id
JOIN departments dep ON dep.id = d.department_id AND dep.municipality_code = :municipality
WHERE {IS_RELETTING}
GROUP BY d.department_id, l.allocation_type
"""  # noqa: S608 — only module constants are interpolated


async def data_sheet_departments(
    session: AsyncSession, municipality_code: str, *, on: date, year: int
) -> Sequence[Any]:
    """One aggregated row per department in the municipality: stock and rent sums on ``on``,
    move-outs in ``year``."""
    await _without_jit(session)
    params = {
        "municipality": municipality_code,
        "on": on,
        "rent_types": RENT_TYPES,
        "first": date(year, 1, 1),
        "next": date(year + 1, 1, 1),
    }
    return (await session.execute(text(_SHEET_DEPARTMENTS), params)).all()


async def data_sheet_relettings(
    session: AsyncSession, municipality_code: str, *, year: int
) -> Sequence[Any]:
    """Re-lettings in ``year`` per department and allocation type in the municipality."""
    params = {
        "municipality": municipality_code,
        "first": date(year, 1, 1),
        "next": date(year + 1, 1, 1),
    }
    return (await session.execute(text(_SHEET_RELETTINGS), params)).all()
