"""Events in → figures out; duplicates and any order of arrival leave the same read model."""

from __future__ import annotations

import random
from datetime import date

from common.events.consumer import Outcome
from common.events.contracts import AllocationType, to_envelope

from ..conftest import sql
from .factories import (
    at,
    key_figures,
    lease,
    meeting,
    rent_changed,
    returned,
    sent,
    statement,
    terminated,
    updated,
    vacancy,
)

MUNI = AllocationType.MUNICIPAL_ALLOCATION

TABLES = {
    "leases": "lease_id",
    "dwellings": "dwelling_id",
    "packages": "package_id",
    "department_colours": "department_id, year",
}


def snapshot(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    return {t: sql(db_url, f"SELECT * FROM {t} ORDER BY {key}") for t, key in TABLES.items()}


def history():
    """A lease's whole life, a dwelling's vacancy, a package's, a department's key figures."""
    first = lease(1, allocation=MUNI, rent="4000.00", recorded=at(0))
    return [
        first,
        lease(2, municipality="751", org="org-2", rent="7000.00", recorded=at(1)),
        updated(first, 2, at(10), monthly_rent=first.monthly_rent, vacant_soon_flag=True),
        rent_changed(first, "4100.00", at(20)),
        vacancy(first, loss=True, soon=False, recorded=at(30)),
        terminated(first, date(2026, 6, 30), at(40)),
        sent("pkg-1", red=2, yellow=1, when=at(0), locations=("751",)),
        returned("pkg-1", when=at(5)),
        sent("pkg-1", red=1, yellow=3, when=at(10), locations=("751",)),
        meeting("pkg-1"),
        statement("pkg-1", when=at(100)),
        statement("pkg-1", municipality="751", when=at(90), supplementary=True),
        sent("pkg-2", home="751", org="org-2", when=at(3)),
        key_figures("dep-101", revision=1, red=1),
        key_figures("dep-101", revision=2, red=3, yellow=2),
    ]


class TestEventsInFiguresOut:
    async def test_a_lease_history_leaves_its_newest_state_and_first_times(
        self, feed, dashboards_db_url
    ):
        await feed(*history())
        rows = sql(
            dashboards_db_url,
            "SELECT lease_id, monthly_rent, end_date, allocation_type, created_at, "
            "terminated_at FROM leases ORDER BY lease_id",
        )
        assert [(r[0], str(r[1]), r[2], r[3]) for r in rows] == [
            ("lease-1", "4100.00", date(2026, 6, 30), "municipal_allocation"),
            ("lease-2", "7000.00", None, "external_waiting_list"),
        ]
        assert rows[0][4] == at(0)
        assert rows[0][5] == at(40)
        assert sql(
            dashboards_db_url,
            "SELECT dwelling_id, vacancy_loss, vacant_soon FROM dwellings ORDER BY 1",
        ) == [("dw-1", True, False), ("dw-2", False, False)]

    async def test_a_package_history_leaves_its_newest_sending_and_first_statement(
        self, feed, dashboards_db_url
    ):
        await feed(*history())
        assert sql(
            dashboards_db_url,
            "SELECT package_id, home_municipality_code, location_municipality_codes, sent_at, "
            "returned_at, meeting_held_on, statement_at, red_figures, yellow_figures "
            "FROM packages ORDER BY 1",
        ) == [
            ("pkg-1", "101", ["751"], at(10), at(5), date(2026, 4, 1), at(100), 1, 3),
            ("pkg-2", "751", [], at(3), None, None, None, 0, 0),
        ]
        assert sql(dashboards_db_url, "SELECT red, yellow, revision FROM department_colours") == [
            (3, 2, 2)
        ]

    async def test_each_applied_batch_moves_the_revision_the_live_pages_follow(
        self, feed, dashboards_db_url
    ):
        await feed(lease(1), lease(2))
        assert sql(dashboards_db_url, "SELECT revision FROM model_revision") == [(2,)]


class TestDuplicatesAndOrder:
    async def test_duplicates_are_skipped_by_the_inbox_and_change_nothing(
        self, feed, dashboards_db_url
    ):
        envelopes = [to_envelope(e) for e in history()]
        assert set(await feed.envelopes(envelopes)) == {Outcome.APPLIED}
        before = snapshot(dashboards_db_url)
        outcomes = await feed.envelopes(envelopes[:3])
        assert outcomes == [Outcome.DUPLICATE] * 3
        assert snapshot(dashboards_db_url) == before

    async def test_the_same_events_twice_as_new_events_change_nothing(
        self, feed, dashboards_db_url
    ):
        """Idempotent even past the inbox (a producer's replay gives new event ids)."""
        await feed(*history())
        before = snapshot(dashboards_db_url)
        await feed(*history())
        assert snapshot(dashboards_db_url) == before

    async def test_any_order_of_arrival_gives_the_same_read_model(
        self, feed, dashboards_db, dashboards_db_url
    ):
        events = history()
        await feed(*events)
        in_order = snapshot(dashboards_db_url)
        shuffler = random.Random(16)
        for _ in range(4):
            shuffled = events[:]
            shuffler.shuffle(shuffled)
            sql(
                dashboards_db_url, "TRUNCATE leases, dwellings, packages, department_colours, inbox"
            )
            await feed(*shuffled)
            assert snapshot(dashboards_db_url) == in_order, [type(e).__name__ for e in shuffled]

    async def test_reversed_order_gives_the_same_read_model(self, feed, dashboards_db_url):
        events = history()
        await feed(*events)
        in_order = snapshot(dashboards_db_url)
        sql(dashboards_db_url, "TRUNCATE leases, dwellings, packages, department_colours, inbox")
        await feed(*reversed(events))
        assert snapshot(dashboards_db_url) == in_order
