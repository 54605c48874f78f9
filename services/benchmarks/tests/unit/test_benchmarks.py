"""A figure's benchmark from the aggregates around its department: the group level, the
indexed-forward fallback, the colour; the accounts year used; public suppression; the rent
model's comparison; which year a reader gets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from benchmarks.domain import figures as f
from benchmarks.domain.benchmarks import (
    Aggregate,
    accounts_source_year,
    average,
    benchmark_figure,
    public_average,
)
from benchmarks.domain.comparison import rent_difference
from benchmarks.domain.critical import Colour, Mode, Threshold
from benchmarks.domain.errors import NoFiguresError
from benchmarks.domain.groups import LEVELS, widened
from benchmarks.domain.years import in_history, pick_year

RELATIVE = Threshold(Mode.RELATIVE, Decimal(15), Decimal(30))


def aggregate(*by_level: tuple[int, str | None]) -> Aggregate:
    """Levels 1… as given (count, average); the last one is also national."""
    levels = {
        level.number: (n, None if mean is None else Decimal(mean))
        for level, (n, mean) in zip(LEVELS, by_level, strict=False)
    }
    return Aggregate(by_level=levels, municipal=(2, Decimal(90)), national=levels[len(by_level)])


def rent(value: str, found: Aggregate | None, *, year: int = 2025, source: int | None = 2025):
    return benchmark_figure(
        f.spec(f.RENT_PER_M2),
        Decimal(value),
        found,
        year=year,
        source_year=source,
        min_group_size=3,
        threshold=RELATIVE,
        yearly_index=Decimal("0.02"),
    )


class TestAverage:
    def test_the_mean_to_four_decimals(self):
        assert average(3, Decimal(10)) == (3, Decimal("3.3333"))

    def test_no_departments_no_average(self):
        assert average(None, None) == (0, None)


class TestBenchmarkFigure:
    def test_the_narrowest_group_with_enough_members_is_the_benchmark(self):
        result = rent("130", aggregate((2, "50"), (3, "100"), (9, "80")))
        assert (result.group_level, result.group_size, result.benchmark) == (2, 3, Decimal(100))
        assert result.group_label == LEVELS[1].label
        assert (result.colour, result.reason) == (
            Colour.RED,
            "30 % over benchmark for sammenlignelige afdelinger uanset boligstørrelse",
        )

    def test_municipal_and_national_averages_come_along(self):
        result = rent("100", aggregate((5, "100"), (9, "80")))
        assert (result.municipal_average, result.national_average) == (Decimal(90), Decimal(80))

    def test_without_a_large_enough_group_there_is_no_benchmark(self):
        result = rent("100", aggregate((1, "100"), (2, "80")))
        assert (result.benchmark, result.group_level, result.colour) == (None, None, Colour.NONE)
        assert result.benchmark_year is None

    def test_an_earlier_years_benchmark_is_indexed_forward(self):
        result = rent("100", aggregate((5, "100"), (9, "80")), year=2025, source=2023)
        assert (result.benchmark, result.benchmark_indexed, result.benchmark_year) == (
            Decimal("104.0400"),
            True,
            2023,
        )
        assert result.national_average == Decimal("83.2320")

    def test_no_source_year_no_benchmark(self):
        result = rent("100", None, source=None)
        assert (result.benchmark, result.benchmark_indexed, result.colour) == (
            None,
            False,
            Colour.NONE,
        )


class TestAccountsSourceYear:
    def test_a_year_with_enough_accounts_uses_its_own(self):
        assert accounts_source_year(2025, {2025: 50}, minimum=50, max_index_years=3) == 2025

    def test_otherwise_the_latest_earlier_year_with_enough(self):
        counts = {2025: 3, 2024: 10, 2023: 60, 2022: 70}
        assert accounts_source_year(2025, counts, minimum=50, max_index_years=3) == 2023

    def test_none_within_the_limit_is_none(self):
        counts = {2025: 3, 2024: 10, 2023: 0, 2022: 70}
        assert accounts_source_year(2025, counts, minimum=50, max_index_years=2) is None


class TestPublicAverage:
    def test_enough_departments_show_the_average(self):
        shown = public_average(5, Decimal(500), 5)
        assert (shown.value, shown.departments, shown.suppressed) == (Decimal(100), 5, False)

    def test_too_few_are_suppressed_without_their_count(self):
        hidden = public_average(4, Decimal(400), 5)
        assert (hidden.value, hidden.departments, hidden.suppressed) == (None, None, True)


class TestRentDifference:
    def test_as_amount_share_and_per_dwelling(self):
        found = rent_difference(Decimal("1100"), Decimal("1000"), Decimal("75.5"))
        assert (found.per_m2, found.share, found.per_dwelling) == (
            Decimal("100.00"),
            Decimal("10.0"),
            Decimal("7550.00"),
        )

    def test_no_share_against_a_zero_rent(self):
        found = rent_difference(Decimal(5), Decimal(0), None)
        assert (found.per_m2, found.share, found.per_dwelling) == (Decimal("5.00"), None, None)

    def test_without_a_comparable_rent_nothing(self):
        found = rent_difference(Decimal(5), None, Decimal(70))
        assert (found.per_m2, found.share, found.per_dwelling) == (None, None, None)


class TestWidened:
    def test_each_level_names_what_it_dropped(self):
        assert widened(LEVELS[0]) == []
        assert len(widened(LEVELS[-1])) == len(LEVELS[0].criteria)


@dataclass
class Year:
    year: int


class TestPickYear:
    def test_the_latest_by_default(self):
        assert pick_year([Year(2024), Year(2025)], None, "Department 'A'") == Year(2025)

    def test_a_year_asked_for(self):
        assert pick_year([Year(2024), Year(2025)], 2024, "Department 'A'") == Year(2024)

    def test_a_year_without_figures_names_the_years_there_are(self):
        with pytest.raises(NoFiguresError, match="it has figures for 2024, 2025"):
            pick_year([Year(2024), Year(2025)], 2010, "Department 'A'")

    def test_no_years_is_not_found(self):
        with pytest.raises(NoFiguresError, match=r"^Department 'A' was not found\.$"):
            pick_year([], None, "Department 'A'")

    def test_the_history_is_the_five_years_up_to_the_year(self):
        assert [y for y in range(2018, 2027) if in_history(2025, y)] == list(range(2021, 2026))
