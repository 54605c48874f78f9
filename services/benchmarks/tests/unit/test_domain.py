"""The pure rules: bands, the widening order, critical values and forward indexing."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from pydantic import ValidationError

from benchmarks.domain import figures as f
from benchmarks.domain.critical import Colour, Mode, Threshold, assess, index_forward
from benchmarks.domain.groups import (
    LEVELS,
    choose_level,
    construction_period,
    dwelling_size_band,
    resident_band,
)
from benchmarks.settings import BenchmarksSettings

RELATIVE = Threshold(Mode.RELATIVE, Decimal(15), Decimal(30))
ABSOLUTE = Threshold(Mode.ABSOLUTE, Decimal(1), Decimal(3))
GROUP = "sammenlignelige afdelinger"


class TestBands:
    @pytest.mark.parametrize(
        ("year", "band"),
        [(1944, "-1944"), (1945, "1945-1959"), (1974, "1960-1974"), (1975, "1975-1989"),
         (2004, "1990-2004"), (2005, "2005-")],
    )  # fmt: skip
    def test_construction_periods_include_their_first_year(self, year, band):
        assert construction_period(year) == band

    @pytest.mark.parametrize(
        ("size", "band"),
        [("49.99", "-49"), ("50", "50-69"), ("69.9999", "50-69"), ("70", "70-89"), ("90", "90-")],
    )
    def test_dwelling_size_bands_include_their_lower_edge(self, size, band):
        assert dwelling_size_band(Decimal(size)) == band

    def test_no_size_has_no_band(self):
        assert dwelling_size_band(None) is None

    @pytest.mark.parametrize(
        ("share", "band"),
        [("0", "-9"), ("9.9999", "-9"), ("10", "10-24"), ("24.9999", "10-24"), ("25", "25-"),
         ("100", "25-")],
    )  # fmt: skip
    def test_resident_bands_include_their_lower_edge(self, share, band):
        found = resident_band(Decimal(share))
        assert found is not None
        assert found.code == band

    def test_no_relettings_has_no_resident_band(self):
        assert resident_band(None) is None


class TestWidening:
    def test_the_narrowest_level_with_enough_members_is_chosen(self):
        assert choose_level({1: 2, 2: 4, 3: 9}, 3) == LEVELS[1]

    def test_each_level_drops_one_criterion_in_the_documented_order(self):
        dropped = [
            next(c for c in wide.criteria if c not in narrow.criteria)
            for wide, narrow in itertools.pairwise(LEVELS)
        ]
        assert dropped == ["size_band", "period_band", "building_type", "region", "housing_type"]

    def test_too_few_departments_everywhere_is_no_group(self):
        assert choose_level({level.number: 1 for level in LEVELS}, 2) is None


class TestCriticalValues:
    def test_within_the_thresholds_or_on_the_better_side_is_green(self):
        spec = f.spec(f.RENT_PER_M2)
        assert assess(spec, Decimal(114), Decimal(100), RELATIVE, group_label=GROUP) == (
            assess(spec, Decimal(50), Decimal(100), RELATIVE, group_label=GROUP)
        )
        assert assess(spec, Decimal(114), Decimal(100), RELATIVE, group_label=GROUP).colour is (
            Colour.GREEN
        )

    def test_yellow_and_red_from_their_thresholds_on_the_worse_side(self):
        spec = f.spec(f.RENT_PER_M2)
        yellow = assess(spec, Decimal(115), Decimal(100), RELATIVE, group_label=GROUP)
        red = assess(spec, Decimal(134), Decimal(100), RELATIVE, group_label=GROUP)
        assert (yellow.colour, red.colour) == (Colour.YELLOW, Colour.RED)
        assert red.reason == "34 % over benchmark for sammenlignelige afdelinger"

    def test_far_below_counts_for_a_figure_worse_both_ways(self):
        spec = f.spec(f.MAINTENANCE_PER_M2)
        low = assess(spec, Decimal(40), Decimal(100), RELATIVE, group_label=GROUP)
        assert (low.colour, low.reason) == (
            Colour.RED,
            "60 % under benchmark for sammenlignelige afdelinger",
        )

    def test_shares_use_percentage_points(self):
        spec = f.spec(f.VACANCY_SHARE)
        result = assess(spec, Decimal("4.5"), Decimal("1.25"), ABSOLUTE, group_label=GROUP)
        assert result.colour is Colour.RED
        assert result.reason == "3,3 procentpoint over benchmark for sammenlignelige afdelinger"

    def test_an_absolute_amount_is_written_the_danish_way(self):
        spec = f.spec(f.ADMINISTRATION_COST_PER_DWELLING)
        threshold = Threshold(Mode.ABSOLUTE, Decimal(500), Decimal(1000))
        result = assess(spec, Decimal("6234.5"), Decimal(5000), threshold, group_label=GROUP)
        assert (
            result.reason == "1.234,50 DKK/lejemål/år over benchmark for sammenlignelige afdelinger"
        )

    @pytest.mark.parametrize(
        ("value", "benchmark", "threshold"),
        [(None, Decimal(1), RELATIVE), (Decimal(1), None, RELATIVE), (Decimal(1), Decimal(2), None),
         (Decimal(5), Decimal(0), RELATIVE)],
    )  # fmt: skip
    def test_no_value_benchmark_or_threshold_is_no_colour(self, value, benchmark, threshold):
        spec = f.spec(f.RENT_PER_M2)
        assert assess(spec, value, benchmark, threshold, group_label=GROUP).colour is Colour.NONE

    def test_an_indexed_benchmark_says_so(self):
        spec = f.spec(f.OPERATING_COST_PER_M2)
        result = assess(
            spec, Decimal(140), Decimal(100), RELATIVE, group_label=GROUP, indexed_from=2024
        )
        assert result.reason is not None
        assert result.reason.endswith("(benchmark fra 2024, fremskrevet)")

    def test_thresholds_must_be_ordered(self):
        with pytest.raises(ValueError, match="yellow"):
            Threshold(Mode.RELATIVE, Decimal(30), Decimal(15))


class TestIndexing:
    def test_compounded_per_year_to_four_decimals(self):
        assert index_forward(Decimal(1000), Decimal("0.02"), 2) == Decimal("1040.4000")
        assert index_forward(Decimal(1000), Decimal("0.02"), 0) == Decimal("1000.0000")

    def test_never_backwards(self):
        with pytest.raises(ValueError, match="forward"):
            index_forward(Decimal(1), Decimal("0.02"), -1)


class TestSettings:
    def test_every_accounts_figure_has_an_index_and_the_defaults_a_threshold(self):
        settings = BenchmarksSettings()
        assert set(settings.accounts_index) == set(f.ACCOUNTS_CODES)
        assert set(settings.thresholds) == set(f.CODES) - {
            f.AVERAGE_DWELLING_SIZE,
            f.MUNICIPAL_ALLOCATION_SHARE,
        }

    def test_an_unknown_figure_code_is_refused(self):
        with pytest.raises(ValidationError, match="unknown key figure"):
            BenchmarksSettings(thresholds={"rent": {"mode": "relative", "yellow": 1, "red": 2}})

    def test_the_catalogue_is_sorted_by_code_and_defines_every_figure(self):
        assert list(f.CODES) == sorted(f.CODES)
        assert all(spec.definition and spec.unit for spec in f.CATALOGUE)
