"""The rent day of a lease event: from which day the rent it carries holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from benchmarks.domain.leases import clamp, created_rent_day, updated_rent_day

START = date(2020, 1, 1)


class TestClamp:
    def test_a_day_inside_the_lease_stays(self):
        assert clamp(date(2024, 5, 1), START, date(2025, 1, 1)) == date(2024, 5, 1)

    def test_a_day_before_the_lease_is_its_first_day(self):
        assert clamp(date(2019, 5, 1), START, None) == START

    def test_a_day_after_the_lease_is_its_last_day(self):
        assert clamp(date(2026, 5, 1), START, date(2025, 6, 30)) == date(2025, 6, 30)

    def test_an_open_ended_lease_has_no_last_day(self):
        assert clamp(date(2099, 1, 1), START, None) == date(2099, 1, 1)


class TestCreatedLease:
    def test_the_reported_rent_holds_from_the_first_day(self):
        assert created_rent_day(START) == START


class TestUpdatedLease:
    def test_the_registers_rent_day_wins(self):
        recorded = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Copenhagen
        assert updated_rent_day(date(2027, 1, 1), recorded, START, None) == date(2027, 1, 1)

    def test_an_event_without_it_takes_the_utc_date_of_its_recording(self):
        recorded = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
        assert updated_rent_day(None, recorded, START, None) == date(2026, 12, 31)

    def test_the_utc_date_is_taken_whatever_the_timestamps_zone(self):
        copenhagen = timezone(timedelta(hours=1))
        recorded = datetime(2027, 1, 1, 0, 30, tzinfo=copenhagen)
        assert updated_rent_day(None, recorded, START, None) == date(2026, 12, 31)

    def test_the_utc_date_is_clamped_into_the_lease(self):
        recorded = datetime(2026, 3, 1, 9, tzinfo=UTC)
        assert updated_rent_day(None, recorded, START, date(2025, 6, 30)) == date(2025, 6, 30)
        assert updated_rent_day(None, recorded, date(2026, 4, 1), None) == date(2026, 4, 1)
