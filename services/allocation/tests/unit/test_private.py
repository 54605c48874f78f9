"""Private rentals, chapter 7: the 2–25 % bounds, every fourth, 20 % one-off, 30,000 refund cap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation.domain.errors import AgreementRuleError
from allocation.domain.private import (
    PrivateKind,
    PrivateTerms,
    is_every_nth_turn,
    one_off_refund,
    per_use_refund,
    refund_cap,
    refund_eligible,
)

SIGNED = date(2027, 3, 1)


def specific(n: int, apartments: int = 20, **kw) -> PrivateTerms:
    return PrivateTerms(
        kind=PrivateKind.SPECIFIC,
        apartments_in_property=apartments,
        price_per_right=kw.pop("price", Decimal("50000.00")),
        one_off=kw.pop("one_off", Decimal("0.00")),
        signed_on=SIGNED,
        specific_apartments=frozenset(f"a-{i}" for i in range(n)),
        **kw,
    )


def every_nth(frequency: Fraction = Fraction(1, 4), apartments: int = 20, **kw) -> PrivateTerms:
    return PrivateTerms(
        kind=PrivateKind.EVERY_NTH,
        apartments_in_property=apartments,
        price_per_right=kw.pop("price", Decimal("40000.00")),
        one_off=kw.pop("one_off", Decimal("0.00")),
        signed_on=SIGNED,
        frequency=frequency,
        **kw,
    )


class TestSpecificApartments:
    def test_at_least_two_apartments(self):
        with pytest.raises(AgreementRuleError, match="at least 2"):
            specific(1)
        assert specific(2).rights == 2

    def test_at_most_25_percent_of_the_property(self):
        assert specific(5, apartments=20).rights == 5
        with pytest.raises(AgreementRuleError, match="at most 25 %"):
            specific(6, apartments=20)

    def test_25_percent_rounds_down_for_odd_properties(self):
        assert specific(2, apartments=9).rights == 2  # 2 ≤ 2.25
        with pytest.raises(AgreementRuleError):
            specific(3, apartments=11)  # 3 > 2.75

    def test_a_property_of_seven_cannot_take_a_specific_agreement(self):
        with pytest.raises(AgreementRuleError):
            specific(2, apartments=7)  # 2 > 1.75


class TestEveryNth:
    def test_at_most_every_fourth(self):
        with pytest.raises(AgreementRuleError, match="every fourth"):
            every_nth(Fraction(1, 3))
        assert every_nth(Fraction(1, 4)).rights == 5

    def test_uses_are_capped_at_the_agreed_share_of_apartments(self):
        assert every_nth(Fraction(1, 5), apartments=23).rights == 4

    def test_a_share_without_a_whole_right_is_refused(self):
        with pytest.raises(AgreementRuleError, match="no whole allocation right"):
            every_nth(Fraction(1, 4), apartments=3)

    def test_the_first_vacancy_and_then_every_fourth_is_the_municipalitys(self):
        assert [n for n in range(1, 14) if is_every_nth_turn(Fraction(1, 4), n)] == [1, 5, 9, 13]


class TestCompensation:
    def test_compensation_is_apartments_times_frequency_times_price(self):
        terms = every_nth(Fraction(1, 4), apartments=20, price=Decimal("40000.00"))
        assert terms.compensation == Decimal("200000.00")

    def test_one_off_at_most_20_percent(self):
        ok = every_nth(one_off=Decimal("40000.00"))
        assert ok.per_use == Decimal("32000.00")  # (200,000 − 40,000) / 5
        with pytest.raises(AgreementRuleError, match="at most 20 %"):
            every_nth(one_off=Decimal("40000.01"))

    @given(st.integers(2, 5), st.integers(1, 10_000_000))
    def test_one_off_plus_uses_is_the_compensation(self, n, ore):
        terms = specific(n, price=Decimal(ore) / 100 + 1, one_off=Decimal(0))
        assert terms.per_use * terms.rights == terms.compensation


class TestStateRefund:
    def test_no_refund_without_a_prior_promise(self):
        assert refund_cap(specific(4)) == Decimal("0.00")
        late = specific(4, refund_promised_on=date(2027, 3, 2))
        assert not refund_eligible(late)
        assert refund_cap(late) == Decimal("0.00")

    def test_a_promise_on_the_signing_day_counts(self):
        assert refund_eligible(specific(4, refund_promised_on=SIGNED))

    def test_at_most_30000_per_apartment_at_disposal(self):
        terms = specific(4, refund_promised_on=date(2027, 2, 1))
        assert refund_cap(terms) == Decimal("120000.00")

    def test_the_one_off_refund_needs_proof_of_registration(self):
        terms = specific(
            4,
            price=Decimal("50000.00"),
            one_off=Decimal("40000.00"),
            refund_promised_on=date(2027, 2, 1),
        )
        assert one_off_refund(terms) == Decimal("0.00")
        registered = specific(
            4,
            price=Decimal("50000.00"),
            one_off=Decimal("40000.00"),
            refund_promised_on=date(2027, 2, 1),
            registered_on=date(2027, 3, 10),
        )
        # 40,000 of 200,000 = 20 % of the 120,000 cap
        assert one_off_refund(registered) == Decimal("24000.00")
        # the rest of the cap over 4 uses: 96,000 / 4, below the per-use payment of 40,000
        assert per_use_refund(registered) == Decimal("24000.00")

    def test_the_refund_never_exceeds_what_was_paid(self):
        cheap = specific(
            2,
            apartments=8,
            price=Decimal("10000.00"),
            one_off=Decimal("2000.00"),
            refund_promised_on=SIGNED,
            registered_on=SIGNED,
        )
        # cap 60,000 × 10 % = 6,000 > the 2,000 paid: the refund is what was paid
        assert one_off_refund(cheap) == Decimal("2000.00")
        assert per_use_refund(cheap) == Decimal("9000.00")

    def test_registration_cannot_precede_signing(self):
        with pytest.raises(AgreementRuleError, match="registered before"):
            specific(2, registered_on=date(2027, 2, 28))
