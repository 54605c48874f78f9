"""A pooled connection the server closed is replaced before a request uses it.

The pool checks each connection at checkout without a round trip (``common.db.engine``): a
terminated backend (what a PostgreSQL restart does to every connection) must not fail the next
request that would have used it.
"""

import asyncio

import psycopg

from common.auth import Role
from common.db.engine import Database, _closed_by_server, driver_connection, libpq_dsn
from common.db.uow import UnitOfWork


async def _terminate_other_backends(url: str) -> int:
    async with await psycopg.AsyncConnection.connect(libpq_dsn(url), autocommit=True) as admin:
        cursor = await admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


class TestPooledConnectionClosedByTheServer:
    async def test_the_next_request_gets_a_new_connection(self, example_client, tokens, databases):
        client = await example_client()
        writer = tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        created = await client.post(
            "/example/v1/things",
            json={"id": "t-1", "organisation_id": "org-1", "name": "Kaj", "amount": "10.00"},
            headers=writer,
        )
        assert created.status_code == 201
        url = databases.url("common.testing.example", "example")
        assert await _terminate_other_backends(url) >= 1
        await asyncio.sleep(0.2)  # the FATAL message and the close reach the pooled socket

        for _ in range(3):
            read = await client.get("/example/v1/things/t-1", headers=writer)
            assert read.status_code == 200
            assert read.json()["name"] == "Kaj"

    async def test_a_read_only_unit_of_work_gets_a_new_connection_too(self, example_db: Database):
        """Its own pooled connection (``driver_connection`` outside an ORM transaction) is
        checked at checkout as the session's are."""
        async with UnitOfWork(example_db, read_only=True) as uow:
            await (await driver_connection(uow.session)).execute("SELECT 1")
        assert await _terminate_other_backends(example_db.url) >= 1
        await asyncio.sleep(0.2)
        for _ in range(3):
            async with UnitOfWork(example_db, read_only=True) as uow:
                cursor = await (await driver_connection(uow.session)).execute("SELECT 1")
                assert await cursor.fetchone() == (1,)

    async def test_a_live_idle_connection_is_not_taken_for_closed(self, example_db: Database):
        async with example_db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert _closed_by_server(raw.driver_connection) is False
            await _terminate_other_backends(example_db.url)
            await asyncio.sleep(0.2)
            assert _closed_by_server(raw.driver_connection) is True
