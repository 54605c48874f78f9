"""The request's unit of work commits when the route returns and keeps nothing when it raises.

Routes never call ``commit()`` (architecture convention 3): the ``UnitOfWorkDep`` dependency owns
the transaction. Runs the example service against the real PostgreSQL test server.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import psycopg
import pytest
from sqlalchemy import text

from common.auth import Role
from common.db.engine import Database, driver_connection, libpq_dsn, pipeline
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


async def _failing_read(
    database: Database,
    read: Callable[[psycopg.AsyncConnection], Awaitable[None]],
    error: type[Exception],
    match: str | None = None,
) -> psycopg.AsyncConnection:
    """``read`` on a read-only unit of work's own connection, which must fail with ``error``
    out of the unit of work; the connection it used."""
    used: list[psycopg.AsyncConnection] = []

    async def in_unit_of_work() -> None:
        async with UnitOfWork(database, read_only=True) as uow:
            used.append(await driver_connection(uow.session))
            await read(used[0])

    with pytest.raises(error, match=match):
        await in_unit_of_work()
    return used[0]


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


class TestARolledBackUnitOfWork:
    """A rejected request's rollback leaves its connection's prepared statements in place: the
    next requests on it need not plan and prepare them again."""

    STATEMENT = "SELECT count(*) FROM things WHERE organisation_id = %s"

    async def _prepared_statements(self, database: Database) -> int:
        async with UnitOfWork(database) as uow:
            driver = await driver_connection(uow.session)
            row = await (
                await driver.execute("SELECT count(*) FROM pg_prepared_statements")
            ).fetchone()
            await uow.commit()
        assert row is not None
        return int(row[0])

    async def test_it_keeps_the_connections_prepared_statements(self, example_db):
        """Twice on one pooled connection (pool of one): rejected after a prepared statement,
        rejected after a failed one (the transaction aborted), rolled back explicitly; the
        statement stays prepared (the second use runs it by name) and nothing is stored."""
        database = Database(example_db.url, pool_size=1)
        thing_id = f"t-{uuid.uuid4().hex[:8]}"
        insert = (
            "INSERT INTO things (id, organisation_id, name, version) VALUES (%s, 'org-1', 'x', 1)"
        )
        try:
            for failing in (None, "SELECT 1 / 0"):

                async def rejected(failing: str | None = failing) -> None:
                    async with UnitOfWork(database) as uow:
                        driver = await driver_connection(uow.session)
                        await driver.execute(insert, (thing_id,))
                        await driver.execute(self.STATEMENT, ("org-1",), prepare=True)
                        if failing:
                            await driver.execute(failing)
                        raise LookupError("rejected")

                with pytest.raises((LookupError, psycopg.errors.DivisionByZero)):
                    await rejected()
            async with UnitOfWork(database) as uow:
                driver = await driver_connection(uow.session)
                await driver.execute(self.STATEMENT, ("org-1",), prepare=True)
                await driver.execute(insert, (thing_id,))
                await uow.rollback()
            assert await self._prepared_statements(database) == 1
            assert await _stored(example_db, thing_id) == (None, 0)
        finally:
            await database.dispose()


class TestAPipeline:
    """``pipeline``: a unit of work's statements sent together, their results read at its end."""

    LOCK = "SELECT pg_advisory_xact_lock(%s)"
    HELD = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s"

    async def _held(self, url: str, key: int) -> int:
        async with await psycopg.AsyncConnection.connect(libpq_dsn(url), autocommit=True) as other:
            row = await (await other.execute(self.HELD, (key,))).fetchone()
        assert row is not None
        return int(row[0])

    async def test_its_statements_reach_the_server_when_it_ends(self, example_db):
        """Executed in the block, a statement waits in the client (nothing runs on the server
        meanwhile: psycopg's own pipeline sends each as it is executed); the block's end sends
        them and reads their results, in the unit of work's transaction."""
        key = uuid.uuid4().int % 2**31
        async with UnitOfWork(example_db) as uow:
            async with pipeline(uow.session) as driver:
                locked = await driver.execute(self.LOCK, (key,))
                await asyncio.sleep(0.3)
                assert await self._held(example_db.url, key) == 0
            assert await locked.fetchall() == [("",)]
            assert await self._held(example_db.url, key) == 1
            await uow.commit()
        assert await self._held(example_db.url, key) == 0

    async def test_a_failed_statement_fails_the_block_and_stores_nothing(self, example_db):
        thing_id = f"t-{uuid.uuid4().hex[:8]}"

        async def failing() -> None:
            async with UnitOfWork(example_db) as uow:
                async with pipeline(uow.session) as driver:
                    await driver.execute(
                        "INSERT INTO things (id, organisation_id, name, version)"
                        " VALUES (%s, 'org-1', 'x', 1)",
                        (thing_id,),
                    )
                    await driver.execute("SELECT 1 / 0")
                    await driver.execute("SELECT 1")
                await uow.commit()

        with pytest.raises(psycopg.errors.DivisionByZero):
            await failing()
        assert await _stored(example_db, thing_id) == (None, 0)


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

    async def test_its_fixed_statements_run_on_its_own_pooled_connection_in_autocommit(
        self, example_db
    ):
        """``driver_connection`` of a read-only unit of work's session that has not begun: a
        pooled connection of its own in autocommit (no ORM transaction, nothing for the
        session to commit or close), one per unit of work, given back at its end."""
        async with UnitOfWork(example_db, read_only=True) as uow:
            driver = await driver_connection(uow.session)
            assert await driver_connection(uow.session) is driver
            assert driver.autocommit
            await driver.execute("SELECT 1")
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            assert not uow.session.in_transaction()
            await uow.commit()
        assert example_db.engine.pool.checkedout() == 0

    async def test_after_orm_statements_they_share_the_sessions_connection(self, example_db):
        async with UnitOfWork(example_db, read_only=True) as uow:
            await uow.session.execute(text("SELECT 1"))
            orm = await (await uow.session.connection()).get_raw_connection()
            assert await driver_connection(uow.session) is orm.driver_connection
            await uow.commit()
        assert example_db.engine.pool.checkedout() == 0

    async def test_orm_statements_after_fixed_ones_are_refused(self, example_db):
        """They would hold a second pooled connection while the first is held: enough such
        requests at once wait on the pool for ever (until its timeout)."""
        async with UnitOfWork(example_db, read_only=True) as uow:
            await (await driver_connection(uow.session)).execute("SELECT 1")
            await uow.session.execute(text("SELECT 1"))
            with pytest.raises(RuntimeError, match="two pooled connections"):
                await uow.commit()
        assert example_db.engine.pool.checkedout() == 0

    async def test_its_own_connection_goes_back_transactional(self, example_db):
        """The same pooled connection (pool of one): fixed statements of a read-only unit of
        work, one of them failing, then a write on that connection rolled back."""
        database = Database(example_db.url, pool_size=1)
        try:
            thing_id = f"t-{uuid.uuid4().hex[:8]}"
            async with UnitOfWork(database, read_only=True) as uow:
                driver = await driver_connection(uow.session)
                await driver.execute("SELECT 1")

            async def divide_by_zero(driver: psycopg.AsyncConnection) -> None:
                await driver.execute("SELECT 1 / 0")

            await _failing_read(database, divide_by_zero, psycopg.errors.DivisionByZero)
            async with UnitOfWork(database) as uow:
                writing = await driver_connection(uow.session)
                assert writing is driver
                assert not writing.autocommit
                await writing.execute(
                    "INSERT INTO things (id, organisation_id, name, version) "
                    "VALUES (%s, 'org-1', 'x', 1)",
                    (thing_id,),
                )
                await uow.rollback()
            assert await _stored(example_db, thing_id) == (None, 0)
        finally:
            await database.dispose()

    async def test_a_read_cancelled_mid_statement_leaves_the_pool_usable(self, example_db):
        """A client gone mid-read cancels the statement: the next unit of work on that pool
        (of one) reads as usual."""
        database = Database(example_db.url, pool_size=1)
        try:

            async def slow_read() -> None:
                async with UnitOfWork(database, read_only=True) as uow:
                    await (await driver_connection(uow.session)).execute("SELECT pg_sleep(5)")

            task = asyncio.create_task(slow_read())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            async with UnitOfWork(database, read_only=True) as uow:
                cursor = await (await driver_connection(uow.session)).execute("SELECT 2")
                assert await cursor.fetchone() == (2,)
        finally:
            await database.dispose()

    async def test_a_connection_the_server_dropped_is_not_pooled_again(self, example_db):
        """Its backend terminated under a read: the read fails with the connection's error
        (not one about giving the connection back), and the next unit of work gets a new one."""
        database = Database(example_db.url, pool_size=1)

        async def terminated_then_read(driver: psycopg.AsyncConnection) -> None:
            async with await psycopg.AsyncConnection.connect(
                libpq_dsn(database.url), autocommit=True
            ) as admin:
                await admin.execute("SELECT pg_terminate_backend(%s)", (driver.info.backend_pid,))
            await asyncio.sleep(0.2)
            await driver.execute("SELECT 1")

        try:
            dropped = await _failing_read(database, terminated_then_read, psycopg.OperationalError)
            async with UnitOfWork(database, read_only=True) as uow:
                again = await driver_connection(uow.session)
                assert again is not dropped
                cursor = await again.execute("SELECT 2")
                assert await cursor.fetchone() == (2,)
        finally:
            await database.dispose()

    async def test_a_connection_it_cannot_set_back_is_replaced(self, example_db):
        """Left in a transaction (``autocommit`` cannot be changed then): giving it back
        fails loudly, and the pool (of one) lends a new connection, transactional, next."""
        database = Database(example_db.url, pool_size=1)

        async def begin(driver: psycopg.AsyncConnection) -> None:
            await driver.execute("BEGIN")

        try:
            left = await _failing_read(database, begin, psycopg.ProgrammingError, "autocommit")
            async with UnitOfWork(database) as uow:
                writing = await driver_connection(uow.session)
                assert writing is not left
                assert not writing.autocommit
                await writing.execute("SELECT 1")
                assert writing.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
                await uow.rollback()
        finally:
            await database.dispose()
