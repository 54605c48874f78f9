"""The master-data consumer's batch handler leaves the database exactly as its per-event
handler applied to each event in turn: read-model rows, packages that follow a moved
organisation, forms of new departments in open packages, and the change log."""

from __future__ import annotations

import asyncio
import dataclasses

from common.events.consumer import InboxProcessor
from common.events.contracts import HousingType
from common.testing.fixtures import truncate_all_tables
from governance.events.incoming import handle_master_data_batch

from .support import MASTER_DATA, apply, department, open_year, organisation, sql

SNAPSHOT = {
    "organisations": "SELECT id, home_municipality_code, administered_by, version, recorded_at "
    "FROM organisations ORDER BY id",
    "departments": "SELECT id, organisation_id, municipality_code, housing_type, version, "
    "building_type, construction_year, recorded_at FROM departments ORDER BY id",
    "packages": "SELECT id, home_municipality_code, version, status FROM packages ORDER BY id",
    "forms": "SELECT package_id, kind, key, municipality_code, status FROM forms "
    "ORDER BY package_id, kind, key",
    "changes": "SELECT package_id, action, detail FROM package_changes "
    "WHERE action IN ('home_municipality_changed', 'department_added') ORDER BY id",
}

# BO-P has a package (the year is opened after it arrives); BO-Q arrives afterwards, without;
# BO-R too, and it is held already (version 5, its department too) when the batch comes.
HELD = [
    organisation("BO-R", "157", administered_by="BO-P", version=5),
    department("d-r1", "BO-R", "157", version=5),
]
BATCH = [
    organisation("BO-R", "159", version=4),  # older than held: ignored
    department("d-r1", "BO-R", "159", version=6, housing_type=HousingType.YOUTH),  # newer
    organisation("BO-Q", "101", version=1),
    department("d-q1", "BO-Q", "101", version=2),
    department("d-q1", "BO-Q", "173", version=1),  # older than held by then: ignored
    department("d-q1", "BO-Q", "147", version=3),
    organisation("BO-P", "147", version=2),  # moves: its package not yet sent follows
    department("d-p2", "BO-P", "147", version=1),  # new: gets its form in the open package
    organisation("BO-Q", "999", version=1),  # the same version again: the first one stays
    department("d-p1", "BO-P", "153", version=2),  # moves: its form's location follows
]


async def scenario(client, tokens, database, db_url, *, batch: bool) -> dict[str, list]:
    await asyncio.to_thread(truncate_all_tables, db_url)
    await apply(database, organisation("BO-P", "101"), department("d-p1", "BO-P", "101"))
    await open_year(client, tokens)
    await apply(database, *[dataclasses.replace(e) for e in HELD])
    envelopes = [dataclasses.replace(e) for e in BATCH]
    if batch:  # the batch handler itself, so that a failure cannot hide in the fallback
        async with database.session() as session, session.begin():
            await handle_master_data_batch(session, envelopes)
    else:
        per_event = dataclasses.replace(MASTER_DATA, batch_handler=None)
        for envelope in envelopes:
            _, error = await InboxProcessor(database, per_event, max_attempts=1).process(envelope)
            assert error is None, error
    return {name: sql(db_url, query) for name, query in SNAPSHOT.items()}


class TestMasterDataBatch:
    async def test_the_batch_ends_where_the_events_one_by_one_end(
        self, governance_client, governance_db, governance_db_url, tokens
    ):
        client = await governance_client()
        one_by_one = await scenario(client, tokens, governance_db, governance_db_url, batch=False)
        batched = await scenario(client, tokens, governance_db, governance_db_url, batch=True)
        assert batched == one_by_one
        assert [o[:4] for o in batched["organisations"]] == [
            ("BO-P", "147", None, 2),
            ("BO-Q", "101", None, 1),
            ("BO-R", "157", "BO-P", 5),
        ]
        assert [(d[0], d[2], d[3], d[4]) for d in batched["departments"]] == [
            ("d-p1", "153", "family", 2),
            ("d-p2", "147", "family", 1),
            ("d-q1", "147", "family", 3),
            ("d-r1", "159", "youth", 6),
        ]
        (package,) = batched["packages"]
        assert package[1] == "147"
        assert [f[2:4] for f in batched["forms"] if f[1] == "department"] == [
            ("d-p1", "153"),
            ("d-p2", "147"),
        ]
        assert [c[1] for c in batched["changes"]] == [
            "home_municipality_changed",
            "department_added",
        ]

    async def test_through_the_consumer_the_batch_is_applied_once(
        self, governance_client, governance_db, governance_db_url, tokens
    ):
        await governance_client()
        processor = InboxProcessor(governance_db, MASTER_DATA)
        envelopes = [dataclasses.replace(e) for e in BATCH]
        first = await processor.apply_leading(envelopes)
        again = await processor.apply_leading(envelopes)
        assert [o.value for o in first] == ["applied"] * len(BATCH)
        assert [o.value for o in again] == ["duplicate"] * len(BATCH)
        assert sql(governance_db_url, "SELECT count(*) FROM inbox")[0][0] == len(BATCH)
        assert sql(governance_db_url, "SELECT id, version FROM departments ORDER BY id") == [
            ("d-p1", 2),
            ("d-p2", 1),
            ("d-q1", 3),
            ("d-r1", 6),
        ]


class TestLargeBatch:
    async def test_more_rows_than_one_statement_takes(
        self, governance_client, governance_db, governance_db_url
    ):
        """8,000 departments × 9 columns in one batch: over PostgreSQL's 65,535 parameters."""
        await governance_client()
        envelopes = [organisation("BO-L", "101")] + [
            department(f"d-{n:05d}", "BO-L", "101") for n in range(8000)
        ]
        async with governance_db.session() as session, session.begin():
            await handle_master_data_batch(session, envelopes)
        assert sql(governance_db_url, "SELECT count(*) FROM departments") == [(8000,)]
