"""The municipal allocation right to social housing: which vacancy is the municipality's."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation.domain.errors import AgreementRuleError
from allocation.domain.quota import (
    AgreementKind,
    AgreementTerms,
    CountedHousingType,
    decide_vacancy,
    is_municipal_turn,
    municipal_numbers,
    parse_share,
)

FAMILY = CountedHousingType.FAMILY


def quota(share: str = "1/4", **kw) -> AgreementTerms:
    return AgreementTerms(
        kind=AgreementKind.QUOTA,
        housing_type=kw.pop("housing_type", FAMILY),
        valid_from=kw.pop("valid_from", date(2027, 1, 1)),
        share=parse_share(share),
        **kw,
    )


class TestQuotaCounting:
    def test_every_fourth_vacancy_is_the_municipalitys(self):
        assert municipal_numbers(Fraction(1, 4), 13) == [4, 8, 12]

    def test_a_third_by_agreement(self):
        assert municipal_numbers(Fraction(1, 3), 10) == [3, 6, 9]

    def test_two_fifths_spreads_the_turns(self):
        assert municipal_numbers(Fraction(2, 5), 10) == [3, 5, 8, 10]

    def test_all_vacancies_under_a_share_of_one(self):
        assert municipal_numbers(Fraction(1, 1), 3) == [1, 2, 3]

    @given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 400))
    def test_the_municipality_gets_exactly_its_share_of_any_prefix(self, p, q, n):
        share = Fraction(min(p, q), q)
        assert len(municipal_numbers(share, n)) == (n * share.numerator) // share.denominator

    def test_vacancies_are_numbered_from_one(self):
        with pytest.raises(ValueError, match="numbered from 1"):
            is_municipal_turn(Fraction(1, 4), 0)


class TestDecideVacancy:
    def test_the_fourth_counted_family_vacancy_opens_an_offer(self):
        decision = decide_vacancy(
            quota(), 3, dwelling_id="d", housing_type="family", vacant_from=date(2027, 2, 1)
        )
        assert (decision.counted, decision.number, decision.municipal) == (True, 4, True)

    def test_the_third_is_counted_but_not_the_municipalitys(self):
        decision = decide_vacancy(
            quota(), 2, dwelling_id="d", housing_type="family", vacant_from=date(2027, 2, 1)
        )
        assert (decision.counted, decision.number, decision.municipal) == (True, 3, False)

    def test_another_housing_type_is_not_counted(self):
        decision = decide_vacancy(
            quota(), 3, dwelling_id="d", housing_type="elderly", vacant_from=date(2027, 2, 1)
        )
        assert not decision.counted
        assert not decision.municipal

    def test_a_youth_agreement_counts_youth_dwellings(self):
        terms = quota(housing_type=CountedHousingType.YOUTH)
        decision = decide_vacancy(
            terms, 3, dwelling_id="d", housing_type="youth", vacant_from=date(2027, 2, 1)
        )
        assert decision.municipal

    @pytest.mark.parametrize(
        ("day", "counted"),
        [
            (date(2026, 12, 31), False),
            (date(2027, 1, 1), True),
            (date(2027, 12, 31), True),
            (date(2028, 1, 1), False),
        ],
    )
    def test_only_vacancies_within_the_validity_dates_count(self, day, counted):
        terms = quota(valid_to=date(2027, 12, 31))
        decision = decide_vacancy(terms, 0, dwelling_id="d", housing_type="family", vacant_from=day)
        assert decision.counted is counted

    def test_a_listed_dwelling_goes_to_the_municipality_every_time(self):
        terms = AgreementTerms(
            kind=AgreementKind.LISTED,
            housing_type=FAMILY,
            valid_from=date(2027, 1, 1),
            dwelling_ids=frozenset({"d-1", "d-2"}),
        )
        hit = decide_vacancy(
            terms, 7, dwelling_id="d-2", housing_type="family", vacant_from=date(2027, 5, 1)
        )
        miss = decide_vacancy(
            terms, 7, dwelling_id="d-3", housing_type="family", vacant_from=date(2027, 5, 1)
        )
        assert (hit.municipal, hit.number) == (True, None)
        assert not miss.municipal
        assert not miss.counted


class TestAgreementTerms:
    def test_more_than_every_fourth_needs_the_organisations_consent(self):
        with pytest.raises(AgreementRuleError, match="organisation's agreement"):
            quota("1/3")
        assert quota("1/3", organisation_consent=True).share == Fraction(1, 3)

    def test_exactly_one_fourth_is_the_statutory_right(self):
        assert quota("1/4").share == Fraction(1, 4)

    @pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "1:4", "a/b", "1/", "-1/4"])
    def test_shares_that_are_no_share_are_refused(self, text):
        with pytest.raises(AgreementRuleError):
            parse_share(text)

    def test_an_agreement_cannot_end_before_it_starts(self):
        with pytest.raises(AgreementRuleError, match="before it starts"):
            quota(valid_to=date(2026, 12, 31))

    def test_a_listed_agreement_needs_dwellings(self):
        with pytest.raises(AgreementRuleError, match="at least one dwelling"):
            AgreementTerms(
                kind=AgreementKind.LISTED, housing_type=FAMILY, valid_from=date(2027, 1, 1)
            )
