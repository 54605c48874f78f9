"""How the write path hands its parameters to psycopg: id arrays as array literals
(``text_array``), the flush's statements with ``$n`` placeholders converted once per statement
text (``execute_numbered``) — PostgreSQL must get exactly the values a list and ``%s`` gave."""

from __future__ import annotations

import psycopg
import pytest

from common.db.engine import Database, libpq_dsn
from register.db.repositories import execute_numbered, text_array
from register.db.writing import RecordWriteRepository
from register.domain.records import Lease

AWKWARD = ["lse-1", 'a"b', "back\\slash", "trail\\", "comma,brace{}", " spaced ", "NULL", "", "æøå"]


@pytest.mark.parametrize("values", [[], ["lse-0000001"], AWKWARD])
async def test_an_array_literal_is_the_list_it_was_made_of(register_db_url, values):
    async with await psycopg.AsyncConnection.connect(libpq_dsn(register_db_url)) as connection:
        cursor = await connection.execute("SELECT CAST(%s AS TEXT[])", [text_array(values)])
        assert (await cursor.fetchone()) == (values,)


async def test_the_lease_prefetch_takes_ids_a_literal_must_quote(register_db_url):
    database = Database(register_db_url, pool_size=1)
    try:
        async with database.session() as session:
            records = [Lease(id=value, dwelling_id=value) for value in AWKWARD]
            state = await RecordWriteRepository(session).for_leases(records)
            assert state.leases == {}
            assert state.dwellings == {}
            await session.rollback()
    finally:
        await database.dispose()


async def test_a_numbered_statement_gets_its_parameters_in_order(register_db_url):
    async with await psycopg.AsyncConnection.connect(libpq_dsn(register_db_url)) as connection:
        statement = ("SELECT CAST(%s AS INT) - CAST(%s AS INT), CAST(%s AS TEXT)", [5, 3, "x"])
        for _ in range(2):  # the second time from the kept conversion
            cursor = await execute_numbered(connection, statement)
            assert (await cursor.fetchone()) == (2, "x")
        with pytest.raises(ValueError, match="only %s placeholders"):
            await execute_numbered(connection, ("SELECT '100%%' || %s", ["x"]))
