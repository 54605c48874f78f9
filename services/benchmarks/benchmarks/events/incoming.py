"""Handlers of the register's and governance's events: the read model's only input.

Every handler is idempotent and order-independent, so a duplicate, a redelivery, a replay or an
event that arrives late changes nothing it should not:

* a lease's facts (LeaseCreatedV1 / LeaseUpdatedV1) replace what is held only when recorded
  later (``state_recorded_at``); its end date likewise (``end_recorded_at``, also moved by
  LeaseTerminatedV1, which creates a placeholder if it arrives before the lease);
* rents are points ``(lease, from day) → rent``; per point the latest recorded wins;
* tomgang flags are a history keyed by ``(lease, recorded_at)`` — insert-only;
* a department's master data is replaced by a higher ``version`` only, accounts by a higher
  ``revision`` only.

The final state is thus a function of the *set* of events, not of their order. Each event
marks its department(s) dirty; the recompute job derives the figures, the publish job the
debounced ``benchmarks.keyfigures.updated``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.contracts import (
    AccountsReportedV1,
    Contract,
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    RentChangedV1,
    from_envelope,
)
from common.events.envelope import Envelope

CONSUMER_NAME = "benchmarks.read-model"
TOPICS: tuple[str, ...] = (
    LeaseCreatedV1.topic,
    DwellingVacancyChangedV1.topic,
    DepartmentUpsertedV1.topic,
    AccountsReportedV1.topic,
)

_MARK_DIRTY = """
dirty AS (
    INSERT INTO dirty_departments AS dd
        (department_id, recompute, publish, generation, last_event_at)
    SELECT d, true, true, 1, CAST(:now AS timestamptz)
    FROM unnest(CAST(:departments AS text[])) AS d
    ON CONFLICT (department_id) DO UPDATE
    SET recompute = true, publish = true, generation = dd.generation + 1,
        last_event_at = EXCLUDED.last_event_at
    RETURNING 1
)"""


def _marking_dirty(statement: str, select_counts: str) -> TextClause:
    """``statement`` (CTEs ending in a comma), the dirty-marking CTE, then ``select_counts``."""
    return text(statement + _MARK_DIRTY + select_counts)


_LEASE_STATE = _marking_dirty(
    """
WITH lease AS (
    INSERT INTO leases AS l (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, area_m2, housing_type,
        state_recorded_at, end_recorded_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        CAST(:start_date AS date), CAST(:end_date AS date), :allocation_type,
        CAST(:area_m2 AS numeric), :housing_type,
        CAST(:recorded_at AS timestamptz), CAST(:recorded_at AS timestamptz))
    ON CONFLICT (lease_id) DO UPDATE SET
        dwelling_id = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.dwelling_id ELSE l.dwelling_id END,
        department_id = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.department_id ELSE l.department_id END,
        organisation_id = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.organisation_id ELSE l.organisation_id END,
        municipality_code = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.municipality_code ELSE l.municipality_code END,
        start_date = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.start_date ELSE l.start_date END,
        allocation_type = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.allocation_type ELSE l.allocation_type END,
        area_m2 = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.area_m2 ELSE l.area_m2 END,
        housing_type = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.housing_type ELSE l.housing_type END,
        state_recorded_at = CASE WHEN l.state_recorded_at IS NULL
            OR l.state_recorded_at < EXCLUDED.state_recorded_at
            THEN EXCLUDED.state_recorded_at ELSE l.state_recorded_at END,
        end_date = CASE WHEN l.end_recorded_at < EXCLUDED.end_recorded_at
            THEN EXCLUDED.end_date ELSE l.end_date END,
        end_recorded_at = greatest(l.end_recorded_at, EXCLUDED.end_recorded_at)
    RETURNING 1
),
rent AS (
    INSERT INTO rent_points AS r (lease_id, effective_from, monthly_rent, recorded_at)
    VALUES (:lease_id, CAST(:rent_from AS date), CAST(:monthly_rent AS numeric),
        CAST(:recorded_at AS timestamptz))
    ON CONFLICT (lease_id, effective_from) DO UPDATE
    SET monthly_rent = EXCLUDED.monthly_rent, recorded_at = EXCLUDED.recorded_at
    WHERE r.recorded_at < EXCLUDED.recorded_at
    RETURNING 1
),
flag AS (
    INSERT INTO vacancy_flags (lease_id, recorded_at, vacancy_loss_flag)
    VALUES (:lease_id, CAST(:recorded_at AS timestamptz), :vacancy_loss_flag)
    ON CONFLICT DO NOTHING
    RETURNING 1
),""",
    """
SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM rent), (SELECT count(*) FROM flag),
    (SELECT count(*) FROM dirty)
""",
)

_LEASE_END = _marking_dirty(
    """
