"""The rent model's comparison narrowed to a similar resident composition: the department's
band by its share of re-lettings made by municipal allocation, and the average rent of the rent
benchmark's comparable group within that band — on the rent-comparison endpoint and in
``benchmarks.keyfigures.updated``.

Each department has one 75 m² dwelling re-let from 1 January 2025, so its
rent per m² a year is 12 × monthly rent / 75 and its municipal share is 100 % or 0 %.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from benchmarks.services.publishing import publish_settled
from benchmarks.settings import BenchmarksSettings
from common.auth import Role
from common.events.contracts import KeyFiguresUpdatedV1
from common.events.envelope import Envelope

from ..conftest import sql
from .bm_factories import department, lease

API = "/benchmarks/v1"


def let_2025(department_id: str, rent: str, *, municipal: bool) -> list:
    """The dwelling's earlier tenant moved out at the end of 2024; it was re-let on 1 January
    2025 by municipal allocation or from the waiting list."""
    return [
        department(department_id),
        lease(
            f"{department_id}-l0",
            f"{department_id}-d1",
            department_id,
            start=date(2020, 1, 1),
            end=date(2024, 12, 31),
            rent=rent,
        ),
        lease(
            f"{department_id}-l1",
            f"{department_id}-d1",
            department_id,
            start=date(2025, 1, 1),
            rent=rent,
            allocation="municipal_allocation" if municipal else "external_waiting_list",
        ),
    ]


FOUR = (
    *let_2025("T", "1500.00", municipal=True),  # 240/m², 100 %
    *let_2025("P1", "1000.00", municipal=True),  # 160/m², 100 %
    *let_2025("P2", "1000.00", municipal=False),  # 160/m², 0 %
    *let_2025("P3", "2000.00", municipal=False),  # 320/m², 0 %
)


async def comparison(client, tokens, department_id: str = "T") -> dict:
    r = await client.get(
        f"{API}/departments/{department_id}/rent-comparison",
        params={"year": 2025},
        headers=tokens.headers(Role.FUND),
    )
    assert r.status_code == 200, r.text
    return r.json()


class TestResidentComposition:
    async def test_the_comparable_rent_within_the_same_band(self, benchmarks_client, feed, tokens):
        client = await benchmarks_client(min_group_size=2)
        await feed(*FOUR)
        body = await comparison(client, tokens)
        assert body["comparable_rent_per_m2"] == "220.0000"  # all four: (240+160+160+320)/4
        assert body["resident_composition"] == {
            "band": "25-",
            "label": "25 % eller flere kommunalt anviste genudlejninger",
            "municipal_allocation_share": "100.0000",
            "comparable_rent_per_m2": "200.0000",  # T and P1: (240 + 160) / 2
            "group_size": 2,
            "group_label": "sammenlignelige afdelinger",
        }
        other = (await comparison(client, tokens, "P3"))["resident_composition"]
        assert (other["band"], other["comparable_rent_per_m2"], other["group_size"]) == (
            "-9",
            "240.0000",  # P2 and P3: (160 + 320) / 2
            2,
        )

    async def test_a_band_smaller_than_the_minimum_group_gives_no_comparable_rent(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3)
        await feed(*FOUR)
        residents = (await comparison(client, tokens))["resident_composition"]
        assert (
            residents["band"],
            residents["comparable_rent_per_m2"],
            residents["group_size"],
        ) == (
            "25-",
            None,
            2,
        )

    async def test_the_event_carries_it(self, feed, benchmarks_db, benchmarks_db_url):
        await feed(*FOUR)
        settings = BenchmarksSettings(settle_seconds=30, burst_seconds=60, min_group_size=2)
        await publish_settled(
            benchmarks_db, settings, clock=lambda: datetime(2030, 1, 1, tzinfo=UTC)
        )
        rows = sql(benchmarks_db_url, "SELECT envelope FROM outbox ORDER BY id")
        events = [KeyFiguresUpdatedV1.from_envelope(Envelope.from_structured(r[0])) for r in rows]
        t_2025 = next(e for e in events if (e.department_id, e.year) == ("T", 2025))
        assert t_2025.resident_composition is not None
        assert t_2025.resident_composition.model_dump(mode="json") == {
            "band": "25-",
            "label": "25 % eller flere kommunalt anviste genudlejninger",
            "municipal_allocation_share": "100.0000",
            "comparable_rent_per_m2": "200.0000",
            "group_size": 2,
            "group_label": "sammenlignelige afdelinger",
        }
