"""Writing the read model: one guarded statement per kind of fact.

Each statement is idempotent and commutative: state columns take the values of the newest
event (``state_at``, the event's ``recorded_at``), and an older event only fills what is still
unknown; first times (``created_at``, ``terminated_at``, ``statement_at``) keep the earliest,
last times (``sent_at``, ``returned_at``) the latest. So duplicates and any order of arrival
leave the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.projection import upsert_if_newer
from dashboards.db.models import DepartmentColoursRow, DwellingRow

_NEWER: Final = "held.state_at < EXCLUDED.state_at"


def _fill(column: str) -> str:
    """Newest wins; an older event fills only what is unknown."""
    return (
        f"{column} = CASE WHEN {_NEWER} THEN COALESCE(EXCLUDED.{column}, held.{column}) "
        f"ELSE COALESCE(held.{column}, EXCLUDED.{column}) END"
    )


_LEASE_STATE: Final = (
    "dwelling_id",
    "department_id",
    "organisation_id",
    "municipality_code",
    "start_date",
    "allocation_type",
    "area_m2",
    "housing_type",
)

_LEASE_FULL = text(
    f"""
    INSERT INTO leases AS held (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, monthly_rent, area_m2,
        housing_type, created_at, terminated_at, state_at, rent_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        :start_date, :end_date, :allocation_type, :monthly_rent, :area_m2, :housing_type,
        :created_at, NULL, :recorded_at, :recorded_at)
    ON CONFLICT (lease_id) DO UPDATE SET
        {", ".join(_fill(c) for c in _LEASE_STATE)},
        end_date = CASE WHEN {_NEWER} THEN EXCLUDED.end_date ELSE held.end_date END,
        monthly_rent = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.monthly_rent ELSE held.monthly_rent END,
        rent_at = GREATEST(held.rent_at, EXCLUDED.rent_at),
        created_at = LEAST(held.created_at, EXCLUDED.created_at),
        state_at = GREATEST(held.state_at, EXCLUDED.state_at)
    """  # noqa: S608 - column names are this module's constants
)

_LEASE_TERMINATED = text(
    f"""
    INSERT INTO leases AS held (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, terminated_at, state_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        :start_date, :end_date, :allocation_type, :recorded_at, :recorded_at)
    ON CONFLICT (lease_id) DO UPDATE SET
        {", ".join(_fill(c) for c in _LEASE_STATE[:6])},
        end_date = CASE WHEN {_NEWER} THEN EXCLUDED.end_date ELSE held.end_date END,
        terminated_at = LEAST(held.terminated_at, EXCLUDED.terminated_at),
        state_at = GREATEST(held.state_at, EXCLUDED.state_at)
    """  # noqa: S608 - column names are this module's constants
)

# A rent change known before the lease itself: the lease's state stays unknown ('-infinity'),
# so whichever lease event comes fills it.
_LEASE_RENT = text(
    """
    INSERT INTO leases AS held (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, monthly_rent, area_m2, state_at, rent_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        :monthly_rent, :area_m2, '-infinity', :recorded_at)
    ON CONFLICT (lease_id) DO UPDATE SET
        monthly_rent = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.monthly_rent ELSE held.monthly_rent END,
        area_m2 = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.area_m2 ELSE held.area_m2 END,
        rent_at = GREATEST(held.rent_at, EXCLUDED.rent_at)
    """
)

_PACKAGE_SENT = text(
    """
    INSERT INTO packages AS held (package_id, organisation_id, governance_year,
        home_municipality_code, location_municipality_codes, sent_at, red_figures,
        yellow_figures)
    VALUES (:package_id, :organisation_id, :governance_year, :home_municipality_code,
        CAST(:locations AS varchar(3)[]), :at, :red, :yellow)
    ON CONFLICT (package_id) DO UPDATE SET
        location_municipality_codes = CASE WHEN held.sent_at IS NULL
            OR held.sent_at < EXCLUDED.sent_at THEN EXCLUDED.location_municipality_codes
            ELSE held.location_municipality_codes END,
        red_figures = CASE WHEN held.sent_at IS NULL OR held.sent_at < EXCLUDED.sent_at
            THEN EXCLUDED.red_figures ELSE held.red_figures END,
        yellow_figures = CASE WHEN held.sent_at IS NULL OR held.sent_at < EXCLUDED.sent_at
            THEN EXCLUDED.yellow_figures ELSE held.yellow_figures END,
        sent_at = GREATEST(held.sent_at, EXCLUDED.sent_at)
    """
)


def _package_fact(column: str, combine: str, cast: str) -> Any:
    return text(
        f"""
        INSERT INTO packages AS held (package_id, organisation_id, governance_year,
            home_municipality_code, {column})
        VALUES (:package_id, :organisation_id, :governance_year, :home_municipality_code,
            CAST(:at AS {cast}))
        ON CONFLICT (package_id) DO UPDATE SET
            {column} = {combine}(held.{column}, EXCLUDED.{column})
        """  # noqa: S608 - column names are this module's constants
    )


_PACKAGE_RETURNED = _package_fact("returned_at", "GREATEST", "timestamptz")
_PACKAGE_MEETING = _package_fact("meeting_held_on", "GREATEST", "date")
_PACKAGE_STATEMENT = _package_fact("statement_at", "LEAST", "timestamptz")

REVISION_CHANNEL: Final = "dashboards_revision"
_BUMP = text(
    "INSERT INTO model_revision AS held (id, revision) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET revision = held.revision + 1"
)
_NOTIFY = text(f"SELECT pg_notify('{REVISION_CHANNEL}', '')")


async def upsert_lease(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_LEASE_FULL, dict(values))


async def terminate_lease(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_LEASE_TERMINATED, dict(values))


async def change_rent(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_LEASE_RENT, dict(values))


async def set_dwelling(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(
        upsert_if_newer(DwellingRow, dict(values), key=("dwelling_id",), guard="state_at")
    )


async def package_sent(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_PACKAGE_SENT, dict(values))


async def package_returned(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_PACKAGE_RETURNED, dict(values))


async def meeting_held(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_PACKAGE_MEETING, dict(values))


async def statement_submitted(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_PACKAGE_STATEMENT, dict(values))


async def set_department_colours(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(
        upsert_if_newer(
            DepartmentColoursRow, dict(values), key=("department_id", "year"), guard="revision"
        )
    )


async def bump_revision(session: AsyncSession) -> None:  # also used by rebuilds
    """Tell the live pages that the figures changed (read by ``db.reading.revision``); the
    notification reaches the web processes when the transaction commits."""
    await session.execute(_BUMP)
    await session.execute(_NOTIFY)
