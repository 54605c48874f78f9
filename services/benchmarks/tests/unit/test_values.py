"""A department-year's figure values and row from the sums of its facts, and the cell deltas
a recompute applies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from benchmarks.domain import figures as f
from benchmarks.domain.cells import cell_deltas
from benchmarks.domain.values import department_year, figure_values, ratio


def sums(**changes: Any) -> dict[str, Any]:
    """One dwelling of 75 m² let all year at 1000 a month, 3 of its months with tomgang, one
    move-out, two re-lettings of which one municipal; accounts of 4 dwellings on 300 m²."""
    return {
        "department_id": "A",
        "year": 2025,
        "organisation_id": "org-a",
        "municipality_code": "101",
        "housing_type": "family",
        "region": "capital",
        "building_type": "etage",
        "construction_year": 1970,
        "register_dwellings": 1,
        "dwelling_months": 12,
        "tomgang_months": 3,
        "rent_sum": Decimal(12000),
        "rented_area_sum": Decimal(900),
        "average_size": Decimal(75),
        "move_outs": 1,
        "relettings": 2,
        "municipal": 1,
        "accounts_dwellings": 4,
        "total_area_m2": Decimal(300),
        "administration_cost": Decimal(20000),
        "maintenance_cost": Decimal(30000),
        "vacancy_rent_loss": Decimal(1800),
        "operating_cost": Decimal(90000),
        **changes,
    }


class TestRatio:
    def test_to_four_decimals_half_up(self):
        assert ratio(2, 3) == Decimal("0.6667")
        assert ratio(1, 8, Decimal(100)) == Decimal("12.5000")

    def test_no_denominator_no_value(self):
        assert ratio(1, 0) is None
        assert ratio(1, None) is None
        assert ratio(None, 2) is None


class TestFigureValues:
    def test_every_figure_from_its_sums(self):
        assert figure_values(sums()) == {
            f.RENT_PER_M2: Decimal("160.0000"),  # 12 × 12000 / 900
            f.VACANCY_SHARE: Decimal("25.0000"),
            f.MOVE_OUT_RATE: Decimal("100.0000"),
            f.MUNICIPAL_ALLOCATION_SHARE: Decimal("50.0000"),
            f.AVERAGE_DWELLING_SIZE: Decimal("75.0000"),
            f.ADMINISTRATION_COST_PER_DWELLING: Decimal("5000.0000"),
            f.MAINTENANCE_PER_M2: Decimal("100.0000"),
            f.VACANCY_LOSS_PER_DWELLING: Decimal("450.0000"),
            f.OPERATING_COST_PER_M2: Decimal("300.0000"),
        }

    def test_without_register_dwellings_there_is_no_move_out_rate(self):
        assert figure_values(sums(register_dwellings=0))[f.MOVE_OUT_RATE] is None

    def test_without_relettings_there_is_no_municipal_share(self):
        assert figure_values(sums(relettings=None))[f.MUNICIPAL_ALLOCATION_SHARE] is None

    def test_without_accounts_there_are_no_accounts_figures(self):
        values = figure_values(
            sums(accounts_dwellings=None, total_area_m2=None, administration_cost=None,
                 maintenance_cost=None, vacancy_rent_loss=None, operating_cost=None)
        )  # fmt: skip
        assert all(values[code] is None for code in f.ACCOUNTS_CODES)


class TestDepartmentYear:
    def test_the_row_carries_the_criteria_and_bands(self):
        row = department_year(sums())
        assert row is not None
        assert (row["period_band"], row["size_band"], row["dwellings"]) == ("1960-1974", "70-89", 1)

    def test_a_year_with_neither_dwelling_months_nor_accounts_has_no_row(self):
        assert department_year(sums(register_dwellings=0, accounts_dwellings=None)) is None

    def test_accounts_alone_make_a_row_counting_their_dwellings(self):
        row = department_year(sums(register_dwellings=0))
        assert row is not None
        assert row["dwellings"] == 4

    def test_unknown_master_data_has_no_period_band(self):
        row = department_year(sums(construction_year=None))
        assert row is not None
        assert row["period_band"] is None


def figures_row(year: int, size_band: str | None, rent: str | None) -> dict[str, Any]:
    return {
        "year": year,
        "housing_type": "family",
        "region": "capital",
        "building_type": None,
        "period_band": "1960-1974",
        "size_band": size_band,
        "municipality_code": "101",
        **dict.fromkeys(f.CODES),
        f.RENT_PER_M2: None if rent is None else Decimal(rent),
    }


class TestCellDeltas:
    def test_a_moved_department_year_leaves_one_cell_for_another(self):
        deltas = cell_deltas(
            [figures_row(2025, "50-69", "100")], [figures_row(2025, "70-89", "120")]
        )
        moved = {d["size_band"]: (d["n_rent_per_m2"], d["s_rent_per_m2"]) for d in deltas}
        assert moved == {"50-69": (-1, Decimal(-100)), "70-89": (1, Decimal(120))}

    def test_an_unknown_criterion_is_the_empty_string(self):
        [delta] = cell_deltas([], [figures_row(2025, None, "100")])
        assert (delta["building_type"], delta["size_band"]) == ("", "")

    def test_an_unchanged_department_year_changes_no_cell(self):
        same = figures_row(2025, "70-89", "100")
        assert cell_deltas([same], [same]) == []

    def test_a_department_year_without_values_changes_no_cell(self):
        assert cell_deltas([], [figures_row(2025, "70-89", None)]) == []
