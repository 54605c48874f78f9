"""The set-based bulk write path: what it must keep doing that the per-record path did —
one result per record when the database refuses a record the rules let through, optimistic
concurrency inside a bulk, a record sent twice in one submission, retries applied once."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from common.db.engine import libpq_dsn

from .test_bulk_submission import SUBMISSIONS, rec, whole_register
from .test_records_api import dwelling, lease, rent, sql, writer


@pytest.fixture
async def client(register_client):
    return await register_client()


async def submit(client, tokens, records: list[dict[str, Any]], **headers: str) -> dict[str, Any]:
    response = await client.post(
        SUBMISSIONS, json={"records": records}, headers={**writer(tokens), **headers}
    )
    assert response.status_code == 200, response.text
    return response.json()


def many_dwellings(count: int, **changes: Any) -> list[dict[str, Any]]:
    return [
        rec("dwelling", dwelling(f"bol-{n}", "afd-1", **changes)) for n in range(10, 10 + count)
    ]


class TestDatabaseRefusal:
    async def test_a_record_created_concurrently_is_rejected_alone(
        self, client, tokens, register_db_url
    ):
        """Another transaction creates a dwelling of another organisation while the bulk runs:
        the rules saw no such dwelling, the set-based insert hits its unique key, the type's
        records are written again one at a time, and only that one is refused (409, its id is
        taken; whose it is is not said)."""
        await submit(client, tokens, whole_register())
        dsn = libpq_dsn(register_db_url)
        async with await psycopg.AsyncConnection.connect(dsn) as other:
            await other.execute(
                "INSERT INTO organisations (id, cvr, name, home_municipality_code, version)"
                " VALUES ('org-b', '10000017', 'B', '101', 1);"
                "INSERT INTO departments (id, organisation_id, name, municipality_code,"
                " housing_type, construction_year, building_type, region, version)"
                " VALUES ('afd-b', 'org-b', 'B', '101', 'family', 1970, 'block', 'x', 1);"
                "INSERT INTO dwellings (id, department_id, street, house_number, postcode, city,"
                " rooms, area_m2, version)"
                " VALUES ('bol-race', 'afd-b', 'Vej', '1', '8000', 'Aarhus', 2, 50, 1)"
            )
            records = [*many_dwellings(3), rec("dwelling", dwelling("bol-race", "afd-1"))]
            submission = asyncio.create_task(submit(client, tokens, records))
            await wait_until_blocked(dsn)  # the bulk insert waits for the other transaction
            await other.commit()
            report = await submission
        assert [r["outcome"] for r in report["results"]] == ["accepted"] * 3 + ["rejected"]
        assert report["results"][-1]["problem"]["status"] == 409
        assert sql(register_db_url, "SELECT id, department_id FROM dwellings ORDER BY id") == [
            ("bol-1", "afd-1"),
            ("bol-10", "afd-1"),
            ("bol-11", "afd-1"),
            ("bol-12", "afd-1"),
            ("bol-race", "afd-b"),
        ]
        assert sql(
            register_db_url,
            "SELECT count(*) FROM record_versions WHERE entity_type = 'dwelling'",
        ) == [(4,)]


async def wait_until_blocked(dsn: str) -> None:
    """Until a backend of the test database waits for a lock (a condition, not a time)."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as watcher:
        for _ in range(400):
            cursor = await watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            row = await cursor.fetchone()
            if row is not None and row[0] > 0:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the submission never waited for the concurrent insert")


class TestOptimisticConcurrencyInBulk:
    async def test_a_stale_update_is_rejected_and_the_others_stored(
        self, client, tokens, register_db_url
    ):
        await submit(client, tokens, [*whole_register(), *many_dwellings(2)])
        first = await submit(
            client,
            tokens,
            [rec("dwelling", dwelling("bol-10", "afd-1", BoligAntalRum=4, version=1))],
        )
        assert first["results"][0]["version"] == 2
        records = [
            rec("dwelling", dwelling("bol-10", "afd-1", BoligAntalRum=5, version=1)),  # stale
            rec("dwelling", dwelling("bol-11", "afd-1", BoligAntalRum=5, version=1)),
        ]
        report = await submit(client, tokens, records)
        stale, fresh = report["results"]
        assert stale["outcome"] == "rejected"
        assert stale["problem"]["status"] == 412
        assert stale["problem"]["type"].endswith("stale-version")
        assert (fresh["outcome"], fresh["version"]) == ("accepted", 2)
        assert sql(
            register_db_url, "SELECT id, rooms, version FROM dwellings WHERE id IN "
            "('bol-10', 'bol-11') ORDER BY id",
        ) == [("bol-10", 4, 2), ("bol-11", 5, 2)]  # fmt: skip


class TestRecordSentTwice:
    async def test_both_states_are_kept_in_order(self, client, tokens, register_db_url):
        records = [
            *whole_register()[2:],
            rec("lease", lease("lk-1", "bol-1", monthly_rent="5875.00")),
            rec("lease", lease("lk-1", "bol-1", monthly_rent="5900.00")),
            rec("housing_expense", rent("5950.00", LejekontraktUnikIdentifikator="lk-1")),
        ]
        report = await submit(client, tokens, records)
        results = report["results"][-3:]
        assert [r["outcome"] for r in results] == ["accepted"] * 3
        assert [r["version"] for r in results] == [1, 1, 3]
        [(expense_id, amount, version)] = sql(
            register_db_url, "SELECT id, monthly_amount, version FROM housing_expenses"
        )
        assert (str(amount), version) == ("5950.00", 3)
        assert results[-1]["id"] == str(expense_id)
        history = sql(
            register_db_url,
            "SELECT entity_id, version, data ->> 'monthly_amount' FROM record_versions"
            " WHERE entity_type = 'housing_expense' ORDER BY version",
        )
        assert history == [
            (str(expense_id), 1, "5875.00"),
            (str(expense_id), 2, "5900.00"),
            (str(expense_id), 3, "5950.00"),
        ]
        lease_events = sql(
            register_db_url, "SELECT event_type FROM outbox WHERE key = 'lk-1' ORDER BY id"
        )
        assert [e for (e,) in lease_events] == [
            "register.lease.created",
            "register.lease.rent_changed",
            "register.lease.rent_changed",
        ]


class TestRetriedBulk:
    async def test_a_retried_submission_of_many_records_is_applied_once(
        self, client, tokens, register_db_url
    ):
        records = [
            *whole_register(),
            *many_dwellings(40),
            *(rec("lease", lease(f"lk-{n}", f"bol-{n}")) for n in range(10, 50)),
        ]
        key = {"Idempotency-Key": "erp-bulk-2026-12-01-many"}
        first = await submit(client, tokens, records, **key)
        retry = await submit(client, tokens, records, **key)
        assert retry == first
        assert first["accepted"] == 86
        assert sql(register_db_url, "SELECT count(*) FROM submissions") == [(1,)]
        assert sql(register_db_url, "SELECT count(*) FROM leases") == [(41,)]
        assert sql(register_db_url, "SELECT count(*) FROM record_versions") == [(7 + 40 + 80,)]
        assert sql(
            register_db_url,
            "SELECT count(*) FROM outbox WHERE event_type = 'register.lease.created'",
        ) == [(41,)]
