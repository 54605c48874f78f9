"""The municipality's rent liability: the rent in force on each day, until let or capped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from allocation.domain.liability import RentFrom, liability_end, rent_on, rent_owed

HISTORY = [
    RentFrom(date(2027, 1, 1), Decimal("6200.00")),
    RentFrom(date(2027, 3, 1), Decimal("6510.00")),
]


class TestRentOwed:
    def test_a_whole_month_costs_the_monthly_rent(self):
        assert rent_owed(HISTORY, date(2027, 2, 1), date(2027, 3, 1)) == Decimal("6200.00")

    def test_each_day_at_the_rent_in_force_that_day(self):
        # 27-28 February at 6200/28, 1-2 March at 6510/31
        expected = Decimal("6200") / 28 * 2 + Decimal("6510") / 31 * 2
        assert rent_owed(HISTORY, date(2027, 2, 27), date(2027, 3, 3)) == expected.quantize(
            Decimal("0.01")
        )
        assert rent_owed(HISTORY, date(2027, 2, 27), date(2027, 3, 3)) == Decimal(
            "862.86"
        )  # 442.857… + 420.00

    def test_a_leap_february_has_29_days(self):
        history = [RentFrom(date(2028, 1, 1), Decimal("5800.00"))]
        assert rent_owed(history, date(2028, 2, 1), date(2028, 3, 1)) == Decimal("5800.00")
        assert rent_owed(history, date(2028, 2, 29), date(2028, 3, 1)) == Decimal("200.00")

    def test_nothing_for_an_empty_period(self):
        assert rent_owed(HISTORY, date(2027, 2, 1), date(2027, 2, 1)) == Decimal("0.00")

    def test_no_rent_known_is_an_error_not_zero(self):
        with pytest.raises(ValueError, match="no rent is known"):
            rent_owed([], date(2027, 2, 1), date(2027, 2, 2))

    def test_the_rent_before_the_first_known_is_the_first_known(self):
        assert rent_on(HISTORY, date(2026, 12, 31)) is None
        assert rent_owed(HISTORY, date(2026, 12, 31), date(2027, 1, 1)) == Decimal("200.00")


class TestLiabilityEnd:
    def test_the_day_it_is_let(self):
        assert liability_end(date(2027, 3, 1), None) == date(2027, 3, 1)

    def test_never_beyond_when_a_notice_to_quit_would_take_effect(self):
        assert liability_end(date(2027, 5, 1), date(2027, 4, 1)) == date(2027, 4, 1)
        assert liability_end(date(2027, 3, 1), date(2027, 4, 1)) == date(2027, 3, 1)

    def test_open_while_not_let_and_uncapped(self):
        assert liability_end(None, None) is None
        assert liability_end(None, date(2027, 4, 1)) == date(2027, 4, 1)
