"""Factories and helpers of the allocation tests: the register's facts arrive as envelopes
applied through the service's own consumers and inbox; the API is driven with real tokens."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg

from allocation.events.incoming import consumers
from common.auth import Role
from common.db.engine import Database, libpq_dsn
from common.events.consumer import InboxProcessor, Outcome
from common.events.contracts import (
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    HousingType,
    LeaseCreatedV1,
    OrganisationUpsertedV1,
    to_envelope,
)
from common.events.contracts.base import AllocationType
from common.events.envelope import Envelope

API = "/allocation/v1"
AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
MASTER_DATA, DWELLINGS = consumers()
_lease_numbers = itertools.count(1)


def organisation(org_id: str, home: str = "101", version: int = 1) -> Envelope:
    return to_envelope(
        OrganisationUpsertedV1(
            organisation_id=org_id,
            home_municipality_code=home,
            administered_by=None,
            version=version,
            recorded_at=AT,
        )
    )


def department(dep_id: str, org_id: str, municipality: str = "101") -> Envelope:
    return to_envelope(
        DepartmentUpsertedV1(
            department_id=dep_id,
            organisation_id=org_id,
            municipality_code=municipality,
            region="capital",
            housing_type=HousingType.FAMILY,
            building_type="etage",
            construction_year=1972,
            version=1,
            recorded_at=AT,
        )
    )


def vacancy(
    dwelling_id: str,
    org_id: str = "BO-1",
    municipality: str = "101",
    *,
    lease_id: str | None = None,
    rent: str = "5000.00",
    housing_type: HousingType = HousingType.FAMILY,
    end: date | None = date(2027, 3, 31),
    at: datetime = AT,
    flag: bool = True,
) -> Envelope:
    return to_envelope(
        DwellingVacancyChangedV1(
            dwelling_id=dwelling_id,
            lease_id=lease_id or f"lease-{dwelling_id}-{next(_lease_numbers)}",
            department_id="dep-1",
            organisation_id=org_id,
            municipality_code=municipality,
            lease_start_date=date(2020, 1, 1),
            lease_end_date=end,
            vacancy_loss_flag=False,
            vacant_soon_flag=flag,
            monthly_rent=Decimal(rent),
            area_m2=Decimal("68.50"),
            rooms=3,
            housing_type=housing_type,
            recorded_at=at,
        )
    )


def lease_created(
    dwelling_id: str, start: date, rent: str = "5000.00", org_id: str = "BO-1"
) -> Envelope:
    return to_envelope(
        LeaseCreatedV1(
            lease_id=f"new-{uuid.uuid4().hex[:8]}",
            dwelling_id=dwelling_id,
            department_id="dep-1",
            organisation_id=org_id,
            municipality_code="101",
            start_date=start,
            allocation_type=AllocationType.MUNICIPAL_ALLOCATION,
            monthly_rent=Decimal(rent),
            area_m2=Decimal("68.50"),
            rooms=3,
            housing_type=HousingType.FAMILY,
            vacancy_loss_flag=False,
            vacant_soon_flag=False,
            recorded_at=AT,
            rent_day=start,
        )
    )


async def apply(database: Database, *envelopes: Envelope) -> list[Outcome]:
    """Apply envelopes through the consumer that reads their topic (inbox included)."""
    outcomes = []
    for envelope in envelopes:
        consumer = next(c for c in (MASTER_DATA, DWELLINGS) if envelope.topic in c.topics)
        outcome, error = await InboxProcessor(database, consumer, max_attempts=1).process(envelope)
        assert error is None, error
        outcomes.append(outcome)
    return outcomes


def fund(tokens) -> dict[str, str]:
    return tokens.headers(Role.FUND, subject="lbf-caseworker")


def org(tokens, *orgs: str) -> dict[str, str]:
    return tokens.headers(Role.HOUSING_ORG, orgs=list(orgs), subject=f"user-{'-'.join(orgs)}")


def landlord(tokens, *ids: str) -> dict[str, str]:
    return tokens.headers(Role.LANDLORD, orgs=list(ids), subject=f"landlord-{'-'.join(ids)}")


def municipality(tokens, code: str = "101") -> dict[str, str]:
    return tokens.headers(Role.MUNICIPALITY, municipality=code, subject=f"kommune-{code}")


def post(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


def sql(db_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_dsn(db_url), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def outbox(db_url: str, event_type: str | None = None) -> list[dict[str, Any]]:
    rows = sql(db_url, "SELECT event_type, envelope FROM outbox ORDER BY id")
    return [envelope for kind, envelope in rows if event_type is None or kind == event_type]


async def make_agreement(client, tokens, code: str = "101", **body: Any) -> dict[str, Any]:
    payload = {
        "organisation_id": "BO-1",
        "kind": "quota",
        "share": "1/4",
        "valid_from": "2027-01-01",
        **body,
    }
    response = await client.post(
        f"{API}/agreements", json=payload, headers=post(municipality(tokens, code))
    )
    assert response.status_code == 201, response.text
    return response.json()
