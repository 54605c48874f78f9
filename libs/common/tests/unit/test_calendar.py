"""Specification of Danish working days and deadlines (common.calendar).

Calendar 2026 used below: 1 Jan is a Thursday; Easter: Skærtorsdag Thu 2 Apr, Langfredag
Fri 3 Apr, Påskedag Sun 5 Apr, 2. påskedag Mon 6 Apr; Kristi himmelfartsdag Thu 14 May;
2. pinsedag Mon 25 May; Grundlovsdag Fri 5 Jun; 24 Dec is a Thursday, 1 Jan 2027 a Friday.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.calendar import (
    DueDate,
    Suspension,
    add_weeks,
    add_working_days,
    closed_day_name,
    closed_days,
    is_working_day,
    next_working_day,
    previous_working_day,
    this_or_next_working_day,
    working_days_between,
)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


class TestIsWorkingDay:
    def test_an_ordinary_weekday_is_a_working_day(self) -> None:
        assert is_working_day(date(2026, 3, 10))  # Tuesday

    def test_saturday_and_sunday_are_not_working_days(self) -> None:
        assert not is_working_day(date(2026, 3, 14))
        assert not is_working_day(date(2026, 3, 15))

    @pytest.mark.parametrize(
        ("day", "name"),
        [
            (date(2026, 1, 1), "Nytårsdag"),
            (date(2026, 4, 2), "Skærtorsdag"),
            (date(2026, 4, 3), "Langfredag"),
            (date(2026, 4, 6), "Anden påskedag"),
            (date(2026, 5, 14), "Kristi himmelfartsdag"),
            (date(2026, 5, 25), "Anden pinsedag"),
            (date(2026, 12, 25), "Juledag"),
        ],
    )
    def test_public_holidays_on_weekdays_are_not_working_days(self, day: date, name: str) -> None:
        assert day.weekday() < 5
        assert not is_working_day(day)
        assert closed_day_name(day) == name

    def test_grundlovsdag_is_not_a_working_day(self) -> None:
        assert not is_working_day(date(2026, 6, 5))  # Friday
        assert closed_day_name(date(2026, 6, 5)) == "Grundlovsdag"

    def test_christmas_eve_and_new_years_eve_are_not_working_days(self) -> None:
        assert not is_working_day(date(2026, 12, 24))  # Thursday
        assert not is_working_day(date(2026, 12, 31))  # Thursday
        assert closed_day_name(date(2026, 12, 24)) == "Juleaftensdag"
        assert closed_day_name(date(2026, 12, 31)) == "Nytårsaftensdag"

    def test_store_bededag_2023_was_not_a_working_day(self) -> None:
        assert not is_working_day(date(2023, 5, 5))
        assert closed_day_name(date(2023, 5, 5)) == "Store bededag"

    def test_store_bededag_2024_is_a_working_day(self) -> None:
        # Abolished from 2024; it would have been Friday 26 April 2024 (Easter + 26 days).
        assert is_working_day(date(2024, 4, 26))

    def test_store_bededag_2026_is_a_working_day(self) -> None:
        # It would have been Friday 1 May 2026 (Easter 5 April + 26 days).
        assert is_working_day(date(2026, 5, 1))
        assert closed_day_name(date(2026, 5, 1)) is None

    def test_first_of_may_is_a_working_day(self) -> None:
        # Arbejdernes kampdag is not a public holiday and offices are open.
        assert is_working_day(date(2025, 5, 1))  # Thursday

    def test_friday_after_kristi_himmelfartsdag_is_a_working_day(self) -> None:
        assert is_working_day(date(2026, 5, 15))


class TestClosedDays:
    def test_all_closing_days_of_2026(self) -> None:
        assert set(closed_days(2026)) == {
            date(2026, 1, 1),
            date(2026, 4, 2),
            date(2026, 4, 3),
            date(2026, 4, 5),
            date(2026, 4, 6),
            date(2026, 5, 14),
            date(2026, 5, 24),
            date(2026, 5, 25),
            date(2026, 6, 5),
            date(2026, 12, 24),
            date(2026, 12, 25),
            date(2026, 12, 26),
            date(2026, 12, 31),
        }

    def test_lookup_is_cached_per_year(self) -> None:
        assert closed_days(2026) is closed_days(2026)

    def test_lookup_is_read_only(self) -> None:
        with pytest.raises(TypeError):
            cast(Any, closed_days(2026))[date(2026, 3, 10)] = "Min fridag"

    def test_a_weekend_day_has_no_closing_name(self) -> None:
        assert closed_day_name(date(2026, 3, 14)) is None


class TestNextAndPreviousWorkingDay:
    def test_next_working_day_after_friday_is_monday(self) -> None:
        assert next_working_day(date(2026, 3, 13)) == date(2026, 3, 16)

    def test_next_working_day_is_strictly_after(self) -> None:
        assert next_working_day(date(2026, 3, 10)) == date(2026, 3, 11)

    def test_next_working_day_after_new_years_eve_2026_is_4_january_2027(self) -> None:
        # Thu 31 Dec closed, Fri 1 Jan closed, weekend 2-3 Jan.
        assert next_working_day(date(2026, 12, 30)) == date(2027, 1, 4)

    def test_previous_working_day_before_monday_after_easter_break(self) -> None:
        # Tue 7 Apr -> back over 6 (2. påskedag), 5, 4, 3 (Langfredag), 2 (Skærtorsdag).
        assert previous_working_day(date(2026, 4, 7)) == date(2026, 4, 1)

    def test_this_or_next_working_day_keeps_a_working_day(self) -> None:
        assert this_or_next_working_day(date(2026, 3, 10)) == date(2026, 3, 10)

    def test_this_or_next_working_day_moves_a_holiday(self) -> None:
        assert this_or_next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)


class TestAddWorkingDays:
    def test_one_working_day_after_a_tuesday_is_wednesday(self) -> None:
        assert add_working_days(date(2026, 3, 10), 1) == date(2026, 3, 11)

    def test_skips_weekends(self) -> None:
        # Fri 13 Mar + 3: Mon 16 (1), Tue 17 (2), Wed 18 (3).
        assert add_working_days(date(2026, 3, 13), 3) == date(2026, 3, 18)

    def test_from_a_saturday_the_first_working_day_is_monday(self) -> None:
        assert add_working_days(date(2026, 3, 14), 1) == date(2026, 3, 16)

    def test_seven_working_days_across_easter_2026(self) -> None:
        # Tue 31 Mar + 7: Wed 1 Apr (1); Thu 2 Skærtorsdag, Fri 3 Langfredag, Sat 4,
        # Sun 5 Påskedag, Mon 6 2. påskedag are skipped; Tue 7 (2), Wed 8 (3), Thu 9 (4),
        # Fri 10 (5), Mon 13 (6), Tue 14 (7).
        assert add_working_days(date(2026, 3, 31), 7) == date(2026, 4, 14)

    def test_across_christmas(self) -> None:
        # Tue 22 Dec 2026 + 5: Wed 23 (1); Thu 24, Fri 25, Sat 26, Sun 27 skipped;
        # Mon 28 (2), Tue 29 (3), Wed 30 (4); Thu 31 Dec, Fri 1 Jan, weekend skipped;
        # Mon 4 Jan 2027 (5).
        assert add_working_days(date(2026, 12, 22), 5) == date(2027, 1, 4)

    def test_across_kristi_himmelfartsdag(self) -> None:
        # Wed 13 May + 2: Thu 14 skipped; Fri 15 (1), Mon 18 (2).
        assert add_working_days(date(2026, 5, 13), 2) == date(2026, 5, 18)

    def test_across_second_pentecost_day(self) -> None:
        # Fri 22 May + 1: weekend (incl. Pinsedag 24 May) and Mon 25 (2. pinsedag) skipped.
        assert add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)

    def test_across_grundlovsdag(self) -> None:
        # Thu 4 Jun + 1: Fri 5 Jun Grundlovsdag and weekend skipped -> Mon 8 Jun.
        assert add_working_days(date(2026, 6, 4), 1) == date(2026, 6, 8)

    def test_zero_returns_start_when_it_is_a_working_day(self) -> None:
        assert add_working_days(date(2026, 3, 10), 0) == date(2026, 3, 10)

    def test_zero_returns_the_next_working_day_when_start_is_not_one(self) -> None:
        assert add_working_days(date(2026, 3, 14), 0) == date(2026, 3, 16)  # Saturday
        assert add_working_days(date(2026, 4, 2), 0) == date(2026, 4, 7)  # Skærtorsdag

    def test_negative_n_counts_backwards(self) -> None:
        # Tue 7 Apr - 1: back over the Easter break to Wed 1 Apr; - 2: Tue 31 Mar.
        assert add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 1)
        assert add_working_days(date(2026, 4, 7), -2) == date(2026, 3, 31)

    def test_negative_n_from_monday_lands_on_friday(self) -> None:
        assert add_working_days(date(2026, 3, 16), -1) == date(2026, 3, 13)

    @given(start=dates, n=st.integers(min_value=-60, max_value=60))
    def test_result_is_always_a_working_day(self, start: date, n: int) -> None:
        assert is_working_day(add_working_days(start, n))

    @given(start=dates, n=st.integers(min_value=1, max_value=60))
    def test_counting_back_the_working_days_gives_n(self, start: date, n: int) -> None:
        result = add_working_days(start, n)
        assert result > start
        assert working_days_between(start, result) == n

    @given(start=dates, n=st.integers(min_value=1, max_value=60))
    def test_going_back_and_forth_returns_to_a_working_day(self, start: date, n: int) -> None:
        day = this_or_next_working_day(start)
        assert add_working_days(add_working_days(day, -n), n) == day


class TestWorkingDaysBetween:
    def test_counts_working_days_after_a_up_to_and_including_b(self) -> None:
        assert working_days_between(date(2026, 3, 31), date(2026, 4, 14)) == 7

    def test_weekend_only_counts_the_monday(self) -> None:
        assert working_days_between(date(2026, 3, 13), date(2026, 3, 16)) == 1

    def test_same_day_is_zero(self) -> None:
        assert working_days_between(date(2026, 3, 10), date(2026, 3, 10)) == 0

    def test_reversed_dates_give_a_negative_count(self) -> None:
        assert working_days_between(date(2026, 4, 14), date(2026, 3, 31)) == -7

    def test_a_closed_period_counts_zero(self) -> None:
        # Wed 23 Dec 2026 -> Sun 27 Dec: 24, 25, 26, 27 are all closed.
        assert working_days_between(date(2026, 12, 23), date(2026, 12, 27)) == 0


class TestAddWeeks:
    def test_same_weekday_n_weeks_later(self) -> None:
        assert add_weeks(date(2026, 11, 10), 4) == date(2026, 12, 8)  # Tue -> Tue

    def test_zero_weeks_on_a_working_day_is_the_same_day(self) -> None:
        assert add_weeks(date(2026, 11, 10), 0) == date(2026, 11, 10)

    def test_landing_on_a_holiday_moves_to_the_next_working_day(self) -> None:
        # Thu 19 Mar + 2 weeks = Thu 2 Apr (Skærtorsdag); 3, 4, 5, 6 Apr closed -> Tue 7 Apr.
        assert add_weeks(date(2026, 3, 19), 2) == date(2026, 4, 7)

    def test_landing_on_grundlovsdag_moves_to_monday(self) -> None:
        # Fri 22 May + 2 weeks = Fri 5 Jun (Grundlovsdag) -> Mon 8 Jun.
        assert add_weeks(date(2026, 5, 22), 2) == date(2026, 6, 8)

    def test_landing_on_christmas_eve_moves_past_christmas(self) -> None:
        # Thu 10 Dec + 2 weeks = Thu 24 Dec; 25-27 closed -> Mon 28 Dec.
        assert add_weeks(date(2026, 12, 10), 2) == date(2026, 12, 28)

    def test_landing_on_a_weekend_moves_to_monday(self) -> None:
        # A letter received Saturday 7 Mar: 2 weeks -> Sat 21 Mar -> Mon 23 Mar.
        assert add_weeks(date(2026, 3, 7), 2) == date(2026, 3, 23)

    def test_negative_weeks_are_refused(self) -> None:
        with pytest.raises(ValueError, match="weeks must be >= 0"):
            add_weeks(date(2026, 3, 10), -1)

    @given(start=dates, weeks=st.integers(min_value=0, max_value=52))
    def test_result_is_the_first_working_day_on_or_after_the_same_weekday(
        self, start: date, weeks: int
    ) -> None:
        raw = start + timedelta(weeks=weeks)
        result = add_weeks(start, weeks)
        assert is_working_day(result)
        assert raw <= result <= raw + timedelta(days=5)  # longest closed run: Easter, 5 days
        assert all(not is_working_day(raw + timedelta(days=i)) for i in range((result - raw).days))


class TestSuspension:
    def test_an_open_suspension_has_no_end(self) -> None:
        assert Suspension(date(2026, 3, 9)).is_open

    def test_end_before_start_is_refused(self) -> None:
        with pytest.raises(ValueError, match="before it starts"):
            Suspension(date(2026, 3, 9), date(2026, 3, 8))


class TestDueDate:
    base = date(2026, 3, 20)  # Friday

    def test_without_suspensions_the_base_due_date_applies(self) -> None:
        assert DueDate(self.base).effective_due(as_of=date(2026, 3, 1)) == self.base

    def test_the_due_day_itself_is_in_time(self) -> None:
        assert not DueDate(self.base).is_overdue(today=self.base)

    def test_overdue_the_day_after(self) -> None:
        assert DueDate(self.base).is_overdue(today=date(2026, 3, 21))

    def test_a_closed_suspension_extends_by_its_working_days(self) -> None:
        # Suspended Mon 9 Mar, resumed Mon 16 Mar: 9-13 Mar = 5 working days.
        # Fri 20 Mar + 5 working days = Fri 27 Mar.
        due = DueDate(self.base, (Suspension(date(2026, 3, 9), date(2026, 3, 16)),))
        assert due.effective_due(as_of=date(2026, 3, 20)) == date(2026, 3, 27)
        assert not due.is_overdue(today=date(2026, 3, 25))
        assert due.is_overdue(today=date(2026, 3, 30))

    def test_only_working_days_of_the_suspension_count(self) -> None:
        # Suspended Fri 13 Mar, resumed Tue 17 Mar: Fri 13 and Mon 16 = 2 working days.
        due = DueDate(self.base, (Suspension(date(2026, 3, 13), date(2026, 3, 17)),))
        assert due.effective_due(as_of=date(2026, 3, 20)) == date(2026, 3, 24)

    def test_holidays_during_the_suspension_do_not_count(self) -> None:
        # Suspended Mon 30 Mar, resumed Wed 8 Apr: 30, 31 Mar, 1 Apr, 7 Apr = 4 working days
        # (2-6 Apr is the Easter break). Thu 30 Apr + 4: Fri 1 May, Mon 4, Tue 5, Wed 6 May.
        due = DueDate(date(2026, 4, 30), (Suspension(date(2026, 3, 30), date(2026, 4, 8)),))
        assert due.effective_due(as_of=date(2026, 4, 8)) == date(2026, 5, 6)

    def test_a_suspension_resumed_the_same_day_does_not_extend(self) -> None:
        due = DueDate(self.base, (Suspension(date(2026, 3, 10), date(2026, 3, 10)),))
        assert due.effective_due(as_of=date(2026, 3, 20)) == self.base

    def test_a_suspension_spanning_the_due_date_gives_back_the_remaining_days(self) -> None:
        # Suspended Wed 18 Mar with 3 working days left (18, 19, 20); resumed Wed 25 Mar:
        # the clock runs 25, 26, 27 -> Fri 27 Mar. (18, 19, 20, 23, 24 = 5 suspended days.)
        due = DueDate(self.base, (Suspension(date(2026, 3, 18), date(2026, 3, 25)),))
        assert due.effective_due(as_of=date(2026, 3, 25)) == date(2026, 3, 27)

    def test_a_suspension_starting_on_the_due_date_counts(self) -> None:
        # Suspended on the due day Fri 20 Mar, resumed Tue 24 Mar: Fri 20 and Mon 23 are
        # given back, so the case has until Tue 24 Mar.
        due = DueDate(self.base, (Suspension(date(2026, 3, 20), date(2026, 3, 24)),))
        assert due.effective_due(as_of=date(2026, 3, 24)) == date(2026, 3, 24)

    def test_an_open_suspension_pauses_the_deadline(self) -> None:
        due = DueDate(self.base, (Suspension(date(2026, 3, 18)),))
        assert due.is_suspended(as_of=date(2026, 4, 30))
        assert due.effective_due(as_of=date(2026, 4, 30)) is None
        assert not due.is_overdue(today=date(2026, 4, 30))

    def test_a_suspension_that_has_not_started_yet_is_ignored(self) -> None:
        due = DueDate(self.base, (Suspension(date(2026, 3, 18)),))
        assert not due.is_suspended(as_of=date(2026, 3, 10))
        assert due.effective_due(as_of=date(2026, 3, 10)) == self.base

    def test_a_suspension_after_the_deadline_expired_does_not_revive_it(self) -> None:
        due = DueDate(self.base, (Suspension(date(2026, 3, 25)),))
        assert due.effective_due(as_of=date(2026, 3, 30)) == self.base
        assert due.is_overdue(today=date(2026, 3, 30))

    def test_a_later_suspension_counts_if_it_starts_before_the_extended_due_date(self) -> None:
        # First: 9-13 Mar (5 days) -> due Fri 27 Mar. Second starts Wed 25 Mar (after the
        # base due date, before the extended one), resumed Fri 27 Mar: 25, 26 = 2 days.
        # Fri 27 Mar + 2 = Tue 31 Mar.
        due = DueDate(
            self.base,
            (
                Suspension(date(2026, 3, 25), date(2026, 3, 27)),
                Suspension(date(2026, 3, 9), date(2026, 3, 16)),
            ),
        )
        assert due.effective_due(as_of=date(2026, 3, 31)) == date(2026, 3, 31)

    def test_overlapping_suspensions_count_each_day_once(self) -> None:
        # 9-15 Mar and 11-17 Mar overlap: union 9-13, 16, 17 = 7 working days.
        # Fri 20 Mar + 7: 23, 24, 25, 26, 27, 30, 31 -> Tue 31 Mar.
        due = DueDate(
            self.base,
            (
                Suspension(date(2026, 3, 9), date(2026, 3, 16)),
                Suspension(date(2026, 3, 11), date(2026, 3, 18)),
            ),
        )
        assert due.effective_due(as_of=date(2026, 3, 31)) == date(2026, 3, 31)

    def test_suspend_then_resume(self) -> None:
        due = DueDate(self.base).suspend(date(2026, 3, 9))
        assert due.effective_due(as_of=date(2026, 3, 12)) is None
        resumed = due.resume(date(2026, 3, 16))
        assert resumed == DueDate(self.base, (Suspension(date(2026, 3, 9), date(2026, 3, 16)),))
        assert resumed.effective_due(as_of=date(2026, 3, 16)) == date(2026, 3, 27)

    def test_resume_without_an_open_suspension_is_refused(self) -> None:
        with pytest.raises(ValueError, match="no open suspension"):
            DueDate(self.base).resume(date(2026, 3, 16))

    def test_two_open_suspensions_are_refused(self) -> None:
        with pytest.raises(ValueError, match="at most one open suspension"):
            DueDate(self.base).suspend(date(2026, 3, 9)).suspend(date(2026, 3, 10))

    def test_is_immutable(self) -> None:
        due = DueDate(self.base)
        with pytest.raises(dataclasses.FrozenInstanceError):
            cast(Any, due).base_due = date(2026, 3, 27)
