"""Fee indexation (§ 100) against a hand-computed table: amount = round(base × I(Y-1) / I(2020))."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legal_cases.domain.categories import CaseCategory, FeeKind
from legal_cases.domain.errors import AppealRejectedError, FeeIndexMissingError
from legal_cases.domain.fees import BASE_AMOUNTS, appeal_board_fee, fee_amount, index_factor

# By hand, with I(2020)=102.4, I(2021)=103.5, I(2022)=107.9, I(2023)=115.6, I(2024)=117.6,
# I(2025)=119.6, I(2026)=121.9:
#   2022: 315 × 103.5/102.4 = 318.38 → 318;   4016 × 1.010742 = 4059.14 → 4059
#   2023: 315 × 107.9/102.4 = 331.92 → 332;   6024 × 1.053711 = 6347.55 → 6348
#   2024: 315 × 115.6/102.4 = 355.61 → 356;    166 × 1.128906 = 187.40 → 187
#   2027: 315 × 121.9/102.4 = 374.99 → 375;    526 × 1.190430 = 626.17 → 626
HAND_COMPUTED = {
    2021: {"standard": 315, "rent_act_132_2": 526, "rent_act_19_3": 4016,
           "landlord_tenant_won": 6024, "appeal_board": 166},
    2022: {"standard": 318, "rent_act_132_2": 532, "rent_act_19_3": 4059,
           "landlord_tenant_won": 6089, "appeal_board": 168},
    2023: {"standard": 332, "rent_act_132_2": 554, "rent_act_19_3": 4232,
           "landlord_tenant_won": 6348, "appeal_board": 175},
    2024: {"standard": 356, "rent_act_132_2": 594, "rent_act_19_3": 4534,
           "landlord_tenant_won": 6801, "appeal_board": 187},
    2027: {"standard": 375, "rent_act_132_2": 626, "rent_act_19_3": 4781,
           "landlord_tenant_won": 7171, "appeal_board": 198},
}  # fmt: skip


class TestFeeIndexation:
    @pytest.mark.parametrize("year", sorted(HAND_COMPUTED))
    def test_each_fee_matches_the_hand_computed_table(self, year):
        got = {kind.value: fee_amount(kind, date(year, 6, 1)) for kind in FeeKind}
        assert got == {k: Decimal(v) for k, v in HAND_COMPUTED[year].items()}

    def test_the_fee_is_that_of_the_filing_date_new_year_is_a_new_amount(self):
        assert fee_amount(FeeKind.STANDARD, date(2023, 12, 31)) == Decimal("332")
        assert fee_amount(FeeKind.STANDARD, date(2024, 1, 1)) == Decimal("356")

    def test_2021_amounts_are_the_base_amounts(self):
        assert index_factor(2021) == 1
        assert {k: fee_amount(k, date(2021, 1, 1)) for k in FeeKind} == dict(BASE_AMOUNTS)

    def test_a_year_without_its_index_value_is_refused_not_guessed(self):
        with pytest.raises(FeeIndexMissingError, match="June 2027"):
            fee_amount(FeeKind.STANDARD, date(2028, 1, 3))

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
