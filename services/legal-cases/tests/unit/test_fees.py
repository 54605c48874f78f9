"""Fee indexation (§ 100) against a hand-computed table: amount = round(base × I(Y-1) / I(2020))."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legal_cases.domain.categories import CaseCategory, FeeKind
from legal_cases.domain.errors import AppealRejectedError, FeeIndexMissingError
from legal_cases.domain.fees import (
    BASE_AMOUNTS,
    MONTHLY_NET_PRICE_INDEX,
    NET_PRICE_INDEX,
    FeeTable,
    appeal_board_fee,
    fee_amount,
    index_factor,
    twelve_months_to_june,
)

# By hand from Statistics Denmark's monthly net price index (2015 = 100), the July–June averages
# I(2020) = 1245.2/12 = 103.7667, I(2021) = 104.225, I(2022) = 108.5583, I(2023) = 117.0583,
# I(2024) = 118.4083:
#   2022: 315 × 104.225/103.7667 = 316.39 → 316;   4016 × 1.004417 = 4033.74 → 4034
#   2023: 315 × 108.5583/103.7667 = 329.55 → 330;  6024 × 1.046177 = 6302.17 → 6302
#   2024: 315 × 117.0583/103.7667 = 355.35 → 355;   166 × 1.128092 = 187.26 → 187
#   2025: 315 × 118.4083/103.7667 = 359.45 → 359;   526 × 1.141101 = 600.22 → 600
HAND_COMPUTED = {
    2021: {"standard": 315, "rent_act_132_2": 526, "rent_act_19_3": 4016,
           "landlord_tenant_won": 6024, "appeal_board": 166},
    2022: {"standard": 316, "rent_act_132_2": 528, "rent_act_19_3": 4034,
           "landlord_tenant_won": 6051, "appeal_board": 167},
    2023: {"standard": 330, "rent_act_132_2": 550, "rent_act_19_3": 4201,
           "landlord_tenant_won": 6302, "appeal_board": 174},
    2024: {"standard": 355, "rent_act_132_2": 593, "rent_act_19_3": 4530,
           "landlord_tenant_won": 6796, "appeal_board": 187},
    2025: {"standard": 359, "rent_act_132_2": 600, "rent_act_19_3": 4583,
           "landlord_tenant_won": 6874, "appeal_board": 189},
}  # fmt: skip


class TestFeeIndexation:
    @pytest.mark.parametrize("year", sorted(HAND_COMPUTED))
    def test_each_fee_matches_the_hand_computed_table(self, year):
        got = {kind.value: fee_amount(kind, date(year, 6, 1)) for kind in FeeKind}
        assert got == {k: Decimal(v) for k, v in HAND_COMPUTED[year].items()}

    def test_the_fee_is_that_of_the_filing_date_new_year_is_a_new_amount(self):
        assert fee_amount(FeeKind.STANDARD, date(2023, 12, 31)) == Decimal("330")
        assert fee_amount(FeeKind.STANDARD, date(2024, 1, 1)) == Decimal("355")

    def test_2021_amounts_are_the_base_amounts(self):
        assert index_factor(2021) == 1
        assert {k: fee_amount(k, date(2021, 1, 1)) for k in FeeKind} == dict(BASE_AMOUNTS)

    def test_a_year_without_its_index_value_is_refused_not_guessed(self):
        with pytest.raises(FeeIndexMissingError, match="June 2025"):
            fee_amount(FeeKind.STANDARD, date(2026, 1, 2))

    def test_the_twelve_month_figure_is_july_to_june_of_the_published_months(self):
        assert NET_PRICE_INDEX[2021] == Decimal("104.225")
        assert twelve_months_to_june(2024, MONTHLY_NET_PRICE_INDEX) == Decimal("1420.9") / 12
        assert twelve_months_to_june(2025, MONTHLY_NET_PRICE_INDEX) is None

    def test_before_2021_there_is_no_amount(self):
        with pytest.raises(FeeIndexMissingError):
            fee_amount(FeeKind.STANDARD, date(2020, 12, 31))

    def test_the_category_names_its_filing_fee(self):
        assert CaseCategory.RENT_ACT_132_2.filing_fee is FeeKind.RENT_ACT_132_2
        assert CaseCategory.RENT_ACT_19_3.filing_fee is FeeKind.RENT_ACT_19_3
        assert CaseCategory.MAINTENANCE_DEFECTS.filing_fee is FeeKind.STANDARD

    def test_appeal_board_fee_is_per_apartment(self):
        assert appeal_board_fee(3, date(2024, 2, 1)) == Decimal("561")
        with pytest.raises(AppealRejectedError):
            appeal_board_fee(0, date(2024, 2, 1))

    @given(
        st.sampled_from(list(FeeKind)),
        st.dictionaries(
            st.integers(2021, 2030),
            st.decimals(min_value=50, max_value=300, places=1),
            min_size=0,
        ),
    )
    def test_amounts_are_whole_kroner_within_half_a_krone_of_the_exact_value(self, kind, extra):
        index = {2020: Decimal("100.0"), **extra}
        for year in sorted(extra):
            amount = fee_amount(kind, date(year + 1, 1, 1), index)
            exact = BASE_AMOUNTS[kind] * index[year] / index[2020]
            assert amount == amount.to_integral_value()
            assert abs(amount - exact) <= Decimal("0.5")


class TestProvisionalFees:
    """A deployment that must take 2026 cases before the July 2024 – June 2025 figure is in its
    table may carry the latest known figure forward; the fee is then marked provisional."""

    def test_by_default_a_missing_figure_is_refused(self):
        with pytest.raises(FeeIndexMissingError, match="June 2025"):
            FeeTable().quote(FeeKind.STANDARD, date(2026, 1, 2))

    def test_carried_forward_the_2026_fee_rests_on_the_figure_to_june_2024_and_is_provisional(
        self,
    ):
        quote = FeeTable(carry_forward=True).quote(FeeKind.STANDARD, date(2026, 1, 2))
        assert (quote.amount, quote.index_year, quote.provisional) == (Decimal("359"), 2024, True)
        assert quote.basis.startswith("Foreløbigt beløb: nettoprisindeks, gennemsnit juli 2023")

    def test_a_known_figure_is_never_provisional_even_when_carrying_forward_is_allowed(self):
        table = FeeTable(carry_forward=True)
        quote = table.quote(FeeKind.STANDARD, date(2025, 12, 31))
        assert (quote.amount, quote.index_year, quote.provisional) == (Decimal("359"), 2024, False)
        published = FeeTable({**NET_PRICE_INDEX, 2025: Decimal("120.9")}, carry_forward=True)
        quote = published.quote(FeeKind.STANDARD, date(2026, 1, 2))
        # 315 × 120.9 / 103.7667 = 367.02 → 367
        assert (quote.amount, quote.index_year, quote.provisional) == (Decimal("367"), 2025, False)

    def test_the_2021_level_and_earlier_years_are_unaffected(self):
        table = FeeTable(carry_forward=True)
        assert table.quote(FeeKind.STANDARD, date(2021, 5, 1)).amount == Decimal("315")
        with pytest.raises(FeeIndexMissingError):
            table.quote(FeeKind.STANDARD, date(2020, 12, 31))

    def test_the_appeal_board_quote_is_per_apartment(self):
        quote = FeeTable(carry_forward=True).quote(FeeKind.APPEAL_BOARD, date(2027, 3, 1), 2)
        assert (quote.amount, quote.index_year, quote.provisional) == (Decimal("378"), 2024, True)
        with pytest.raises(AppealRejectedError):
            FeeTable().quote(FeeKind.APPEAL_BOARD, date(2025, 3, 1), 0)
