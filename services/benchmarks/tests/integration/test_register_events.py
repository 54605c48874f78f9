"""The calculator on the register's own events: a slice of the synthetic register loaded
through the register's write path (its demo seed), its outbox fed to the calculator as the
relay would deliver it. Every reported department gets figures, and the figures agree with the
register's facts."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from benchmarks.domain import figures as f
from common.db.engine import Database
from common.events.envelope import Envelope
from common.testing.fixtures import truncate_all_tables
from register_synthetic.demo import seed_demo

from ..conftest import sql


async def register_outbox(databases) -> list[Envelope]:
    url = databases.url("register", "register")
    await asyncio.to_thread(truncate_all_tables, url)
    database = Database(url)
    try:
        report = await seed_demo(database, dwellings=60)
        assert report.seeded, report.detail
    finally:
        await database.dispose()
    rows = sql(url, "SELECT envelope FROM outbox ORDER BY id")
    return [Envelope.from_structured(row[0]) for row in rows]


class TestOnTheRegistersEvents:
    async def test_every_reported_department_gets_its_figures(
        self, databases, feed, benchmarks_db_url
    ):
        envelopes = await register_outbox(databases)
        await feed.envelopes(envelopes)
        await feed.recompute()
        reported = {e.subject for e in envelopes if e.type == "register.department.upserted"}
        leased = {e.data["department_id"] for e in envelopes if e.type == "register.lease.created"}
        computed = {
            r[0] for r in sql(benchmarks_db_url, "SELECT department_id FROM department_figures")
        }
        assert reported
        assert computed == leased

    async def test_the_average_size_is_the_registers(self, databases, feed, benchmarks_db_url):
        envelopes = await register_outbox(databases)
        await feed.envelopes(envelopes)
        await feed.recompute()
        department = next(
            e.data["department_id"] for e in envelopes if e.type == "register.lease.created"
        )
        year = max(r[0] for r in sql(benchmarks_db_url, "SELECT year FROM department_figures"))
        areas: dict[str, Decimal] = {}
        for e in envelopes:
            if e.type == "register.lease.created" and e.data["department_id"] == department:
                let_in_year = e.data["start_date"] <= f"{year}-12-01" and (
                    e.data["end_date"] is None or e.data["end_date"] >= f"{year}-01-01"
                )
                if let_in_year:
                    areas[e.data["dwelling_id"]] = Decimal(e.data["area_m2"])
        [(size,)] = sql(
            benchmarks_db_url,
            f"SELECT {f.AVERAGE_DWELLING_SIZE} FROM department_figures "
            "WHERE department_id = %s AND year = %s",
            department,
            year,
        )
        expected = sum(areas.values(), Decimal(0)) / len(areas)
        assert abs(size - expected) < Decimal("0.0001")
