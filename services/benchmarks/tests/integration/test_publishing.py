"""benchmarks.keyfigures.updated: a lone change at once (the leading edge), a burst coalesced
(once the department has been quiet for the settle time, and at least every burst time), only
for what changed, with a revision that increases per change, through the outbox. The clock is
controlled (time-machine)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from benchmarks.domain import figures as f
from benchmarks.services.publishing import publish_settled
from benchmarks.services.rebuild import reset_read_model
from benchmarks.settings import BenchmarksSettings
from benchmarks.worker import jobs
from common.events.contracts import KeyFiguresUpdatedV1, to_envelope
from common.events.envelope import Envelope

from ..conftest import sql
from .bm_factories import accounts, department, lease, rent_changed, simple_department
from .test_key_figures import fixture_events

T0 = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
SETTINGS = BenchmarksSettings(settle_seconds=30, burst_seconds=60, min_group_size=1)


def published(db_url: str) -> list[KeyFiguresUpdatedV1]:
    rows = sql(db_url, "SELECT topic, key, envelope FROM outbox ORDER BY id")
    for topic, key, _ in rows:
        assert (topic, key) == ("benchmarks.keyfigures.v1", key)
    return [KeyFiguresUpdatedV1.from_envelope(Envelope.from_structured(r[2])) for r in rows]


async def publish_at(database, moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return await publish_settled(database, SETTINGS)


async def feed_at(feed, moment: datetime, *events) -> None:
    with time_machine.travel(moment, tick=False):
        await feed(*events)


class TestDebounce:
    async def test_a_lone_change_is_published_as_soon_as_it_is_recomputed(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        """Issue 12, item 12: a register change used to wait the whole settle time (30 s)."""
        await feed_at(feed, T0, *fixture_events())
        assert await publish_at(benchmarks_db, T0) == 5
        events = published(benchmarks_db_url)
        assert [(e.department_id, e.year, e.revision) for e in events] == [
            ("A", year, 1) for year in range(2021, 2026)
        ]
        latest = events[-1]
        assert [figure.code for figure in latest.figures] == list(f.CODES)
        rent = next(x for x in latest.figures if x.code == f.RENT_PER_M2)
        assert (str(rent.value), rent.unit) == ("1126.8401", "DKK/m²/år")
        assert latest.organisation_id == "org-a"
        assert latest.municipality_code == "101"
        assert await publish_at(benchmarks_db, T0 + timedelta(minutes=5)) == 0  # once

    async def test_right_after_a_publication_a_change_waits_for_quiet(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        events = fixture_events()
        await feed_at(feed, T0, *events)
        assert await publish_at(benchmarks_db, T0) == 5
        change = rent_changed(
            events[1], date(2025, 1, 1), "5500.00", recorded_at=datetime(2025, 12, 1, tzinfo=UTC)
        )
        await feed_at(feed, T0 + timedelta(seconds=5), change)
        assert await publish_at(benchmarks_db, T0 + timedelta(seconds=34)) == 0
        assert await publish_at(benchmarks_db, T0 + timedelta(seconds=35)) == 1
        assert [(e.year, e.revision) for e in published(benchmarks_db_url)][-1] == (2025, 2)

    async def test_a_bulk_load_publishes_its_start_and_then_once_when_quiet(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        await feed_at(feed, T0, department("A"))
        outcomes = []
        for i in range(40):  # 40 leases arriving over 20 seconds
            moment = T0 + timedelta(seconds=i / 2)
            rent = f"{5000 + 10 * i}.00"  # each lease moves the department's average rent
            await feed_at(
                feed, moment, lease(f"L{i}", f"d{i}", "A", start=date(2025, 1, 1), rent=rent)
            )
            outcomes.append(await publish_at(benchmarks_db, moment))
        assert outcomes == [1] + [0] * 39  # the first lease at once, the rest coalesced
        assert await publish_at(benchmarks_db, T0 + timedelta(seconds=60)) == 1
        assert [(e.year, e.revision) for e in published(benchmarks_db_url)] == [
            (2025, 1),
            (2025, 2),
        ]

    async def test_a_department_touched_without_pause_is_published_every_burst(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        await feed_at(feed, T0, department("A"))
        publications = []
        for second in range(0, 150, 5):  # a lease every 5 s: never quiet for 30 s
            moment = T0 + timedelta(seconds=second)
            rent = f"{5000 + 10 * second}.00"  # each lease moves the average rent
            await feed_at(
                feed,
                moment,
                lease(f"L{second}", f"d{second}", "A", start=date(2025, 1, 1), rent=rent),
            )
            if await publish_at(benchmarks_db, moment):
                publications.append(second)
        assert publications == [0, 60, 120]  # at once, then each time 60 s have passed

    async def test_unchanged_figures_are_not_published_again(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        await feed_at(feed, T0, *fixture_events())
        await publish_at(benchmarks_db, T0 + timedelta(seconds=30))
        later = T0 + timedelta(hours=1)
        await feed_at(feed, later, *fixture_events())  # the same facts again
        assert await publish_at(benchmarks_db, later + timedelta(seconds=30)) == 0

    async def test_a_change_publishes_the_changed_year_with_the_next_revision(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        events = fixture_events()
        await feed_at(feed, T0, *events)
        await publish_at(benchmarks_db, T0 + timedelta(seconds=30))
        later = T0 + timedelta(hours=1)
        l1 = events[1]
        change = rent_changed(
            l1, date(2025, 1, 1), "5500.00", recorded_at=datetime(2025, 12, 1, tzinfo=UTC)
        )
        await feed_at(feed, later, change)
        assert await publish_at(benchmarks_db, later + timedelta(seconds=30)) == 1
        newest = published(benchmarks_db_url)[-1]
        assert (newest.year, newest.revision) == (2025, 2)

    async def test_figures_carry_the_accounts_they_were_computed_from(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        """Governance's send gate waits for the figures of the reported accounts (issue 12,
        item 11): each publication names the accounts revision it includes, and a corrected
        report is published even when it leaves every figure as it was."""
        await feed_at(feed, T0, *fixture_events(), accounts("A", 2025))
        await publish_at(benchmarks_db, T0 + timedelta(seconds=30))
        by_year = {e.year: e.accounts_revision for e in published(benchmarks_db_url)}
        assert by_year == {2021: None, 2022: None, 2023: None, 2024: None, 2025: 1}
        later = T0 + timedelta(hours=1)
        await feed_at(feed, later, accounts("A", 2025, revision=2))  # the same amounts again
        assert await publish_at(benchmarks_db, later + timedelta(seconds=30)) == 1
        newest = published(benchmarks_db_url)[-1]
        assert (newest.year, newest.revision, newest.accounts_revision) == (2025, 2, 2)

    async def test_a_department_being_recomputed_waits(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        with time_machine.travel(T0, tick=False):
            await feed.envelopes([to_envelope(department("A"))])  # applied, not recomputed
        # marked dirty but not yet recomputed: not published even when quiet
        assert await publish_at(benchmarks_db, T0 + timedelta(minutes=5)) == 0


class TestScheduledJobs:
    def test_the_worker_schedules_recompute_publish_and_refresh(self, benchmarks_db):
        scheduled = jobs(benchmarks_db, BenchmarksSettings(publish_interval_seconds=2))
        assert [(j.name, j.every.total_seconds()) for j in scheduled] == [
            ("benchmarks.recompute_figures", 0.25),
            ("benchmarks.publish_key_figures", 2.0),
            ("benchmarks.refresh_benchmarks", 3600.0),
        ]

    async def test_the_refresh_job_republishes_only_what_moved(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        await feed_at(feed, T0, *simple_department("A", "1000.00"))
        await publish_at(benchmarks_db, T0 + timedelta(seconds=30))
        refresh = jobs(benchmarks_db, SETTINGS)[2]
        assert await refresh.run() == 1  # department A looked at again …
        assert await publish_at(benchmarks_db, T0 + timedelta(minutes=1)) == 0  # … unchanged
        # A comparable department arrives: A's own facts did not change, its benchmark did.
        await feed_at(feed, T0 + timedelta(minutes=2), *simple_department("B", "2000.00"))
        await publish_at(benchmarks_db, T0 + timedelta(minutes=3))
        before = {(e.department_id, e.year) for e in published(benchmarks_db_url)}
        assert ("A", 2025) in before
        assert ("B", 2025) in before
        assert await refresh.run() == 2
        assert await publish_at(benchmarks_db, T0 + timedelta(minutes=4)) == 5  # 2021–2025
        again = published(benchmarks_db_url)[-5:]
        assert {(e.department_id, e.revision) for e in again} == {("A", 2)}
        newest = again[-1]
        rent = next(x for x in newest.figures if x.code == f.RENT_PER_M2)
        assert str(rent.benchmark) == "240.0000"  # (160 + 320) / 2


class TestAfterARebuild:
    async def test_a_rebuild_to_the_same_figures_publishes_nothing(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        await feed_at(feed, T0, *fixture_events())
        assert await publish_at(benchmarks_db, T0 + timedelta(seconds=30)) == 5
        async with benchmarks_db.session() as session, session.begin():
            await reset_read_model(session, "benchmarks.test")
        later = T0 + timedelta(hours=2)
        await feed_at(feed, later, *fixture_events())  # the topics consumed again
        assert await publish_at(benchmarks_db, later + timedelta(seconds=30)) == 0
        [(revision,)] = sql(
            benchmarks_db_url,
            "SELECT max(revision) FROM published_figures WHERE department_id = 'A'",
        )
        assert revision == 1
