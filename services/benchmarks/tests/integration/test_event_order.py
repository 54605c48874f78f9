"""Duplicate, redelivered and out-of-order events change nothing: the read model is a function
of the set of events, not of their order or count."""

from __future__ import annotations

import asyncio
import random
from datetime import date
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from benchmarks.services.projection import apply_events
from common.events.consumer import Outcome
from common.events.contracts import UnknownContractError, to_envelope
from common.testing.interleaving import done_or_blocked

from ..conftest import sql
from .bm_factories import accounts, at, department, lease, terminated, updated, vacancy
from .test_key_figures import EXPECTED_2025, figures_of, fixture_events

SHARE_FLAGGED = Decimal("16.6667")


def snapshot(db_url: str) -> list[tuple]:
    return sql(
        db_url,
        "SELECT department_id, year, organisation_id, municipality_code, housing_type, region, "
        "building_type, period_band, size_band, dwellings, rent_per_m2, vacancy_share, "
        "move_out_rate, municipal_allocation_share, average_dwelling_size, "
        "administration_cost_per_dwelling, maintenance_per_m2, vacancy_loss_per_dwelling, "
        "operating_cost_per_m2 FROM department_figures ORDER BY department_id, year",
    )


class TestDuplicates:
    async def test_a_redelivered_event_is_skipped_by_the_inbox(self, feed):
        envelope = to_envelope(department("A"))
        assert await feed.envelopes([envelope, envelope]) == [
            Outcome.APPLIED,
            Outcome.DUPLICATE,
        ]

    async def test_the_same_facts_published_twice_change_nothing(self, feed, benchmarks_db_url):
        await feed(*fixture_events())
        await feed(*fixture_events())  # new envelope ids: not inbox duplicates
        assert figures_of(benchmarks_db_url, "A", 2025) == EXPECTED_2025


class TestMalformedEvents:
    async def test_an_uncatalogued_event_fails_so_the_consumer_dead_letters_it(
        self, feed, benchmarks_db_url
    ):
        envelope = to_envelope(department("A")).caused(type="register.department.renamed")
        with pytest.raises(UnknownContractError):
            await feed.processor.apply(envelope)
        assert sql(benchmarks_db_url, "SELECT count(*) FROM inbox") == [(0,)]  # rolled back

    async def test_a_payload_breaking_the_contract_fails(self, feed, benchmarks_db_url):
        envelope = to_envelope(department("A"))
        broken = envelope.caused(data={**envelope.data, "region": "mars"})
        with pytest.raises(ValueError, match="region"):
            await feed.processor.apply(broken)
        assert sql(benchmarks_db_url, "SELECT count(*) FROM departments") == [(0,)]


class TestOutOfOrder:
    async def test_any_order_gives_the_same_figures(self, feed, benchmarks_db_url):
        events = fixture_events()
        random.Random(7).shuffle(events)
        await feed(*reversed(events))
        assert figures_of(benchmarks_db_url, "A", 2025) == EXPECTED_2025

    async def test_an_older_lease_state_arriving_late_is_ignored(self, feed, benchmarks_db_url):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1), area="50.00")
        newer = updated(created, version=2, recorded_at=at(2025, 3, 1), area_m2="60.00")
        await feed(department("A"), newer)
        await feed(created)  # recorded before the update
        [(area,)] = sql(benchmarks_db_url, "SELECT area_m2 FROM leases WHERE lease_id = 'L1'")
        assert str(area) == "60.00"

    async def test_a_termination_before_its_lease_is_kept(self, feed, benchmarks_db_url):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1))
        await feed(
            department("A"), terminated(created, date(2025, 6, 30), recorded_at=at(2025, 2, 1))
        )
        assert figures_of(benchmarks_db_url, "A", 2025) == {}  # nothing to count yet
        await feed(created)
        [(end,)] = sql(benchmarks_db_url, "SELECT end_date FROM leases WHERE lease_id = 'L1'")
        assert end == date(2025, 6, 30)
        assert figures_of(benchmarks_db_url, "A", 2025)["move_out_rate"] == 100

    async def test_a_moved_end_date_wins_by_recording_time(self, feed, benchmarks_db_url):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1))
        first = terminated(created, date(2025, 6, 30), recorded_at=at(2025, 2, 1))
        moved = terminated(
            created, date(2025, 9, 30), recorded_at=at(2025, 3, 1), previous_end=date(2025, 6, 30)
        )
        await feed(department("A"), created, moved, first)
        [(end,)] = sql(benchmarks_db_url, "SELECT end_date FROM leases WHERE lease_id = 'L1'")
        assert end == date(2025, 9, 30)

    async def test_an_older_department_version_is_ignored(self, feed, benchmarks_db_url):
        await feed(
            department("A", construction_year=1990, version=2),
            department("A", construction_year=1950, version=1),
            accounts("A", 2025),
        )
        [(band,)] = sql(
            benchmarks_db_url, "SELECT period_band FROM department_figures WHERE year = 2025"
        )
        assert band == "1990-2004"

    async def test_a_lease_moved_to_another_department_leaves_the_first(
        self, feed, benchmarks_db_url
    ):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1))
        await feed(department("A"), department("B"), created)
        await feed(updated(created, version=2, recorded_at=at(2025, 3, 1), department_id="B"))
        assert figures_of(benchmarks_db_url, "A", 2025) == {}
        assert figures_of(benchmarks_db_url, "B", 2025)["average_dwelling_size"] == 75


