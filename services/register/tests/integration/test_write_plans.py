"""The plans a lease write runs with: a few leases' statements with PostgreSQL's kept plans
(they were planned at every execution otherwise), for their transaction only; a bulk
submission's reads with plans for their values."""

from __future__ import annotations

import uuid

import pytest
from psycopg import pq
from sqlalchemy import text

from common.db.engine import Database, driver_connection
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


async def test_a_lease_write_begins_its_transaction_in_its_first_pipeline(register_db_url):
    """The prefetch's pipeline carries the transaction's BEGIN (the connection in autocommit so
    that psycopg sends none of its own); the transaction still rolls back whole, and the
    connection goes back to the pool out of autocommit."""
    database = Database(register_db_url, pool_size=1)
    marker = f"rolled-back-{uuid.uuid4()}"
    try:
        async with database.session() as session:
            await RecordWriteRepository(session).for_leases([Lease(id="lk-1", dwelling_id="b")])
            driver = await driver_connection(session)
            assert driver.autocommit
            assert driver.pgconn.transaction_status == pq.TransactionStatus.INTRANS
            await driver.execute(
                "INSERT INTO stat_changes (department_id, xid) VALUES (%s, 1)", [marker]
            )
            await session.rollback()
        async with database.session() as session:
            driver = await driver_connection(session)
            assert not driver.autocommit
            stored = text("SELECT count(*) FROM stat_changes WHERE department_id = :marker")
            assert (await session.execute(stored, {"marker": marker})).scalar() == 0
    finally:
        await database.dispose()
