"""Benchmarks against comparable departments: the group, its widening, the municipal and
national averages, the indexed-forward fallback for accounts figures, and critical values.

Every department here has one 75 m² dwelling let all through 2025 (unless said otherwise), so
its rent per m² a year is 12 × monthly rent / 75: 1,000 → 160, 1,500 → 240.
"""

from __future__ import annotations

from common.auth import Role

from .bm_factories import accounts, simple_department

API = "/benchmarks/v1"


def by_code(body: dict) -> dict[str, dict]:
    return {figure["code"]: figure for figure in body["figures"]}


async def figures(client, tokens, department_id: str, year: int = 2025) -> dict[str, dict]:
    response = await client.get(
        f"{API}/departments/{department_id}/key-figures",
        params={"year": year},
        headers=tokens.headers(Role.FUND),
    )
    assert response.status_code == 200, response.text
    return by_code(response.json())


class TestComparableGroup:
    async def test_the_benchmark_is_the_average_of_the_narrowest_large_enough_group(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3)
        await feed(
            simple_department("T", "1500.00"),
            simple_department("P1", "1000.00"),
            simple_department("P2", "1000.00"),
            simple_department("OTHER", "3000.00", housing_type="youth"),
        )
        rent = (await figures(client, tokens, "T"))["rent_per_m2"]
        assert rent["value"] == "240.0000"
        assert rent["benchmark"] == "186.6667"  # (240 + 160 + 160) / 3
        assert (rent["group_level"], rent["group_size"]) == (1, 3)
        assert rent["group_label"] == "sammenlignelige afdelinger"
        assert rent["benchmark_indexed"] is False

    async def test_a_small_group_is_widened_by_dropping_dwelling_size_first(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3)
        await feed(
            simple_department("T", "1500.00"),
            simple_department("P1", "1000.00"),
            simple_department("SMALL", "500.00", area="40.00"),  # 150/m², size band -49
            simple_department("LATE", "1000.00", construction_year=1995),  # other period
        )
        rent = (await figures(client, tokens, "T"))["rent_per_m2"]
        assert (rent["group_level"], rent["group_size"]) == (2, 3)
        assert rent["benchmark"] == "183.3333"  # (240 + 160 + 150) / 3
        assert rent["group_label"] == "sammenlignelige afdelinger uanset boligstørrelse"

    async def test_the_composition_lists_the_group_and_what_was_widened(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3)
        await feed(
            simple_department("T", "1500.00"),
            simple_department("P1", "1000.00"),
            simple_department("SMALL", "500.00", area="40.00"),
        )
        response = await client.get(
            f"{API}/departments/T/comparable-group",
            params={"year": 2025},
            headers=tokens.headers(Role.FUND),
        )
        body = response.json()
        assert body["level"] == 2
        assert body["widened"] == ["gns. boligstørrelse"]
        assert body["criteria"] == {
            "housing_type": "family",
            "region": "capital",
            "building_type": "etage",
            "period_band": "1960-1974",
        }
        assert [m["department_id"] for m in body["members"]] == ["P1", "SMALL", "T"]
        assert (body["size"], body["other_members"], body["average"]) == (3, 0, "183.3333")

    async def test_without_enough_departments_anywhere_there_is_no_benchmark(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3)
        await feed(simple_department("T", "1500.00"), simple_department("P1", "1000.00"))
        rent = (await figures(client, tokens, "T"))["rent_per_m2"]
        assert (rent["benchmark"], rent["group_level"], rent["colour"]) == (None, None, "none")

    async def test_municipal_and_national_averages_come_with_the_figure(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=1)
        await feed(
            simple_department("T", "1500.00"),
            simple_department("AARHUS", "1000.00", municipality="751", region="rest"),
        )
        rent = (await figures(client, tokens, "T"))["rent_per_m2"]
        assert rent["municipal_average"] == "240.0000"
        assert rent["national_average"] == "200.0000"


class TestRentComparison:
    async def test_the_rent_against_the_comparable_average_as_amount_and_share(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3)
        await feed(
            simple_department("T", "1500.00"),
            simple_department("P1", "1000.00"),
            simple_department("P2", "1000.00"),
        )
        response = await client.get(
            f"{API}/departments/T/rent-comparison", headers=tokens.headers(Role.FUND)
        )
        body = response.json()
        assert body["year"] == 2025
        assert body["rent_per_m2"] == "240.0000"
        assert body["comparable_rent_per_m2"] == "186.6667"
        assert body["difference_per_m2"] == "53.33"
        assert body["difference_share"] == "28.6"
        assert body["difference_per_dwelling"] == "4000.00"  # 53.3333 × 75 m² = 3,999.9975


