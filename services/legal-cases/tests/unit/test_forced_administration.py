"""Forced administration (§§ 26-31): each condition at its boundary."""

from datetime import date

import pytest

from legal_cases.domain.errors import ForcedAdministrationRejectedError
from legal_cases.domain.forced_administration import RequestedBy, check_forced_administration

TODAY = date(2027, 3, 1)
OK = {
    "today": TODAY,
    "requested_by": RequestedBy.TENANT_MAJORITY,
    "apartments": 6,
    "ordered_works_due": date(2027, 2, 28),
    "gi_works_on": (date(2025, 3, 1),),
    "gi_declined_on": None,
    "works_deadline": date(2029, 3, 1),
}


def codes(**changes):
    with pytest.raises(ForcedAdministrationRejectedError) as caught:
        check_forced_administration(**{**OK, **changes})
    return [e.code for e in caught.value.errors]


class TestForcedAdministration:
    def test_all_conditions_met(self):
        check_forced_administration(**OK)

    def test_the_works_deadline_must_have_passed(self):
        assert codes(ordered_works_due=TODAY) == ["deadline-not-passed"]

    def test_gi_works_once_within_two_years_boundary(self):
        assert codes(gi_works_on=(date(2025, 2, 28),)) == ["gi-condition"]
        check_forced_administration(**{**OK, "gi_works_on": (date(2020, 1, 1), date(2021, 1, 1))})

    def test_gi_declined_is_a_basis_and_its_notice_gives_eight_days(self):
        notice = {"requested_by": RequestedBy.GI_NOTICE, "gi_works_on": ()}
        check_forced_administration(**{**OK, **notice, "gi_declined_on": date(2027, 2, 21)})
        assert codes(**notice, gi_declined_on=date(2027, 2, 20)) == ["too-late"]
        assert codes(**notice, gi_declined_on=None) == ["gi-condition", "required"]

    def test_at_least_two_dwellings(self):
        assert codes(apartments=1) == ["too-few-dwellings"]

    def test_works_deadline_at_most_ten_years(self):
        check_forced_administration(**{**OK, "works_deadline": date(2037, 3, 1)})
        assert codes(works_deadline=date(2037, 3, 2)) == ["out-of-range"]
        assert codes(works_deadline=TODAY) == ["out-of-range"]
