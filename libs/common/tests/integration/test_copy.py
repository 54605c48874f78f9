"""``common.db.copy``: binary ``COPY`` of many rows, against the real PostgreSQL."""

import uuid

import psycopg
import pytest
from sqlalchemy import select

from common.db.copy import copy_rows
from common.db.engine import driver_connection
from common.db.tables import outbox
from common.db.uow import UnitOfWork

COLUMNS = ("event_id", "topic", "key", "event_type", "envelope", "attempts")


def row(attempts: int) -> tuple[object, ...]:
    return (uuid.uuid4(), "t", "k", "e", {"name": "Søndergade ✓", "n": [1, 2.5, None]}, attempts)


async def test_rows_are_stored_with_their_values(example_db):
    rows = [row(0), row(2**31 - 1)]
    async with UnitOfWork(example_db) as uow:
        await copy_rows(await driver_connection(uow.session), outbox, COLUMNS, rows)
        await uow.commit()
    async with example_db.engine.connect() as connection:
        stored = (
            await connection.execute(select(*(outbox.c[n] for n in COLUMNS)).order_by(outbox.c.id))
        ).all()
    assert [tuple(r) for r in stored] == rows


@pytest.mark.parametrize("attempts", [2**31, -(2**31) - 1, 2**40])
async def test_an_integer_out_of_its_columns_range_is_refused_not_wrapped(example_db, attempts):
    """PostgreSQL refuses it in text; the driver's binary dumper alone would wrap it around."""
    with pytest.raises(psycopg.DataError, match="out of range"):
        async with UnitOfWork(example_db) as uow:
            await copy_rows(await driver_connection(uow.session), outbox, COLUMNS, [row(attempts)])
    async with example_db.engine.connect() as connection:
        assert (await connection.execute(select(outbox.c.id))).all() == []
