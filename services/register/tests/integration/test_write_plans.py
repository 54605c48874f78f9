"""The plans a lease write runs with: a few leases' statements with PostgreSQL's kept plans
(they were planned at every execution otherwise), for their transaction only; a bulk
submission's reads with plans for their values."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from common.db.engine import Database
from register.db.repositories import FEW_ROWS
from register.db.writing import RecordWriteRepository
from register.domain.records import Lease


async def plan_cache_mode(session) -> str:
    return (await session.execute(text("SELECT current_setting('plan_cache_mode')"))).scalar()


@pytest.mark.parametrize(("leases", "within"), [(1, "force_generic_plan"), (FEW_ROWS + 1, "auto")])
async def test_a_few_leases_use_kept_plans_until_their_transaction_ends(
    register_db_url, leases, within
):
    database = Database(register_db_url, pool_size=1)
    try:
        async with database.session() as session:
            records = [Lease(id=f"lk-{n}", dwelling_id=f"bol-{n}") for n in range(leases)]
            await RecordWriteRepository(session).for_leases(records)
            assert await plan_cache_mode(session) == within
            await session.commit()
            assert await plan_cache_mode(session) == "auto"
    finally:
        await database.dispose()