WITH lease AS (
    INSERT INTO leases AS l (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, area_m2, housing_type,
        state_recorded_at, end_recorded_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        CAST(:start_date AS date), CAST(:end_date AS date), :allocation_type, NULL, NULL, NULL,
        CAST(:recorded_at AS timestamptz))
    ON CONFLICT (lease_id) DO UPDATE SET
        end_date = CASE WHEN l.end_recorded_at < EXCLUDED.end_recorded_at
            THEN EXCLUDED.end_date ELSE l.end_date END,
        end_recorded_at = greatest(l.end_recorded_at, EXCLUDED.end_recorded_at)
    RETURNING 1
),""",
    """
SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM dirty)
""",
)

_RENT = _marking_dirty(
    """
WITH rent AS (
    INSERT INTO rent_points AS r (lease_id, effective_from, monthly_rent, recorded_at)
    VALUES (:lease_id, CAST(:rent_from AS date), CAST(:monthly_rent AS numeric),
        CAST(:recorded_at AS timestamptz))
    ON CONFLICT (lease_id, effective_from) DO UPDATE
    SET monthly_rent = EXCLUDED.monthly_rent, recorded_at = EXCLUDED.recorded_at
    WHERE r.recorded_at < EXCLUDED.recorded_at
    RETURNING 1
),""",
    """
SELECT (SELECT count(*) FROM rent), (SELECT count(*) FROM dirty)
""",
)

_FLAG = _marking_dirty(
    """
WITH flag AS (
    INSERT INTO vacancy_flags (lease_id, recorded_at, vacancy_loss_flag)
    VALUES (:lease_id, CAST(:recorded_at AS timestamptz), :vacancy_loss_flag)
    ON CONFLICT DO NOTHING
    RETURNING 1
),""",
    """
SELECT (SELECT count(*) FROM flag), (SELECT count(*) FROM dirty)
""",
)

_DEPARTMENT = _marking_dirty(
    """
WITH department AS (
    INSERT INTO departments AS d (department_id, organisation_id, municipality_code, region,
        housing_type, building_type, construction_year, version, recorded_at)
    VALUES (:department_id, :organisation_id, :municipality_code, :region, :housing_type,
        :building_type, :construction_year, :version, CAST(:recorded_at AS timestamptz))
    ON CONFLICT (department_id) DO UPDATE SET
        organisation_id = EXCLUDED.organisation_id,
        municipality_code = EXCLUDED.municipality_code,
        region = EXCLUDED.region,
        housing_type = EXCLUDED.housing_type,
        building_type = EXCLUDED.building_type,
        construction_year = EXCLUDED.construction_year,
        version = EXCLUDED.version,
        recorded_at = EXCLUDED.recorded_at
    WHERE d.version < EXCLUDED.version
    RETURNING 1
),""",
    """
SELECT (SELECT count(*) FROM department), (SELECT count(*) FROM dirty)
""",
)

_ACCOUNTS = _marking_dirty(
    """
WITH accounts AS (
    INSERT INTO accounts AS a (department_id, accounts_year, organisation_id, municipality_code,
        package_id, revision, dwellings, total_area_m2, administration_cost, maintenance_cost,
        vacancy_rent_loss, operating_cost, reported_at)
    VALUES (:department_id, :accounts_year, :organisation_id, :municipality_code, :package_id,
        :revision, :dwellings, CAST(:total_area_m2 AS numeric),
        CAST(:administration_cost AS numeric), CAST(:maintenance_cost AS numeric),
        CAST(:vacancy_rent_loss AS numeric), CAST(:operating_cost AS numeric),
        CAST(:reported_at AS timestamptz))
    ON CONFLICT (department_id, accounts_year) DO UPDATE SET
        organisation_id = EXCLUDED.organisation_id,
        municipality_code = EXCLUDED.municipality_code,
        package_id = EXCLUDED.package_id,
        revision = EXCLUDED.revision,
        dwellings = EXCLUDED.dwellings,
        total_area_m2 = EXCLUDED.total_area_m2,
        administration_cost = EXCLUDED.administration_cost,
        maintenance_cost = EXCLUDED.maintenance_cost,
        vacancy_rent_loss = EXCLUDED.vacancy_rent_loss,
        operating_cost = EXCLUDED.operating_cost,
        reported_at = EXCLUDED.reported_at
    WHERE a.revision < EXCLUDED.revision
    RETURNING 1
),""",
    """
SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM dirty)
""",
)

_DEPARTMENT_OF_LEASE = text("SELECT department_id FROM leases WHERE lease_id = :lease_id")


def _now() -> datetime:
    return datetime.now(UTC)


def _clamp(day: date, start: date, end: date | None) -> date:
    if day < start:
        return start
    if end is not None and day > end:
        return end
    return day


async def _lease_state(
    session: AsyncSession, event: LeaseCreatedV1 | LeaseUpdatedV1, rent_from: date
) -> None:
    departments = [event.department_id]
    if isinstance(event, LeaseUpdatedV1):  # a lease may move to another department
        previous = await session.scalar(_DEPARTMENT_OF_LEASE, {"lease_id": event.lease_id})
        if previous is not None and previous != event.department_id:
            departments.append(previous)
    await session.execute(
        _LEASE_STATE,
        {
            "lease_id": event.lease_id,
            "dwelling_id": event.dwelling_id,
            "department_id": event.department_id,
            "organisation_id": event.organisation_id,
            "municipality_code": event.municipality_code,
            "start_date": event.start_date,
            "end_date": event.end_date,
            "allocation_type": event.allocation_type.value,
            "area_m2": event.area_m2,
            "housing_type": event.housing_type.value,
            "recorded_at": event.recorded_at,
            "rent_from": rent_from,
            "monthly_rent": event.monthly_rent,
            "vacancy_loss_flag": event.vacancy_loss_flag,
            "departments": departments,
            "now": _now(),
        },
    )


async def apply_contract(session: AsyncSession, event: Contract) -> None:
    """Apply one event's facts to the read model (inside the consumer's transaction)."""
    params: dict[str, Any]
    if isinstance(event, LeaseCreatedV1):
        # The rent a lease is reported with holds from its first day.
        await _lease_state(session, event, event.start_date)
    elif isinstance(event, LeaseUpdatedV1):
        # The current rent: the register's "today" (the day it recorded the change), clamped
        # into the lease period.
        rent_from = _clamp(
            event.recorded_at.astimezone(UTC).date(), event.start_date, event.end_date
        )
        await _lease_state(session, event, rent_from)
    elif isinstance(event, LeaseTerminatedV1):
        params = {
            "lease_id": event.lease_id,
            "dwelling_id": event.dwelling_id,
            "department_id": event.department_id,
            "organisation_id": event.organisation_id,
            "municipality_code": event.municipality_code,
            "start_date": event.start_date,
            "end_date": event.end_date,
            "allocation_type": event.allocation_type.value,
            "recorded_at": event.recorded_at,
        }
        await session.execute(
            _LEASE_END, {**params, "departments": [event.department_id], "now": _now()}
        )
    elif isinstance(event, RentChangedV1):
        await session.execute(
            _RENT,
            {
                "lease_id": event.lease_id,
                "rent_from": event.as_of,
                "monthly_rent": event.monthly_rent,
                "recorded_at": event.recorded_at,
                "departments": [event.department_id],
                "now": _now(),
            },
        )
    elif isinstance(event, DwellingVacancyChangedV1):
        await session.execute(
            _FLAG,
            {
                "lease_id": event.lease_id,
                "recorded_at": event.recorded_at,
                "vacancy_loss_flag": event.vacancy_loss_flag,
                "departments": [event.department_id],
                "now": _now(),
            },
        )
    elif isinstance(event, DepartmentUpsertedV1):
        await session.execute(
            _DEPARTMENT,
            {
                "department_id": event.department_id,
                "organisation_id": event.organisation_id,
                "municipality_code": event.municipality_code,
                "region": event.region,
                "housing_type": event.housing_type.value,
                "building_type": event.building_type,
                "construction_year": event.construction_year,
                "version": event.version,
                "recorded_at": event.recorded_at,
                "departments": [event.department_id],
                "now": _now(),
            },
        )
    elif isinstance(event, AccountsReportedV1):
        await session.execute(
            _ACCOUNTS,
            {
                "department_id": event.department_id,
                "accounts_year": event.accounts_year,
                "organisation_id": event.organisation_id,
                "municipality_code": event.municipality_code,
                "package_id": event.package_id,
                "revision": event.revision,
                "dwellings": event.dwellings,
                "total_area_m2": event.total_area_m2,
                "administration_cost": event.administration_cost,
                "maintenance_cost": event.maintenance_cost,
                "vacancy_rent_loss": event.vacancy_rent_loss,
                "operating_cost": event.operating_cost,
                "reported_at": event.reported_at,
                "departments": [event.department_id],
                "now": _now(),
            },
        )
    # Any other catalogued event on these topics (a new one) is not ours: ignored.


async def handle(session: AsyncSession, envelope: Envelope) -> None:
    """The consumer's handler: an uncatalogued or invalid event raises (→ retries → DLQ)."""
    await apply_contract(session, from_envelope(envelope))


def read_model_consumer(name: str = CONSUMER_NAME, topics: tuple[str, ...] = TOPICS) -> Consumer:
    """The read model's consumer; tests give it their own group name and topics."""
    return Consumer(name=name, topics=topics, handler=handle)
