"""§ 5 vacancy duty, § 52 invitation round deadlines, § 55(2) quarters."""

from __future__ import annotations

from datetime import date

import pytest

from allocation.domain.duty import (
    ReportStatus,
    age_days,
    check_decision,
    check_in_arrears,
    check_reportable,
    check_round_decidable,
    check_round_open,
    duty_arises,
    quarter_bounds,
)
from allocation.domain.errors import NoticeRuleError


class TestVacancyDuty:
    def test_the_duty_arises_after_more_than_six_weeks(self):
        assert duty_arises(date(2027, 1, 1)) == date(2027, 2, 13)

    def test_exactly_six_weeks_is_not_yet_reportable(self):
        with pytest.raises(NoticeRuleError, match="from 2027-02-13"):
            check_reportable(date(2027, 1, 1), date(2027, 2, 12))
        check_reportable(date(2027, 1, 1), date(2027, 2, 13))

    def test_not_from_the_future(self):
        with pytest.raises(NoticeRuleError, match="future"):
            check_reportable(date(2027, 3, 2), date(2027, 3, 1))

    def test_age(self):
        assert age_days(date(2027, 1, 1), date(2027, 3, 1)) == 59

    def test_a_decided_report_cannot_be_decided_again(self):
        with pytest.raises(NoticeRuleError, match="already decided"):
            check_decision(ReportStatus.ALLOCATED, None, date(2027, 3, 1))

    def test_a_further_deadline_lies_ahead(self):
        with pytest.raises(NoticeRuleError, match="after today"):
            check_decision(ReportStatus.REPORTED, date(2027, 3, 1), date(2027, 3, 1))
        check_decision(ReportStatus.REPORTED, date(2027, 3, 2), date(2027, 3, 1))


class TestInvitationRound:
    def test_offers_until_and_including_the_deadline(self):
        check_round_open(date(2027, 5, 3), date(2027, 5, 3))
        with pytest.raises(NoticeRuleError, match="no longer"):
            check_round_open(date(2027, 5, 3), date(2027, 5, 4))

    def test_decisions_only_after_the_deadline(self):
        with pytest.raises(NoticeRuleError, match="decide after"):
            check_round_decidable(date(2027, 5, 3), date(2027, 5, 3))
        check_round_decidable(date(2027, 5, 3), date(2027, 5, 4))


class TestQuarters:
    @pytest.mark.parametrize(
        ("quarter", "first", "last"),
        [
            (1, date(2028, 1, 1), date(2028, 3, 31)),
            (2, date(2028, 4, 1), date(2028, 6, 30)),
            (3, date(2028, 7, 1), date(2028, 9, 30)),
            (4, date(2028, 10, 1), date(2028, 12, 31)),
        ],
    )
    def test_bounds(self, quarter, first, last):
        assert quarter_bounds(2028, quarter) == (first, last)

    def test_no_fifth_quarter(self):
        with pytest.raises(NoticeRuleError, match="1–4"):
            quarter_bounds(2028, 5)

    def test_in_arrears_from_the_day_after_the_quarter(self):
        with pytest.raises(NoticeRuleError, match="in arrears"):
            check_in_arrears(2027, 1, date(2027, 3, 31))
        check_in_arrears(2027, 1, date(2027, 4, 1))
