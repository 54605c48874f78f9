"""Events in → figures out; duplicates and any order of arrival leave the same read model."""

from __future__ import annotations

import asyncio
import random
from datetime import date

from common.events.consumer import Outcome
from common.events.contracts import AllocationType, to_envelope
from common.testing.fixtures import truncate_all_tables
from dashboards.db.rebuild import READ_MODEL_TABLES
from dashboards.events.incoming import handle_batch

from ..conftest import sql
from . import factories_more as more
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


def repeating_batch():
    """Every kind of fact, each key several times within its kind (a fetched batch of a
    backlog), some at the same time as the one before, where the row held is kept."""
    first = lease(1, allocation=MUNI, rent="4000.00", recorded=at(0))
    return [
        first,
        # the same time: the dwelling's flags and the lease's state stay the first event's
        updated(first, 2, at(0), monthly_rent=first.monthly_rent, vacant_soon_flag=True),
        vacancy(first, loss=True, soon=False, recorded=at(0)),
        updated(first, 3, at(10), monthly_rent=first.monthly_rent, end_date=date(2027, 1, 31)),
        vacancy(first, loss=False, soon=True, recorded=at(5)),
        rent_changed(first, "4100.00", at(20)),
        rent_changed(first, "4050.00", at(15)),
        terminated(first, date(2026, 6, 30), at(40)),
        terminated(first, date(2026, 7, 31), at(40)),
        lease(2, municipality="751", org="org-2", recorded=at(1)),
        sent("pkg-1", red=2, yellow=1, when=at(0), locations=("751",)),
        returned("pkg-1", when=at(5)),
        sent("pkg-1", red=1, yellow=3, when=at(10), locations=("751",)),
        sent("pkg-1", red=4, yellow=4, when=at(10), locations=("147",)),
        returned("pkg-1", when=at(12)),
        meeting("pkg-1"),
        meeting("pkg-1", held=date(2026, 4, 2)),
        statement("pkg-1", when=at(100)),
        statement("pkg-1", when=at(90)),
        more.package_status("pkg-2", "in_progress", at(3)),
        more.package_status("pkg-2", "ready", at(3)),
        more.package_status("pkg-2", "complete", at(2)),
        more.deadline("org-1", date(2026, 9, 1), at(0)),
        more.deadline("org-1", date(2026, 8, 1), at(0)),
        more.deadline("org-1", None, at(1)),
        key_figures("dep-101", revision=1, red=1),
        key_figures("dep-101", revision=2, red=3, yellow=2),
        key_figures("dep-101", revision=2, red=5, yellow=5),
        more.submitted("app-1", amount="1000.00"),
        more.submitted("app-1", amount="2000.00"),
        more.prequalified("app-1", amount="1500.00"),
        more.prequalified("app-1", amount="1600.00"),
        more.committed("app-1", amount="1700.00", orgs=("org-1", "org-2")),
        more.stopped("app-1", on=date(2026, 7, 1)),
        more.resumed("app-1", on=date(2026, 7, 8)),
        more.stopped("app-1", on=date(2026, 8, 1)),
        more.opened("off-1", date(2026, 3, 2)),
        more.opened("off-1", date(2026, 3, 3)),
        more.answered("off-1", date(2026, 3, 5), "declined"),
        more.answered("off-1", date(2026, 3, 5), "accepted"),
        more.reminded("off-2", date(2026, 3, 2)),
        more.lapsed("off-2", date(2026, 3, 2)),
        more.lapsed("off-2", date(2026, 3, 2), rent_owed="100.00"),
        more.subsidy(1, frame=10),
        more.subsidy(1, frame=12),
        more.frame_set("101", 11, date(2026, 4, 1)),
        more.filed("case-1", date(2026, 3, 2), date(2026, 3, 16)),
        more.notified("case-1", date(2026, 3, 10), date(2026, 4, 7)),
        more.moved("case-1", date(2026, 3, 20), 1),
        more.moved("case-1", date(2026, 3, 27), 2, reply_due=date(2026, 4, 14)),
        more.question("case-1", "q-1", date(2026, 3, 11), date(2026, 3, 25)),
        more.question("case-1", "q-1", date(2026, 3, 11), date(2026, 4, 1)),
        more.question(
            "case-1", "q-1", date(2026, 3, 11), date(2026, 4, 1), closed_on=date(2026, 3, 30)
        ),
        more.decided("case-1", date(2026, 5, 1)),
        more.final("case-1", date(2026, 5, 1)),
        more.filed("case-2", date(2026, 3, 2), date(2026, 3, 16)),
        more.case_rejected("case-2", date(2026, 3, 9)),
        more.case_rejected("case-2", date(2026, 3, 6)),
    ]


def read_model(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(sql(db_url, f"SELECT * FROM {t}"), key=repr) for t in READ_MODEL_TABLES}


class TestBatches:
    """The consumer applies a fetched batch at once (``handle_batch``); it must leave exactly
    what applying its events one after the other leaves, a key repeated in the batch too."""

    async def test_a_batch_repeating_keys_leaves_what_its_events_one_by_one_leave(
        self, feed, dashboards_db, dashboards_db_url
    ):
        events = repeating_batch()
        await feed(*events)
        one_by_one = read_model(dashboards_db_url)
        assert all(one_by_one.values())  # every table written
        await asyncio.to_thread(truncate_all_tables, dashboards_db_url)
        async with dashboards_db.session() as session, session.begin():
            await handle_batch(session, [to_envelope(e) for e in events])  # not refused
        assert read_model(dashboards_db_url) == one_by_one
        assert sql(dashboards_db_url, "SELECT revision FROM model_revision") == [(1,)]

    async def test_a_key_repeated_at_the_same_time_keeps_the_first_written(
        self, dashboards_db, dashboards_db_url
    ):
        """Equal times: the row held is kept, so the batch's order decides."""
        first = lease(1, recorded=at(0))
        batch = [
            first,
            vacancy(first, loss=True, soon=False, recorded=at(0)),
            vacancy(first, loss=False, soon=True, recorded=at(0)),
            key_figures("dep-101", revision=2, red=3),
            key_figures("dep-101", revision=2, red=5),
        ]
        async with dashboards_db.session() as session, session.begin():
            await handle_batch(session, [to_envelope(e) for e in batch])
        assert sql(dashboards_db_url, "SELECT vacancy_loss, vacant_soon FROM dwellings") == [
            (False, False)
        ]
        assert sql(dashboards_db_url, "SELECT red FROM department_colours") == [(3,)]
