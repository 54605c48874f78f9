"""The request's unit of work commits when the route returns and keeps nothing when it raises.

Routes never call ``commit()`` (architecture convention 3): the ``UnitOfWorkDep`` dependency owns
the transaction. Runs the example service against the real PostgreSQL test server.
"""

import uuid

import psycopg
import pytest
from sqlalchemy import text

from common.auth import Role
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.testing.fixtures import TokenFactory

THINGS = "/example/v1/things"


async def _stored(example_db, thing_id: str) -> tuple[str | None, int]:
    async with example_db.engine.connect() as connection:
        name = await connection.scalar(
            text("SELECT name FROM things WHERE id = :id"), {"id": thing_id}
        )
        events = await connection.scalar(
            text("SELECT count(*) FROM outbox WHERE key = :id"), {"id": thing_id}
        )
    return name, events


class TestTheUnitOfWorkDependency:
    async def test_a_write_route_that_returns_stores_its_change_and_event(
        self, example_client, example_db, tokens: TokenFactory
    ):
        client = await example_client()
        thing_id = f"t-{uuid.uuid4().hex[:8]}"
        response = await client.post(
            THINGS,
            json={"id": thing_id, "organisation_id": "org-1", "name": "Blok A", "amount": "1"},
            headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
        )
        assert response.status_code == 201, response.text
        assert await _stored(example_db, thing_id) == ("Blok A", 1)

    async def test_a_write_route_that_raises_stores_nothing(
        self, example_client, example_db, tokens: TokenFactory
    ):
        client = await example_client()
        headers = tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        thing_id = f"t-{uuid.uuid4().hex[:8]}"
        created = await client.post(
            THINGS,
            json={"id": thing_id, "organisation_id": "org-1", "name": "Blok A", "amount": "1"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        failed = await client.post(
            f"{THINGS}/{thing_id}/rename-and-fail", params={"name": "Blok B"}, headers=headers
        )
        assert failed.status_code == 422, failed.text
        # Neither the rename nor its event was kept: the name and the one creation event stand.
        assert await _stored(example_db, thing_id) == ("Blok A", 1)


class TestTheReadOnlyUnitOfWork:
    """``UnitOfWork(read_only=True)`` (``ReadUnitOfWorkDep``): statements without a transaction
    around them, no events — and the pooled connection it used is transactional again for the
    next unit of work."""

    async def test_its_statements_run_outside_a_transaction(self, example_db):
        async with UnitOfWork(example_db, read_only=True) as uow:
            connection = await uow.session.connection()
            raw = await connection.get_raw_connection()
            await uow.session.execute(text("SELECT 1"))
            driver = raw.driver_connection
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            await uow.commit()
        async with UnitOfWork(example_db) as uow:
            await uow.session.execute(text("SELECT 1"))
            connection = await uow.session.connection()
            raw = await connection.get_raw_connection()
            assert raw.driver_connection.info.transaction_status == (
                psycopg.pq.TransactionStatus.INTRANS
            )

    async def test_it_records_no_events(self, example_db):
        async with UnitOfWork(example_db, read_only=True) as uow:
            with pytest.raises(RuntimeError, match="records no events"):
                uow.record_event(None)  # type: ignore[arg-type]

    async def test_a_unit_of_work_after_it_still_rolls_back(self, example_db):
        """The same pooled connection (pool of one), read-only first, then a write rolled back."""
        database = Database(example_db.url, pool_size=1)
        try:
            thing_id = f"t-{uuid.uuid4().hex[:8]}"
            async with UnitOfWork(database, read_only=True) as uow:
                await uow.session.execute(text("SELECT 1"))
                await uow.commit()
            async with UnitOfWork(database) as uow:
                await uow.session.execute(
                    text(
                        "INSERT INTO things (id, organisation_id, name, version) "
                        "VALUES (:id, 'org-1', 'x', 1)"
                    ),
                    {"id": thing_id},
                )
                await uow.rollback()
            assert await _stored(example_db, thing_id) == (None, 0)
        finally:
            await database.dispose()
