from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import RuleViolationError
from grants.domain.deadlines import (
    Statement,
    case_age_days,
    check_commitment_period,
    last_sent_day_flagged,
    overdue_years,
    past_expected_processing,
    processing_deadline,
    review_due_from,
    statement_due,
    statement_years,
    status_due,
)


class TestCaseAge:
    def test_age_in_days_since_sent(self) -> None:
        assert case_age_days(date(2026, 1, 5), date(2026, 2, 4)) == 30

    def test_a_draft_has_no_age(self) -> None:
        assert case_age_days(None, date(2026, 2, 4)) is None

    def test_six_weeks_end_on_the_same_weekday(self) -> None:
        assert processing_deadline(date(2026, 1, 5)) == date(2026, 2, 16)

    def test_six_weeks_ending_on_a_holiday_move_to_the_next_working_day(self) -> None:
        # sent Monday 9 March 2026: 6 weeks is Easter Monday 6 April 2026 -> Tuesday 7 April
        assert processing_deadline(date(2026, 2, 23)) == date(2026, 4, 7)

    def test_flag_only_after_the_deadline_day(self) -> None:
        sent = date(2026, 1, 5)
        assert not past_expected_processing(sent, date(2026, 2, 16), True)
        assert past_expected_processing(sent, date(2026, 2, 17), True)

    def test_no_flag_once_the_fund_has_decided(self) -> None:
        assert not past_expected_processing(date(2026, 1, 5), date(2026, 6, 1), False)


class TestStatements:
    def test_due_six_months_after_year_end(self) -> None:
        assert statement_due(2026) == date(2027, 6, 30)  # a Wednesday

    def test_due_on_a_weekend_moves_to_monday(self) -> None:
        assert statement_due(2024) == date(2025, 6, 30)  # Monday
        assert statement_due(2025) == date(2026, 6, 30)  # Tuesday
        assert statement_due(2019) == date(2020, 6, 30)
        assert statement_due(2029) == date(2030, 7, 1)  # 30 June 2030 is a Sunday

    def test_one_statement_per_calendar_year_of_the_period(self) -> None:
        assert statement_years(2024, 2027) == [2024, 2025, 2026, 2027]

    def test_due_day_itself_is_in_time(self) -> None:
        statement = Statement(2025, date(2026, 6, 30))
        assert not statement.is_overdue(date(2026, 6, 30))
        assert statement.is_overdue(date(2026, 7, 1))

    def test_received_is_never_overdue(self) -> None:
        statement = Statement(2025, date(2026, 6, 30), received_on=date(2026, 8, 1))
        assert not statement.is_overdue(date(2027, 1, 1))

    def test_overdue_years(self) -> None:
        statements = [
            Statement(2024, date(2025, 6, 30)),
            Statement(2025, date(2026, 6, 30)),
            Statement(2023, date(2024, 7, 1), received_on=date(2024, 6, 1)),
        ]
        assert overdue_years(statements, date(2026, 7, 1)) == [2024, 2025]


class TestFlagCutoff:
    @given(today=st.dates(date(2020, 1, 1), date(2030, 12, 31)), back=st.integers(0, 120))
    def test_flagged_exactly_when_sent_on_or_before_the_cutoff(
        self, today: date, back: int
    ) -> None:
        sent = today - timedelta(days=back)
        assert past_expected_processing(sent, today, True) == (sent <= last_sent_day_flagged(today))

    def test_easter(self) -> None:
        # Sent 19-23 Feb 2026, the 6 weeks end in Easter (2 April Maundy Thursday to 6 April
        # Easter Monday) and move to Tuesday 7 April: on 7 April only cases sent by 18 Feb are
        # flagged, on 8 April those sent by 24 Feb (whose 6 weeks end on 7 April).
        assert last_sent_day_flagged(date(2026, 4, 7)) == date(2026, 2, 18)
        assert last_sent_day_flagged(date(2026, 4, 8)) == date(2026, 2, 24)


class TestYearlyStatusAndReview:
    @given(st.integers(2019, 2090))
    def test_the_status_is_due_with_the_statement(self, year: int) -> None:
        assert status_due(year) == statement_due(year)

    def test_the_status_deadline_moves_to_the_next_working_day(self) -> None:
        # 30 June 2029 is a Saturday
        assert status_due(2028) == date(2029, 7, 2)

    def test_a_missing_status_makes_the_year_overdue_when_tracked(self) -> None:
        due = date(2026, 6, 30)
        received = Statement(2025, due, received_on=date(2026, 6, 1), with_status=True)
        assert received.status_is_overdue(date(2026, 7, 1))
        assert not received.is_overdue(date(2026, 7, 1))
        assert overdue_years([received], date(2026, 7, 1)) == [2025]
        assert overdue_years([received], due) == []  # the day itself is in time
        both = Statement(2025, due, date(2026, 6, 1), date(2026, 6, 2), with_status=True)
        assert overdue_years([both], date(2027, 1, 1)) == []
        untracked = Statement(2025, due, received_on=date(2026, 6, 1))
        assert overdue_years([untracked], date(2026, 7, 1)) == []

    def test_the_review_is_due_from_the_first_statement_received(self) -> None:
        assert review_due_from([]) is None
        assert review_due_from([Statement(2024, date(2025, 6, 30))]) is None
        assert review_due_from(
            [
                Statement(2025, date(2026, 6, 30), received_on=date(2026, 5, 2)),
                Statement(2024, date(2025, 6, 30), received_on=date(2025, 9, 1)),
            ]
        ) == date(2025, 9, 1)


class TestCommitmentPeriod:
    @given(st.integers(2019, 2026), st.integers(0, 10), st.integers(0, 10))
    def test_a_period_from_the_frame_year_on_is_taken(self, frame, later, length):
        check_commitment_period(frame, frame + later, frame + later + length)

    @given(st.integers(2019, 2026), st.integers(1, 10), st.integers(0, 10))
    def test_a_period_starting_before_the_frame_year_is_refused(self, frame, earlier, length):
        with pytest.raises(RuleViolationError, match=f"before the case's frame year {frame}"):
            check_commitment_period(frame, frame - earlier, frame - earlier + length)

    def test_a_period_ending_before_it_starts_is_refused(self):
        with pytest.raises(RuleViolationError, match="ends"):
            check_commitment_period(2026, 2027, 2026)
