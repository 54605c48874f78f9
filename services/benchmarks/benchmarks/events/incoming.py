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

The final state is thus a function of the *set* of events, not of their order. A batch is
applied set-wise (``handle_batch``: one multi-row statement per run of events of one kind, see
``_chunks``), and one event is a batch of one. Each event marks its department(s) dirty; the recompute job derives the figures, the publish job the
debounced ``benchmarks.keyfigures.updated``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal

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
    """``statement`` (CTEs ending in a comma), the dirty-marking CTE, then ``select_counts``.

    Every statement applies a set of events: the parameters named in its ``input`` CTE are
    arrays, one element per event (no key twice, see ``_chunks``); ``departments`` are the
    distinct departments to mark dirty."""
    return text(statement + _MARK_DIRTY + select_counts)


_LEASE_STATE = _marking_dirty(
    """
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
    FROM input
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
    SELECT lease_id, rent_from, monthly_rent, recorded_at FROM input
    ON CONFLICT (lease_id, effective_from) DO UPDATE
    SET monthly_rent = EXCLUDED.monthly_rent, recorded_at = EXCLUDED.recorded_at
    WHERE r.recorded_at < EXCLUDED.recorded_at
    RETURNING 1
),
flag AS (
    INSERT INTO vacancy_flags (lease_id, recorded_at, vacancy_loss_flag)
    SELECT lease_id, recorded_at, vacancy_loss_flag FROM input
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
    FROM input
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
    SELECT * FROM unnest(CAST(:lease_id AS text[]), CAST(:rent_from AS date[]),
        CAST(:monthly_rent AS numeric[]), CAST(:recorded_at AS timestamptz[]))
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
    SELECT * FROM unnest(CAST(:lease_id AS text[]), CAST(:recorded_at AS timestamptz[]),
        CAST(:vacancy_loss_flag AS boolean[]))
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
    SELECT * FROM unnest(CAST(:department_id AS text[]), CAST(:organisation_id AS text[]),
        CAST(:municipality_code AS text[]), CAST(:region AS text[]),
        CAST(:housing_type AS text[]), CAST(:building_type AS text[]),
        CAST(:construction_year AS integer[]), CAST(:version AS integer[]),
        CAST(:recorded_at AS timestamptz[]))
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
    SELECT * FROM unnest(CAST(:department_id AS text[]), CAST(:accounts_year AS integer[]),
        CAST(:organisation_id AS text[]), CAST(:municipality_code AS text[]),
        CAST(:package_id AS text[]), CAST(:revision AS integer[]),
        CAST(:dwellings AS integer[]), CAST(:total_area_m2 AS numeric[]),
        CAST(:administration_cost AS numeric[]), CAST(:maintenance_cost AS numeric[]),
        CAST(:vacancy_rent_loss AS numeric[]), CAST(:operating_cost AS numeric[]),
        CAST(:reported_at AS timestamptz[]))
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

_DEPARTMENTS_OF_LEASES = text(
    "SELECT lease_id, department_id FROM leases WHERE lease_id = ANY(CAST(:lease_ids AS text[]))"
)


def _now() -> datetime:
    return datetime.now(UTC)


def _clamp(day: date, start: date, end: date | None) -> date:
    if day < start:
        return start
    if end is not None and day > end:
        return end
    return day


# What a statement applies, and per event the key of the row(s) it writes: within one statement
# no key may come twice (ON CONFLICT DO UPDATE cannot touch a row twice), so ``_chunks`` starts
# a new statement when a key repeats — which also keeps the events of one key in their order.
_Kind = Literal["lease_state", "lease_end", "rent", "flag", "department", "accounts"]


def _kind_and_key(event: Contract) -> tuple[_Kind, Hashable] | None:
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
    return None  # any other catalogued event on these topics (a new one) is not ours


def _chunks(events: Sequence[Contract]) -> Iterator[tuple[_Kind, list[Any]]]:
    """Consecutive events of one kind with distinct keys, in order."""
    kind: _Kind | None = None
    chunk: list[Any] = []
    keys: set[Hashable] = set()
    for event in events:
        found = _kind_and_key(event)
        if found is None:
            continue
        if found[0] != kind or found[1] in keys:
            if kind is not None:
                yield kind, chunk
            kind, chunk, keys = found[0], [], set()
        chunk.append(event)
        keys.add(found[1])
    if kind is not None:
        yield kind, chunk


def _column(events: Sequence[Any], attribute: str) -> list[Any]:
    values = [getattr(event, attribute) for event in events]
    return [value.value if isinstance(value, Enum) else value for value in values]


def _columns(events: Sequence[Any], *attributes: str) -> dict[str, list[Any]]:
    return {attribute: _column(events, attribute) for attribute in attributes}


def _rent_from(event: LeaseCreatedV1 | LeaseUpdatedV1) -> date:
    if isinstance(event, LeaseCreatedV1):
        # The rent a lease is reported with holds from its first day.
        return event.start_date
    # The current rent, on the day the register read it (its Copenhagen "today", clamped into
    # the lease period). Events recorded before the contract carried rent_day: the UTC date of
    # recorded_at, clamped the same way, as the calculator did then.
    if event.rent_day is not None:
        return event.rent_day
    return _clamp(event.recorded_at.astimezone(UTC).date(), event.start_date, event.end_date)


async def _apply_lease_state(
    session: AsyncSession, events: list[LeaseCreatedV1 | LeaseUpdatedV1]
) -> None:
    departments = [event.department_id for event in events]
    updates = {event.lease_id: event for event in events if isinstance(event, LeaseUpdatedV1)}
    if updates:  # a lease may move to another department: the one it leaves changes too
        rows = await session.execute(_DEPARTMENTS_OF_LEASES, {"lease_ids": list(updates)})
        departments += [
            previous for lease_id, previous in rows if previous != updates[lease_id].department_id
        ]
    await session.execute(
        _LEASE_STATE,
        {
            **_columns(
                events,
                "lease_id",
                "dwelling_id",
                "department_id",
                "organisation_id",
                "municipality_code",
                "start_date",
                "end_date",
                "allocation_type",
                "area_m2",
                "housing_type",
                "recorded_at",
                "monthly_rent",
                "vacancy_loss_flag",
            ),
            "rent_from": [_rent_from(event) for event in events],
            **_dirty(departments),
        },
    )


async def _apply_lease_end(session: AsyncSession, events: list[LeaseTerminatedV1]) -> None:
    await session.execute(
        _LEASE_END,
        {
            **_columns(
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
            ),
            **_dirty(_column(events, "department_id")),
        },
    )


async def _apply_rent(session: AsyncSession, events: list[RentChangedV1]) -> None:
    await session.execute(
        _RENT,
        {
            **_columns(events, "lease_id", "monthly_rent", "recorded_at"),
            "rent_from": _column(events, "as_of"),
            **_dirty(_column(events, "department_id")),
        },
    )


async def _apply_flag(session: AsyncSession, events: list[DwellingVacancyChangedV1]) -> None:
    await session.execute(
        _FLAG,
        {
            **_columns(events, "lease_id", "recorded_at", "vacancy_loss_flag"),
            **_dirty(_column(events, "department_id")),
        },
    )


async def _apply_department(session: AsyncSession, events: list[DepartmentUpsertedV1]) -> None:
    await session.execute(
        _DEPARTMENT,
        {
            **_columns(
                events,
                "department_id",
                "organisation_id",
                "municipality_code",
                "region",
                "housing_type",
                "building_type",
                "construction_year",
                "version",
                "recorded_at",
            ),
            **_dirty(_column(events, "department_id")),
        },
    )


async def _apply_accounts(session: AsyncSession, events: list[AccountsReportedV1]) -> None:
    await session.execute(
        _ACCOUNTS,
        {
            **_columns(
                events,
                "department_id",
                "accounts_year",
                "organisation_id",
                "municipality_code",
                "package_id",
                "revision",
                "dwellings",
                "total_area_m2",
                "administration_cost",
                "maintenance_cost",
                "vacancy_rent_loss",
                "operating_cost",
                "reported_at",
            ),
            **_dirty(_column(events, "department_id")),
        },
    )


def _dirty(departments: Sequence[str]) -> dict[str, Any]:
    return {"departments": list(dict.fromkeys(departments)), "now": _now()}


_APPLY: dict[_Kind, Callable[[AsyncSession, list[Any]], Awaitable[None]]] = {
    "lease_state": _apply_lease_state,
    "lease_end": _apply_lease_end,
    "rent": _apply_rent,
    "flag": _apply_flag,
    "department": _apply_department,
    "accounts": _apply_accounts,
}


async def apply_contracts(session: AsyncSession, events: Sequence[Contract]) -> None:
    """Apply events' facts to the read model, in order (inside the consumer's transaction):
    one statement per run of consecutive events of one kind, each marking its departments
    dirty. The same as applying them one by one: a statement never holds a key twice."""
    for kind, chunk in _chunks(events):
        await _APPLY[kind](session, chunk)


async def apply_contract(session: AsyncSession, event: Contract) -> None:
    """Apply one event's facts to the read model (inside the consumer's transaction)."""
    await apply_contracts(session, [event])


async def handle_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """The consumer's batch handler: the batch's new events at once. An uncatalogued or
    invalid event raises, and the consumer applies the batch event by event (→ retries → DLQ
    for that one)."""
    await apply_contracts(session, [from_envelope(envelope) for envelope in envelopes])


async def handle(session: AsyncSession, envelope: Envelope) -> None:
    """The consumer's handler: the batch handler applied to a batch of one."""
    await handle_batch(session, [envelope])


def read_model_consumer(name: str = CONSUMER_NAME, topics: tuple[str, ...] = TOPICS) -> Consumer:
    """The read model's consumer; tests give it their own group name and topics."""
    return Consumer(name=name, topics=topics, handler=handle, batch_handler=handle_batch)