class TestNewerWinsInABatch:
    """A batch's runs are one statement each, with their guards: an older department version,
    accounts revision or lease state — later in the same batch or held already — does not
    replace the newer one."""

    async def test_an_older_version_or_revision_does_not_win(self, feed, benchmarks_db_url):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1), area="50.00")
        newest = [
            department("A", construction_year=1990, version=3),
            accounts("A", 2025, revision=2, dwellings=5),
            updated(created, version=2, recorded_at=at(2025, 3, 1), area_m2="60.00"),
        ]
        older = [
            department("A", construction_year=1950, version=2),
            accounts("A", 2025, revision=1, dwellings=9),
            created,
        ]

        def held() -> list[tuple]:
            return sql(
                benchmarks_db_url,
                "SELECT d.construction_year, d.version, a.revision, a.dwellings, l.area_m2"
                " FROM departments d, accounts a, leases l",
            )

        newest_held = [(1990, 3, 2, 5, Decimal("60.00"))]
        batch = [to_envelope(event) for event in [*newest, *older]]
        assert await feed.processor.apply_leading(batch) == [Outcome.APPLIED] * 6
        assert held() == newest_held
        # held already: the older facts again (new envelope ids), a batch of their own
        older_again = [to_envelope(event) for event in older]
        assert await feed.processor.apply_leading(older_again) == [Outcome.APPLIED] * 3
        assert held() == newest_held


class TestFlagOfAMovedLease:
    """A tomgang flag recorded while the lease was in A counts where the lease is now (B).
    The flag comes on the dwelling topic, the move on the lease topic: the flag may be applied
    after the move, or while it is applied. B's vacancy share is then the one of the flag
    applied first (February and March of 2025 flagged, until the update's flag)."""

    async def test_a_flag_applied_after_the_move_marks_the_department_moved_to(
        self, feed, benchmarks_db_url
    ):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1))
        await feed(department("A"), department("B"), created)
        await feed(updated(created, version=2, recorded_at=at(2025, 3, 1), department_id="B"))
        await feed(vacancy(created, True, recorded_at=at(2025, 1, 31)))  # in A: the event says A
        assert figures_of(benchmarks_db_url, "B", 2025)["vacancy_share"] == SHARE_FLAGGED

    async def test_a_flag_applied_while_the_lease_moves_is_counted_where_it_moved(
        self, feed, benchmarks_db, benchmarks_db_url
    ):
        """The move (lease topic) is applied but not committed when the flag (dwelling topic)
        is applied; the recompute job runs after the move's commit, before the flag's."""
        created = lease("L1", "d1", "A", start=date(2020, 1, 1))
        await feed(department("A"), department("B"), created)
        moved = updated(created, version=2, recorded_at=at(2025, 3, 1), department_id="B")
        flag = vacancy(created, True, recorded_at=at(2025, 1, 31))  # in A: the event says A
        async with benchmarks_db.session() as moving, benchmarks_db.session() as flagging:
            await apply_events(moving, [moved])
            flagged = asyncio.ensure_future(apply_events(flagging, [flag]))
            await done_or_blocked(benchmarks_db_url, flagged)
            await moving.commit()
            await flagged
            await feed.recompute()  # the recompute job, before the flag's commit
            await flagging.commit()
        await feed.recompute()
        assert figures_of(benchmarks_db_url, "B", 2025)["vacancy_share"] == SHARE_FLAGGED


def cells(db_url: str) -> list[tuple]:
    return sql(
        db_url,
        "SELECT year, housing_type, region, building_type, period_band, size_band, "
        "municipality_code, n_rent_per_m2, s_rent_per_m2, n_administration_cost_per_dwelling, "
        "s_administration_cost_per_dwelling FROM benchmark_cells "
        "WHERE n_rent_per_m2 <> 0 OR n_administration_cost_per_dwelling <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7",
    )


def fresh_cells(db_url: str) -> list[tuple]:
    return sql(
        db_url,
        "SELECT year, coalesce(housing_type, ''), coalesce(region, ''), "
        "coalesce(building_type, ''), coalesce(period_band, ''), coalesce(size_band, ''), "
        "municipality_code, count(rent_per_m2), coalesce(sum(rent_per_m2), 0), "
        "count(administration_cost_per_dwelling), "
        "coalesce(sum(administration_cost_per_dwelling), 0) FROM department_figures "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7",
    )


