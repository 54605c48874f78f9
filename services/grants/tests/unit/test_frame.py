from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.errors import FrameExceededError, NoFrameError
from grants.domain.frame import YEARLY_FRAME, FrameUse, check_fits, ensure_frame_year

D = Decimal


def use(used: str = "0", reserved: str = "0") -> FrameUse:
    return FrameUse(2025, YEARLY_FRAME, D(used), D(reserved))


class TestFrame:
    def test_the_frame_is_380_million(self) -> None:
        assert D("380000000.00") == YEARLY_FRAME

    @pytest.mark.parametrize("year", [2019, 2026])
    def test_frame_years_are_2019_to_2026(self, year: int) -> None:
        ensure_frame_year(year)

    @pytest.mark.parametrize("year", [2018, 2027])
    def test_no_frame_outside_the_period(self, year: int) -> None:
        with pytest.raises(NoFrameError, match="2019–2026"):
            ensure_frame_year(year)

    def test_left_is_frame_minus_used_and_reserved(self) -> None:
        assert use("100000000.00", "30000000.00").left == D("250000000.00")

    def test_reservation_that_fills_the_frame_exactly_fits(self) -> None:
        after = check_fits(use("300000000.00"), reserve=D("80000000.00"), what="A reservation")
        assert after.left == 0

    def test_one_øre_over_is_refused_with_the_figures(self) -> None:
        with pytest.raises(FrameExceededError) as raised:
            check_fits(use("300000000.00"), reserve=D("80000000.01"), what="A reservation")
        assert "80.000.000,00" in raised.value.detail  # what is left

    def test_commitment_releases_the_cases_reservation(self) -> None:
        current = use("0.00", "380000000.00")
        after = check_fits(
            current, use=D("10000000.00"), release=D("10000000.00"), what="A commitment"
        )
        assert (after.used, after.reserved, after.left) == (D("10000000.00"), D("370000000.00"), 0)

    @given(
        used=st.decimals(0, 380000000, places=2),
        amount=st.decimals(D("0.01"), 400000000, places=2),
    )
    def test_never_over_committed(self, used: Decimal, amount: Decimal) -> None:
        try:
            after = check_fits(use(str(used)), use=amount, what="A commitment")
        except FrameExceededError:
            assert used + amount > YEARLY_FRAME
        else:
            assert after.used <= YEARLY_FRAME
