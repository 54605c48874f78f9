"""Deadlines at their boundaries, on the Danish calendar."""

from datetime import date

import pytest

from common.calendar import Suspension
from legal_cases.domain.deadlines import (
    appeal_due,
    check_appeal,
    check_inspection_notice,
    check_meeting_notice,
    decision_due,
    effective_due,
    extended_due,
    housing_court_right,
    late_appeal_limit,
    notify_counterpart_due,
    question_due,
    reminder_due,
    reply_due,
)
from legal_cases.domain.errors import DeadlineRuleError


class TestNotifyCounterpart:
    def test_filed_the_friday_a_week_before_good_friday_moves_past_easter(self):
        # 19 March 2027 + 1 week = Langfredag 26 March; Sat, Sun, Easter Monday closed.
        assert notify_counterpart_due(date(2027, 3, 19)) == date(2027, 3, 30)

    def test_filed_on_good_friday_itself_runs_to_the_next_friday(self):
        assert notify_counterpart_due(date(2027, 3, 26)) == date(2027, 4, 2)

    def test_filed_on_maundy_thursday_lands_on_the_thursday_after_easter(self):
        assert notify_counterpart_due(date(2027, 3, 25)) == date(2027, 4, 1)

    def test_an_ordinary_week_is_the_same_weekday(self):
        assert notify_counterpart_due(date(2026, 11, 2)) == date(2026, 11, 9)


class TestReply:
    def test_two_weeks_from_notification(self):
        assert reply_due(date(2026, 11, 2)) == date(2026, 11, 16)

    def test_ending_on_christmas_eve_moves_past_christmas(self):
        # 10 Dec 2026 + 2 weeks = Thursday 24 Dec (closed), 25-27 closed, Monday 28 Dec.
        assert reply_due(date(2026, 12, 10)) == date(2026, 12, 28)

    def test_an_extension_needs_a_reason(self):
        with pytest.raises(DeadlineRuleError, match="special circumstances"):
            extended_due(date(2026, 11, 16), date(2026, 11, 30), "  ")

    def test_an_extension_must_move_the_deadline_later(self):
        with pytest.raises(DeadlineRuleError, match="later than 2026-11-16"):
            extended_due(date(2026, 11, 16), date(2026, 11, 16), "ferie")
        assert extended_due(date(2026, 11, 16), date(2026, 11, 17), "ferie") == date(2026, 11, 17)


class TestQuestion:
    def test_default_is_two_weeks(self):
        assert question_due(date(2026, 11, 2), None, None) == date(2026, 11, 16)

    def test_exactly_two_weeks_needs_no_reason(self):
        assert question_due(date(2026, 11, 2), date(2026, 11, 16), None) == date(2026, 11, 16)

    def test_a_day_beyond_two_weeks_needs_a_reason(self):
        with pytest.raises(DeadlineRuleError, match="§ 83"):
            question_due(date(2026, 11, 2), date(2026, 11, 17), None)
        assert question_due(date(2026, 11, 2), date(2026, 11, 17), "udlandsophold") == date(
            2026, 11, 17
        )

    def test_a_deadline_on_the_day_asked_is_refused(self):
        with pytest.raises(DeadlineRuleError):
            question_due(date(2026, 11, 2), date(2026, 11, 2), None)


class TestInspectionNotice:
    def test_exactly_one_week_is_enough(self):
        check_inspection_notice(date(2026, 11, 2), date(2026, 11, 9))

    def test_six_days_is_too_short(self):
        with pytest.raises(DeadlineRuleError, match="2026-11-09"):
            check_inspection_notice(date(2026, 11, 2), date(2026, 11, 8))

    def test_a_meeting_cannot_precede_its_summons(self):
        with pytest.raises(DeadlineRuleError):
            check_meeting_notice(date(2026, 11, 2), date(2026, 11, 1))
        check_meeting_notice(date(2026, 11, 2), date(2026, 11, 2))


