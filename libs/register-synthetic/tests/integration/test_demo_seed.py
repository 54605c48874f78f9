"""Demo data on first start: a slice of the synthetic register, loaded through the bulk
submission use case into the empty register (real rules, history, submissions and events)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

from common.db.engine import Database
from common.testing.fixtures import truncate_all_tables
from register_synthetic import summary
from register_synthetic.demo import DEMO_SUBJECT, seed_demo

SEED = 7
DWELLINGS = 60
MAX_RECORDS = 40  # small submissions, so the slice needs several


@pytest.fixture
async def database(register_db_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(truncate_all_tables, register_db_url)
    database = Database(register_db_url)
    yield database
    await database.dispose()


def sql(db_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        cursor = connection.execute(query, params)
        return list(cursor) if cursor.description else []


def count(db_url: str, query: str, *params: Any) -> int:
    [(n,)] = sql(db_url, query, *params)
    return int(n)


TABLES = {
    "organisation": "organisations",
    "department": "departments",
    "building_section": "building_sections",
    "dwelling": "dwellings",
    "lease": "leases",
    "housing_expense": "housing_expenses",
}


class TestSeedDemo:
    async def test_it_loads_the_slice_through_the_bulk_use_case(
        self, database: Database, register_db_url: str
    ) -> None:
        expected = summary(SEED, DWELLINGS)

        report = await seed_demo(database, dwellings=DWELLINGS, seed=SEED, max_records=MAX_RECORDS)

        assert report.seeded
        assert (report.held, report.draft, report.rejected, report.problems) == (0, 0, 0, [])
        assert report.stored == dict(expected.counts)
        for entity, table in TABLES.items():
            assert (
                count(register_db_url, f"SELECT count(*) FROM {table}") == expected.counts[entity]
            ), table
        assert count(register_db_url, "SELECT count(*) FROM leases WHERE status <> 'accepted'") == 0
        assert (
            count(register_db_url, "SELECT count(*) FROM leases WHERE external_reference IS NULL")
            == 0
        )

        # history: one version 1 per record, recorded by the demo submitter
        history = dict(
            sql(
                register_db_url,
                "SELECT entity_type, count(*) FROM record_versions "
                "WHERE version = 1 AND recorded_by = %s GROUP BY entity_type",
                DEMO_SUBJECT,
            )
        )
        assert history == dict(expected.counts)
        assert count(register_db_url, "SELECT count(*) FROM record_versions") == sum(
            expected.counts.values()
        )

        # submissions: bulk, each within the limit, together every record
        submissions = sql(
            register_db_url,
            "SELECT kind, submitted_by, accepted, held, rejected FROM submissions",
        )
        assert len(submissions) == report.submissions > 1
        assert {(kind, by) for kind, by, *_ in submissions} == {("bulk", DEMO_SUBJECT)}
        assert all(accepted <= MAX_RECORDS for *_, accepted, _, _ in submissions)
        assert sum(accepted for *_, accepted, _, _ in submissions) == report.accepted
        assert sum(held + rejected for *_, held, rejected in submissions) == 0

        # events: once per accepted organisation, department and lease, and per vacancy flag
        events = dict(
            sql(register_db_url, "SELECT event_type, count(*) FROM outbox GROUP BY event_type")
        )
        assert events == {
            "register.organisation.upserted": expected.counts["organisation"],
            "register.department.upserted": expected.counts["department"],
            "register.lease.created": expected.counts["lease"],
            "register.dwelling.vacancy_changed": expected.vacancy_loss + expected.vacant_soon,
        }

    async def test_it_does_nothing_once_the_register_has_an_organisation(
        self, database: Database, register_db_url: str
    ) -> None:
        first = await seed_demo(database, dwellings=DWELLINGS, seed=SEED)
        before = {
            table: count(register_db_url, f"SELECT count(*) FROM {table}")
            for table in [*TABLES.values(), "record_versions", "submissions", "outbox"]
        }

        again = await seed_demo(database, dwellings=DWELLINGS, seed=SEED + 1)

        assert first.seeded
        assert first.submissions == 1  # the default limit (5,000 records) takes the slice at once
        assert not again.seeded
        assert again.submissions == 0
        assert again.stored == {}
        after = {table: count(register_db_url, f"SELECT count(*) FROM {table}") for table in before}
        assert after == before
