"""§ 56: the 7-weekday answer deadline on the Danish calendar, the settlement, 6-year repeats."""

from __future__ import annotations

from datetime import date

import pytest

from allocation.domain.notices import (
    Answer,
    Settlement,
    answer_due,
    is_lapsed,
    repeat_period_end,
    repeats,
    settle,
)


class TestAnswerDeadline:
    def test_seven_weekdays_in_an_ordinary_week(self):
        # Monday 8 Nov 2027 → Wednesday 17 Nov 2027
        assert answer_due(date(2027, 11, 8)) == date(2027, 11, 17)

    def test_across_easter(self):
        # Received Monday 22 March 2027; 25, 26 and 29 March are skærtorsdag, langfredag and
        # 2. påskedag: 23, 24, 30, 31 March, 1, 2, 5 April.
        assert answer_due(date(2027, 3, 22)) == date(2027, 4, 5)

    def test_across_christmas_and_new_year(self):
        # Received Monday 21 Dec 2026; 24, 25 Dec, 31 Dec, 1 Jan closed: 22, 23, 28, 29, 30 Dec,
        # 4, 5 Jan.
        assert answer_due(date(2026, 12, 21)) == date(2027, 1, 5)

    def test_a_notice_received_on_a_saturday_counts_from_monday(self):
        assert answer_due(date(2027, 11, 6)) == date(2027, 11, 16)

    def test_the_due_day_itself_is_in_time(self):
        received = date(2027, 3, 22)
        assert not is_lapsed(received, date(2027, 4, 5))
        assert is_lapsed(received, date(2027, 4, 6))


class TestSettlement:
    DUE = date(2027, 4, 5)

    def test_accept_pays_rent_and_compensation_and_starts_repeats(self):
        outcome = settle(answer=Answer.ACCEPT, answered_on=self.DUE, due=self.DUE, is_repeat=False)
        assert outcome.settlement is Settlement.ACCEPTED
        assert outcome.pays_rent
        assert not outcome.rent_capped_by_notice
        assert outcome.compensation_due
        assert outcome.right_used

    def test_a_repeat_pays_no_new_compensation(self):
        outcome = settle(answer=Answer.ACCEPT, answered_on=self.DUE, due=self.DUE, is_repeat=True)
        assert outcome.pays_rent
        assert not outcome.compensation_due
        assert not outcome.repeat_right_ends

    def test_a_no_in_time_costs_nothing(self):
        outcome = settle(answer=Answer.DECLINE, answered_on=self.DUE, due=self.DUE, is_repeat=False)
        assert outcome.settlement is Settlement.DECLINED
        assert not outcome.pays_rent
        assert not outcome.compensation_due

    def test_a_late_no_still_pays_rent_capped_and_compensation(self):
        outcome = settle(
            answer=Answer.DECLINE, answered_on=date(2027, 4, 6), due=self.DUE, is_repeat=False
        )
        assert outcome.settlement is Settlement.DECLINED_LATE
        assert outcome.pays_rent
        assert outcome.rent_capped_by_notice
        assert outcome.compensation_due
        assert not outcome.right_used

    def test_silence_still_pays_rent_capped_and_compensation(self):
        outcome = settle(answer=None, answered_on=None, due=self.DUE, is_repeat=False)
        assert outcome.settlement is Settlement.LAPSED
        assert outcome.pays_rent
        assert outcome.rent_capped_by_notice
        assert outcome.compensation_due

    @pytest.mark.parametrize(
        ("answer", "answered_on"),
        [(Answer.DECLINE, date(2027, 4, 1)), (Answer.DECLINE, date(2027, 4, 9)), (None, None)],
    )
    def test_the_first_unused_repeat_ends_the_right(self, answer, answered_on):
        outcome = settle(answer=answer, answered_on=answered_on, due=self.DUE, is_repeat=True)
        assert outcome.repeat_right_ends
        assert not outcome.compensation_due


class TestSixYearRepeats:
    def test_the_period_is_six_years_to_the_day_before(self):
        assert repeat_period_end(date(2027, 3, 1)) == date(2033, 2, 28)
        assert repeats(date(2027, 3, 1), date(2033, 2, 28))
        assert not repeats(date(2027, 3, 1), date(2033, 3, 1))

    def test_a_start_on_29_february(self):
        assert repeat_period_end(date(2028, 2, 29)) == date(2034, 2, 27)

    def test_not_before_the_agreement(self):
        assert not repeats(date(2027, 3, 1), date(2027, 2, 28))


class TestEquivalentApartment:
    def test_only_for_a_live_repeat_right(self):
        from allocation.domain.errors import NoticeRuleError
        from allocation.domain.notices import check_substitute

        with pytest.raises(NoticeRuleError, match="repeats"):
            check_substitute(
                right_live=False,
                vacant_from=date(2029, 5, 1),
                substitute_available_from=date(2029, 5, 1),
            )

    def test_it_may_not_delay_the_allocation(self):
        from allocation.domain.errors import NoticeRuleError
        from allocation.domain.notices import check_substitute

        check_substitute(
            right_live=True,
            vacant_from=date(2029, 5, 1),
            substitute_available_from=date(2029, 5, 1),
        )
        with pytest.raises(NoticeRuleError, match="delay"):
            check_substitute(
                right_live=True,
                vacant_from=date(2029, 5, 1),
                substitute_available_from=date(2029, 5, 2),
            )


class TestReminder:
    def test_on_the_last_working_day_before_the_deadline(self):
        from allocation.domain.notices import reminder_due

        due = date(2027, 4, 5)  # Monday after Easter week
        assert not reminder_due(due, date(2027, 4, 1))
        assert reminder_due(due, date(2027, 4, 2))  # Friday
        assert reminder_due(due, date(2027, 4, 5))  # still, if the worker was down
        assert not reminder_due(due, date(2027, 4, 6))

    def test_across_christmas(self):
        from allocation.domain.notices import reminder_due

        due = date(2027, 1, 5)
        assert reminder_due(due, date(2027, 1, 4))
        assert not reminder_due(due, date(2026, 12, 31))