class TestBenchmarkCells:
    async def test_the_cells_always_equal_a_fresh_aggregation(self, feed, benchmarks_db_url):
        created = lease("L9", "d9", "B", start=date(2020, 1, 1), area="40.00")
        await feed(*fixture_events(), department("B"), created)
        assert cells(benchmarks_db_url) == fresh_cells(benchmarks_db_url)
        # B's only dwelling grows (size band moves), A's department moves to another period
        await feed(
            updated(created, version=2, recorded_at=at(2025, 3, 1), area_m2="95.00"),
            department("A", construction_year=2010, version=2, recorded_at=at(2025, 3, 2)),
            accounts("A", 2025, revision=2, administration="30000.00"),
        )
        assert cells(benchmarks_db_url) == fresh_cells(benchmarks_db_url)
        assert len(fresh_cells(benchmarks_db_url)) == 10  # A and B, five years each


def read_model(db_url: str) -> dict[str, list[tuple]]:
    """Every fact table and the figures (not the dirty marks, whose generation counts
    statements)."""
    tables = {
        "leases": "SELECT * FROM leases ORDER BY lease_id",
        "rent_points": "SELECT * FROM rent_points ORDER BY lease_id, effective_from",
        "vacancy_flags": "SELECT * FROM vacancy_flags ORDER BY lease_id, recorded_at",
        "departments": "SELECT * FROM departments ORDER BY department_id",
        "accounts": "SELECT * FROM accounts ORDER BY department_id, accounts_year",
        "dirty": "SELECT department_id FROM dirty_departments ORDER BY department_id",
    }
    return {name: sql(db_url, statement) for name, statement in tables.items()}


def many_events() -> list:
    """The fixture's events, a lease moving department, moved end dates, older versions, the
    same facts twice (new ids) — several events of one key, so a batch repeats keys."""
    created = lease("L9", "d9", "A", start=date(2020, 1, 1))
    events = [
        *fixture_events(),
        department("B"),
        department("A", construction_year=1950, version=1),
        created,
        terminated(created, date(2025, 6, 30), recorded_at=at(2025, 2, 1)),
        terminated(
            created, date(2025, 9, 30), recorded_at=at(2025, 3, 1), previous_end=date(2025, 6, 30)
        ),
        updated(created, version=2, recorded_at=at(2025, 3, 1), department_id="B"),
        updated(created, version=3, recorded_at=at(2025, 4, 1), area_m2="61.00"),
        accounts("A", 2025),
        accounts("A", 2025),
    ]
    return events + fixture_events()


class TestBatches:
    """The consumer applies a fetched batch at once (``handle_batch``): the same read model
    as one event at a time, whatever the order and however the events are cut into batches."""

    @pytest.mark.parametrize("seed", [1, 2, 3])
    async def test_batches_equal_one_event_at_a_time(self, feed, benchmarks_db_url, seed):
        events = many_events()
        random.Random(seed).shuffle(events)
        envelopes = [to_envelope(event) for event in events]
        one_by_one = await feed.envelopes(envelopes)
        await feed.recompute()
        expected = read_model(benchmarks_db_url), snapshot(benchmarks_db_url)

        sql(
            benchmarks_db_url,
            "TRUNCATE leases, rent_points, vacancy_flags, departments, "
            "accounts, dirty_departments, department_figures, benchmark_cells, inbox",
        )
        rng = random.Random(seed)
        batched: list[Outcome] = []
        position = 0
        with capture_logs() as logs:
            while position < len(envelopes):
                size = rng.choice([1, 3, 7, len(envelopes)])
                batch = envelopes[position : position + size]
                batched += await feed.processor.apply_leading(batch)
                position += size
        assert [log for log in logs if log["event"] == "consumer.batch_failed"] == []
        await feed.recompute()
        assert batched == one_by_one
        assert (read_model(benchmarks_db_url), snapshot(benchmarks_db_url)) == expected

    async def test_duplicates_in_and_across_batches_are_skipped(self, feed, benchmarks_db_url):
        envelopes = [to_envelope(event) for event in fixture_events()]
        assert set(await feed.processor.apply_leading(envelopes + envelopes[:2])) == {
            Outcome.APPLIED,
            Outcome.DUPLICATE,
        }
        await feed.recompute()
        assert await feed.processor.apply_leading(envelopes) == [Outcome.DUPLICATE] * len(envelopes)
        assert figures_of(benchmarks_db_url, "A", 2025) == EXPECTED_2025

    async def test_an_uncatalogued_event_in_a_batch_stops_it_there(self, feed, benchmarks_db_url):
        good = to_envelope(department("A"))
        bad = to_envelope(department("B")).caused(type="register.department.renamed")
        after = to_envelope(department("C"))
        assert await feed.processor.apply_leading([good, bad, after]) == [Outcome.APPLIED]
        assert sql(benchmarks_db_url, "SELECT department_id FROM departments") == [("A",)]
