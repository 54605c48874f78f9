from datetime import date

from grants.domain.deadlines import (
    Statement,
    case_age_days,
    overdue_years,
    past_expected_processing,
    processing_deadline,
    statement_due,
    statement_years,
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
