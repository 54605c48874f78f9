"""Shared set-up of the benchmark calculator's benchmarks: the synthetic national register as
the register's events, and a fresh benchmarks database."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal

from bench._setup import Infra, _drop_database, database_url
from common.db import migrations
from common.events.contracts import (
    AllocationType,
    DepartmentUpsertedV1,
    HousingType,
    LeaseCreatedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from register.domain.codes import RENT_FORMING
from register_synthetic import SyntheticRegister

SEED = 20261124
RECORDED_AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def register_events(dwellings: int, topics: dict[str, str]) -> Iterator[Envelope]:
    """The synthetic register as the register publishes it on its first load: one
    DepartmentUpsertedV1 per department, one LeaseCreatedV1 per lease (earlier leases of a
    dwelling included), each on ``topics[contract topic]``."""
    register = SyntheticRegister(SEED, dwellings=dwellings)
    for bundle in register.bundles():
        department = bundle.department
        yield to_envelope(
            DepartmentUpsertedV1(
                department_id=department.id,
                organisation_id=department.organisation_id,
                municipality_code=department.municipality_code,
                region=department.region,
                housing_type=HousingType(department.housing_type),
                building_type=department.building_type,
                construction_year=department.construction_year,
                version=1,
                recorded_at=RECORDED_AT,
            )
        ).caused(topic=topics[DepartmentUpsertedV1.topic])
        homes = {dwelling.id: dwelling for dwelling in bundle.dwellings}
        leases = {lease.id: lease for lease in bundle.leases}
        rents: dict[str, Decimal] = defaultdict(Decimal)
        for expense in bundle.expenses:
            if expense.expense_type in RENT_FORMING:
                lease = leases[expense.lease_id]
                if expense.valid_from <= lease.start_date and (
                    expense.valid_to is None or expense.valid_to >= lease.start_date
                ):
                    rents[expense.lease_id] += expense.monthly_amount
        for lease in bundle.leases:
            home = homes[lease.dwelling_id]
            yield to_envelope(
                LeaseCreatedV1(
                    lease_id=lease.id,
                    dwelling_id=lease.dwelling_id,
                    department_id=department.id,
                    organisation_id=department.organisation_id,
                    municipality_code=department.municipality_code,
                    start_date=lease.start_date,
                    end_date=lease.end_date,
                    allocation_type=AllocationType(lease.allocation_type),
                    monthly_rent=rents[lease.id],
                    area_m2=home.area_m2,
                    rooms=home.rooms,
                    housing_type=HousingType(department.housing_type),
                    vacancy_loss_flag=lease.vacancy_loss_flag,
                    vacant_soon_flag=lease.vacant_soon_flag,
                    recorded_at=RECORDED_AT,
                )
            ).caused(topic=topics[LeaseCreatedV1.topic])


@contextlib.asynccontextmanager
async def benchmarks_database(infra: Infra, suffix: str) -> AsyncIterator[str]:
    """A fresh database migrated to the benchmarks service's head; dropped after."""
    name = f"bench_{os.getpid()}_benchmarks_{suffix}"
    url = database_url(infra.admin_dsn, name)
    await asyncio.to_thread(_drop_database, infra.admin_dsn, name)
    await asyncio.to_thread(migrations.upgrade, "benchmarks", url)
    try:
        yield url
    finally:
        await asyncio.to_thread(_drop_database, infra.admin_dsn, name)