class TestCriticalValues:
    async def test_far_above_the_benchmark_is_yellow_with_its_reason(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3)
        await feed(
            simple_department("T", "1500.00"),
            simple_department("P1", "1000.00"),
            simple_department("P2", "1000.00"),
        )
        rent = (await figures(client, tokens, "T"))["rent_per_m2"]
        assert rent["colour"] == "yellow"  # 28.57 % over; default yellow 15 %, red 30 %
        assert rent["reason"] == "29 % over benchmark for sammenlignelige afdelinger"
        below = (await figures(client, tokens, "P1"))["rent_per_m2"]
        assert (below["colour"], below["reason"]) == ("green", None)  # lower is not worse

    async def test_thresholds_are_configurable_per_figure(self, benchmarks_client, feed, tokens):
        thresholds = {"rent_per_m2": {"mode": "relative", "yellow": "10", "red": "25"}}
        client = await benchmarks_client(min_group_size=3, thresholds=thresholds)
        await feed(
            simple_department("T", "1500.00"),
            simple_department("P1", "1000.00"),
            simple_department("P2", "1000.00"),
        )
        by = await figures(client, tokens, "T")
        assert by["rent_per_m2"]["colour"] == "red"
        assert by["vacancy_share"]["colour"] == "none"  # left out of the map: no threshold

    async def test_a_neutral_figure_is_never_coloured(self, benchmarks_client, feed, tokens):
        client = await benchmarks_client(min_group_size=3)
        await feed(
            simple_department("T", "1500.00", area="120.00"),
            simple_department("P1", "1000.00", area="120.00"),
            simple_department("P2", "1000.00", area="50.00"),
        )
        size = (await figures(client, tokens, "T"))["average_dwelling_size"]
        assert size["benchmark"] is not None
        assert size["colour"] == "none"


class TestIndexedFallback:
    async def test_a_year_with_too_few_accounts_uses_last_years_benchmark_indexed(
        self, benchmarks_client, feed, tokens
    ):
        client = await benchmarks_client(min_group_size=3, min_accounts_per_year=3)
        await feed(
            simple_department("T", "1000.00"),
            simple_department("P1", "1000.00"),
            simple_department("P2", "1000.00"),
            accounts("T", 2024, administration="20000.00"),  # 5,000 per dwelling
            accounts("P1", 2024, administration="16000.00"),  # 4,000
            accounts("P2", 2024, administration="24000.00"),  # 6,000
            accounts("T", 2025, administration="32000.00"),  # 8,000; alone in 2025
        )
        admin = (await figures(client, tokens, "T"))["administration_cost_per_dwelling"]
        assert admin["value"] == "8000.0000"
        assert admin["benchmark"] == "5100.0000"  # 5,000 × 1.02
        assert (admin["benchmark_indexed"], admin["benchmark_year"]) == (True, 2024)
        assert admin["colour"] == "red"
        assert admin["reason"] == (
            "57 % over benchmark for sammenlignelige afdelinger (benchmark fra 2024, fremskrevet)"
        )
        last_year = (await figures(client, tokens, "T", 2024))["administration_cost_per_dwelling"]
        assert (last_year["benchmark"], last_year["benchmark_indexed"]) == ("5000.0000", False)

    async def test_the_yearly_index_is_configurable(self, benchmarks_client, feed, tokens):
        client = await benchmarks_client(
            min_group_size=3,
            min_accounts_per_year=3,
            accounts_index={"administration_cost_per_dwelling": "0.10"},
        )
        await feed(
            *(simple_department(d, "1000.00") for d in ("T", "P1", "P2")),
            *(accounts(d, 2023) for d in ("T", "P1", "P2")),  # 5,000 each
            accounts("T", 2025),
        )
        admin = (await figures(client, tokens, "T"))["administration_cost_per_dwelling"]
        assert admin["benchmark"] == "6050.0000"  # two years forward: 5,000 × 1.1²
        assert admin["benchmark_year"] == 2023

    async def test_register_figures_are_never_indexed(self, benchmarks_client, feed, tokens):
        client = await benchmarks_client(min_group_size=3, min_accounts_per_year=3)
        await feed(*(simple_department(d, "1000.00") for d in ("T", "P1", "P2")))
        rent = (await figures(client, tokens, "T"))["rent_per_m2"]
        assert (rent["benchmark"], rent["benchmark_indexed"]) == ("160.0000", False)
