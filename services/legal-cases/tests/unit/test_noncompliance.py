"""Three non-complied final decisions by one owner within 2 years, across tribunals (§ 22)."""

from datetime import date

from legal_cases.domain.noncompliance import Reported, threshold_reached, window_start


def r(case_id, tribunal, decided_on):
    return Reported(case_id, tribunal, decided_on)


class TestThreshold:
    def test_three_decisions_from_two_tribunals_within_two_years(self):
        reports = [
            r("c1", "101", date(2025, 3, 1)),
            r("c2", "147", date(2026, 1, 10)),
            r("c3", "101", date(2027, 2, 28)),
        ]
        found = threshold_reached(reports, [], date(2027, 3, 1))
        assert found is not None
        assert (found.rule, found.case_ids, found.tribunal_codes) == (
            "three_decisions",
            ("c1", "c2", "c3"),
            ("101", "147"),
        )

    def test_a_decision_exactly_two_years_back_counts_a_day_more_does_not(self):
        reports = [r("c1", "101", date(2025, 3, 1)), r("c2", "147", date(2026, 1, 10)),
                   r("c3", "101", date(2026, 6, 1))]  # fmt: skip
        assert threshold_reached(reports, [], date(2027, 3, 1)) is not None
        assert threshold_reached(reports, [], date(2027, 3, 2)) is None

    def test_two_decisions_are_not_enough(self):
        reports = [r("c1", "101", date(2026, 3, 1)), r("c2", "147", date(2026, 4, 1))]
        assert threshold_reached(reports, [], date(2026, 5, 1)) is None

    def test_the_same_case_reported_twice_counts_once(self):
        reports = [r("c1", "101", date(2026, 3, 1)), r("c1", "101", date(2026, 3, 1)),
                   r("c2", "147", date(2026, 4, 1))]  # fmt: skip
        assert threshold_reached(reports, [], date(2026, 5, 1)) is None

    def test_a_conviction_plus_one_decision_within_two_years(self):
        reports = [r("c1", "101", date(2026, 3, 1))]
        found = threshold_reached(reports, [date(2025, 6, 1)], date(2026, 5, 1))
        assert found is not None
        assert found.rule == "conviction_and_decision"
        assert threshold_reached(reports, [date(2024, 4, 30)], date(2026, 5, 1)) is None

    def test_window_start_on_a_leap_day(self):
        assert window_start(date(2028, 2, 29)) == date(2026, 2, 28)