class TestDecisionAndAppeal:
    def test_decision_four_weeks_from_the_trigger(self):
        assert decision_due(date(2026, 11, 16)) == date(2026, 12, 14)

    def test_decision_due_on_new_years_eve_moves_to_january(self):
        # 3 Dec 2026 + 4 weeks = Thursday 31 Dec (closed), 1 Jan closed → Monday 4 Jan 2027.
        assert decision_due(date(2026, 12, 3)) == date(2027, 1, 4)

    def test_appeal_four_weeks_from_notification(self):
        assert appeal_due(date(2026, 12, 14)) == date(2027, 1, 11)

    def test_late_appeal_limit_is_one_year_and_handles_leap_day(self):
        assert late_appeal_limit(date(2026, 12, 14)) == date(2027, 12, 14)
        assert late_appeal_limit(date(2028, 2, 29)) == date(2029, 2, 28)


class TestSuspension:
    def test_a_suspended_deadline_has_no_due_date(self):
        s = (Suspension(date(2026, 11, 9)),)
        assert effective_due(date(2026, 11, 16), date(2026, 11, 2), s, date(2026, 11, 10)) is None

    def test_resuming_adds_the_working_days_suspended(self):
        # Suspended Mon 9 - resumed Mon 16 Nov: 5 working days → due 16 Nov becomes 23 Nov.
        s = (Suspension(date(2026, 11, 9), date(2026, 11, 16)),)
        assert effective_due(date(2026, 11, 16), date(2026, 11, 2), s, date(2026, 11, 16)) == date(
            2026, 11, 23
        )

    def test_a_suspension_before_the_deadline_opened_does_not_move_it(self):
        s = (Suspension(date(2026, 10, 1), date(2026, 10, 15)),)
        assert effective_due(date(2026, 11, 16), date(2026, 11, 2), s, date(2026, 11, 3)) == date(
            2026, 11, 16
        )

    def test_a_suspension_over_easter_counts_only_working_days(self):
        # Suspended Thu 25 Mar - resumed Tue 30 Mar 2027: Maundy Thursday, Good Friday and
        # Easter Monday are closed → 0 working days; the deadline does not move.
        s = (Suspension(date(2027, 3, 25), date(2027, 3, 30)),)
        assert effective_due(date(2027, 4, 6), date(2027, 3, 23), s, date(2027, 3, 30)) == date(
            2027, 4, 6
        )


class TestHousingCourtRight:
    def test_the_day_after_the_missed_deadline_the_right_arises(self):
        assert housing_court_right(date(2026, 12, 14), date(2026, 12, 15), decided=False)

    def test_on_the_due_day_the_tribunal_is_still_in_time(self):
        assert not housing_court_right(date(2026, 12, 14), date(2026, 12, 14), decided=False)

    def test_a_decided_or_paused_case_gives_no_right(self):
        assert not housing_court_right(date(2026, 12, 14), date(2027, 1, 1), decided=True)
        assert not housing_court_right(None, date(2027, 1, 1), decided=False)


class TestAppealWindow:
    def test_on_the_last_day_in_time_the_day_after_only_with_permission(self):
        check_appeal(
            date(2027, 1, 11), date(2027, 1, 11), date(2026, 12, 14), late_permission=False
        )
        with pytest.raises(DeadlineRuleError, match="permission"):
            check_appeal(
                date(2027, 1, 12), date(2027, 1, 11), date(2026, 12, 14), late_permission=False
            )
        check_appeal(date(2027, 1, 12), date(2027, 1, 11), date(2026, 12, 14), late_permission=True)

    def test_permission_only_within_a_year_of_the_decision(self):
        check_appeal(
            date(2027, 12, 14), date(2027, 1, 11), date(2026, 12, 14), late_permission=True
        )
        with pytest.raises(DeadlineRuleError, match="1 year"):
            check_appeal(
                date(2027, 12, 15), date(2027, 1, 11), date(2026, 12, 14), late_permission=True
            )


class TestReminder:
    def test_three_working_days_ahead_and_not_before(self):
        # reply due Tue 17 Nov 2026: Thu 12 → Fri 13, Mon 16, Tue 17 is 3 working days
        assert reminder_due(date(2026, 11, 12), date(2026, 11, 17))
        assert not reminder_due(date(2026, 11, 11), date(2026, 11, 17))
        assert reminder_due(date(2026, 11, 17), date(2026, 11, 17))  # the due day itself

    def test_a_passed_or_paused_deadline_is_not_reminded(self):
        assert not reminder_due(date(2026, 11, 18), date(2026, 11, 17))
        assert not reminder_due(date(2026, 11, 12), None)
