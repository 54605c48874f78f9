"""Key figures of a department against a hand-computed fixture.

Department A (org-a, 101, family, etage, 1970) has four dwellings in 2025:

=====  =====  ===================================================================  ======
dwell  area   leases in 2025                                                       months
=====  =====  ===================================================================  ======
d1      50    L1 since 2020-01-01, 5,000/month                                        12
d2     100    L2a 2019-01-01 – 2025-03-31 at 8,000 (a move-out); April empty;         11
              L2b from 2025-05-01 at 9,000, municipal allocation (a re-letting)
d3      60    L3 since 2024-06-01 at 6,000, 6,600 from 2025-07-01; tomgang recorded   12
              2025-06-15, cleared 2025-09-10 → July, August, September are tomgang
d4      90    L4 from 2025-10-01 at 7,000, first known lease (not a re-letting)        3
=====  =====  ===================================================================  ======

* dwelling-months 38, tomgang months 3 → vacancy share 3 × 100 / 38 = 7.8947 %;
* rent: 12 × 5,000 + (3 × 8,000 + 8 × 9,000) + (6 × 6,000 + 6 × 6,600) + 3 × 7,000 = 252,600;
  area-months 600 + 1,100 + 720 + 270 = 2,690 → rent per m² a year 12 × 252,600 / 2,690
  = 1,126.8401;
* move-outs 1 of 4 dwellings → 25 %; re-lettings 1, municipal 1 → 100 %;
* average dwelling size (50 + 100 + 60 + 90) / 4 = 75 m² (band 70-89);
* accounts 2025: 4 dwellings, 300 m², administration 20,000 → 5,000 per dwelling; maintenance
  30,000 → 100 per m²; vacancy loss 1,800 → 450 per dwelling; operating 90,000 → 300 per m².
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from benchmarks.domain import figures as f

from ..conftest import sql
from .bm_factories import accounts, at, department, lease, rent_changed, vacancy

D = date


def fixture_events() -> list:
    l3 = lease(
        "L3",
        "d3",
        "A",
        start=D(2024, 6, 1),
        rent="6000.00",
        area="60.00",
        recorded_at=at(2024, 5, 20),
    )
    return [
        department("A", recorded_at=at(2024, 1, 5)),
        lease("L1", "d1", "A", start=D(2020, 1, 1), rent="5000.00", area="50.00"),
        lease(
            "L2a", "d2", "A", start=D(2019, 1, 1), end=D(2025, 3, 31), rent="8000.00", area="100.00"
        ),
        lease(
            "L2b",
            "d2",
            "A",
            start=D(2025, 5, 1),
            rent="9000.00",
            area="100.00",
            allocation="municipal_allocation",
            recorded_at=at(2025, 4, 20),
        ),
        l3,
        rent_changed(l3, D(2025, 7, 1), "6600.00", recorded_at=at(2025, 6, 1)),
        vacancy(l3, True, recorded_at=at(2025, 6, 15)),
        vacancy(l3, False, recorded_at=at(2025, 9, 10)),
        lease(
            "L4",
            "d4",
            "A",
            start=D(2025, 10, 1),
            rent="7000.00",
            area="90.00",
            recorded_at=at(2025, 9, 20),
        ),
        accounts("A", 2025),
    ]


EXPECTED_2025 = {
    f.RENT_PER_M2: Decimal("1126.8401"),
    f.VACANCY_SHARE: Decimal("7.8947"),
    f.MOVE_OUT_RATE: Decimal("25.0000"),
    f.MUNICIPAL_ALLOCATION_SHARE: Decimal("100.0000"),
    f.AVERAGE_DWELLING_SIZE: Decimal("75.0000"),
    f.ADMINISTRATION_COST_PER_DWELLING: Decimal("5000.0000"),
    f.MAINTENANCE_PER_M2: Decimal("100.0000"),
    f.VACANCY_LOSS_PER_DWELLING: Decimal("450.0000"),
    f.OPERATING_COST_PER_M2: Decimal("300.0000"),
}


def figures_of(db_url: str, department_id: str, year: int) -> dict[str, Decimal | None]:
    columns = ", ".join(f.CODES)
    rows = sql(
        db_url,
        f"SELECT {columns} FROM department_figures WHERE department_id = %s AND year = %s",
        department_id,
        year,
    )
    if not rows:
        return {}
    return dict(zip(f.CODES, rows[0], strict=True))


class TestRegisterAndAccountsFigures:
    async def test_every_figure_matches_the_hand_computation(self, feed, benchmarks_db_url):
        await feed(*fixture_events())
        assert figures_of(benchmarks_db_url, "A", 2025) == EXPECTED_2025

    async def test_the_criteria_are_the_departments_of_the_year(self, feed, benchmarks_db_url):
        await feed(*fixture_events())
        [row] = sql(
            benchmarks_db_url,
            "SELECT housing_type, region, building_type, period_band, size_band, dwellings "
            "FROM department_figures WHERE department_id = 'A' AND year = 2025",
        )
        assert row == ("family", "capital", "etage", "1960-1974", "70-89", 4)

    async def test_the_year_before_counts_only_what_was_let_then(self, feed, benchmarks_db_url):
        await feed(*fixture_events())
        figures = figures_of(benchmarks_db_url, "A", 2024)
        # 2024: d1 12 months at 5,000 / 50 m², d2 12 at 8,000 / 100 m², d3 Jun–Dec: 7 at 6,000.
        rent = Decimal(12 * (12 * 5000 + 12 * 8000 + 7 * 6000)) / (600 + 1200 + 7 * 60)
        assert figures[f.RENT_PER_M2] == rent.quantize(Decimal("0.0001"))
        assert figures[f.VACANCY_SHARE] == Decimal("0.0000")
        assert figures[f.ADMINISTRATION_COST_PER_DWELLING] is None  # no accounts for 2024

    async def test_five_years_up_to_the_last_recorded_one(self, feed, benchmarks_db_url):
        await feed(*fixture_events())
        years = [
            r[0]
            for r in sql(
                benchmarks_db_url,
                "SELECT year FROM department_figures WHERE department_id = 'A' ORDER BY year",
            )
        ]
        assert years == [2021, 2022, 2023, 2024, 2025]

    async def test_a_correction_of_the_accounts_replaces_them(self, feed, benchmarks_db_url):
        await feed(*fixture_events())
        await feed(accounts("A", 2025, revision=2, administration="24000.00"))
        figures = figures_of(benchmarks_db_url, "A", 2025)
        assert figures[f.ADMINISTRATION_COST_PER_DWELLING] == Decimal("6000.0000")

    async def test_an_older_revision_arriving_late_changes_nothing(self, feed, benchmarks_db_url):
        await feed(*fixture_events())
        await feed(accounts("A", 2025, revision=2, administration="24000.00"))
        await feed(accounts("A", 2025, revision=1, administration="1.00"))
        figures = figures_of(benchmarks_db_url, "A", 2025)
        assert figures[f.ADMINISTRATION_COST_PER_DWELLING] == Decimal("6000.0000")
