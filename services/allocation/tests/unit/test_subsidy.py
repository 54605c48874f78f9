"""The rent subsidy: band, frame, and the month-by-month schedule at every boundary."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation.domain.errors import SubsidyRefusedError
from allocation.domain.subsidy import (
    MONTHS,
    add_months,
    check_frame,
    check_housing_type,
    check_rent_band,
    schedule,
    total,
)

RATES = {2023: Decimal("1400.00"), 2024: Decimal("1440.00"), 2025: Decimal("1470.00")}


class TestRentBand:
    @pytest.mark.parametrize("rent", ["4500.00", "5000.00", "6500.00"])
    def test_inside_the_band_both_ends_included(self, rent):
        check_rent_band(Decimal(rent))

    @pytest.mark.parametrize("rent", ["4499.99", "6500.01", "0.00"])
    def test_outside_the_band_is_refused_with_the_band(self, rent):
        with pytest.raises(SubsidyRefusedError, match=r"from 4500\.00 to 6500\.00 DKK"):
            check_rent_band(Decimal(rent))

    def test_only_family_dwellings(self):
        check_housing_type("family")
        with pytest.raises(SubsidyRefusedError, match="youth"):
            check_housing_type("youth")


class TestFrame:
    def test_the_last_place_can_be_used(self):
        check_frame(6, 5)

    def test_a_full_frame_refuses(self):
        with pytest.raises(SubsidyRefusedError, match="frame of 6"):
            check_frame(6, 6)


class TestAddMonths:
    def test_the_31st_clamps_and_comes_back(self):
        assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
        assert add_months(date(2023, 1, 31), 2) == date(2023, 3, 31)
        assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)

    def test_across_the_year(self):
        assert add_months(date(2023, 11, 15), 3) == date(2024, 2, 15)


class TestSchedule:
    def test_108_months_full_for_48_then_tapered_over_60(self):
        months = schedule(date(2023, 5, 1), RATES)
        assert len(months) == MONTHS == 108
        assert {m.factor for m in months[:48]} == {Fraction(1)}
        assert [months[i].factor for i in (48, 60, 72, 84, 96)] == [
            Fraction(5, 6),
            Fraction(4, 6),
            Fraction(3, 6),
            Fraction(2, 6),
            Fraction(1, 6),
        ]
        assert months[47].period_start == date(2027, 4, 1)
        assert months[48].period_start == date(2027, 5, 1)
        assert months[-1].period_end == date(2032, 4, 30)

    def test_the_rate_of_the_year_each_period_starts_in(self):
        months = schedule(date(2023, 11, 1), RATES)
        assert [m.amount for m in months[:3]] == [
            Decimal("1400.00"),
            Decimal("1400.00"),
            Decimal("1440.00"),
        ]

    def test_a_year_without_a_rate_yet_is_paid_provisionally_at_the_latest(self):
        months = schedule(date(2025, 12, 1), RATES)
        assert (months[0].amount, months[0].provisional) == (Decimal("1470.00"), False)
        assert (months[1].amount, months[1].provisional) == (Decimal("1470.00"), True)

    def test_a_tapered_month_is_rounded_to_ore(self):
        months = schedule(date(2023, 1, 1), {2023: Decimal("1400.00")})
        assert months[48].amount == Decimal("1166.67")  # 1400 × 5/6

    def test_move_in_on_the_31st(self):
        months = schedule(date(2023, 1, 31), RATES)
        assert [(m.period_start, m.period_end) for m in months[:3]] == [
            (date(2023, 1, 31), date(2023, 2, 27)),
            (date(2023, 2, 28), date(2023, 3, 30)),
            (date(2023, 3, 31), date(2023, 4, 29)),
        ]

    def test_move_in_on_leap_day(self):
        months = schedule(date(2024, 2, 29), RATES)
        assert months[12].period_start == date(2025, 2, 28)
        assert months[13].period_start == date(2025, 3, 29)

    def test_move_out_mid_taper_ends_it_with_the_days_lived(self):
        # Month 50 runs 1–30 June 2027 at 5/6 of the 2025 rate (the latest known)
        months = schedule(date(2023, 5, 1), RATES, move_out=date(2027, 6, 16))
        assert len(months) == 50
        last = months[-1]
        assert (last.period_start, last.period_end) == (date(2027, 6, 1), date(2027, 6, 15))
        assert last.amount == Decimal("612.50")  # 1470 × 5/6 × 15/30

    def test_move_out_in_a_leap_february(self):
        months = schedule(date(2024, 1, 1), RATES, move_out=date(2024, 2, 15))
        assert months[-1].amount == Decimal("695.17")  # 1440 × 14/29

    def test_move_out_on_a_period_start_pays_nothing_for_it(self):
        months = schedule(date(2023, 5, 1), RATES, move_out=date(2023, 7, 1))
        assert [m.amount for m in months] == [Decimal("1400.00")] * 2

    def test_move_out_before_move_in_is_no_schedule(self):
        assert schedule(date(2023, 5, 1), RATES, move_out=date(2023, 5, 1)) == []

    @given(st.dates(date(2023, 1, 1), date(2030, 12, 31)))
    def test_periods_are_contiguous_and_the_full_total_is_fixed(self, move_in):
        months = schedule(move_in, {2023: Decimal("1400.00")})
        for a, b in itertools.pairwise(months):
            assert date.fromordinal(a.period_end.toordinal() + 1) == b.period_start
        # 48 × 1400 + 12 × 1400 × (5+4+3+2+1)/6 = 67,200 + 42,000, each month to øre
        assert total(months) == Decimal("109200.00") + sum(
            (m.amount - Decimal(1400) * m.factor.numerator / m.factor.denominator) for m in months
        ).quantize(Decimal("0.01"))
