"""How a set of events is cut into statements, and which departments it marks dirty."""

from __future__ import annotations

from benchmarks.domain.projection import departments_to_mark, runs


def kind_and_key(item: str) -> tuple[str, str] | None:
    """``"kind:key"`` → (kind, key); ``"?"`` is an event that is not ours."""
    if item == "?":
        return None
    kind, key = item.split(":")
    return kind, key


class TestRuns:
    def test_consecutive_events_of_one_kind_form_one_run(self):
        assert list(runs(["a:1", "a:2", "b:1", "a:3"], kind_and_key)) == [
            ("a", ["a:1", "a:2"]),
            ("b", ["b:1"]),
            ("a", ["a:3"]),
        ]

    def test_a_repeated_key_starts_a_new_run_keeping_the_order(self):
        assert list(runs(["a:1", "a:2", "a:1", "a:3"], kind_and_key)) == [
            ("a", ["a:1", "a:2"]),
            ("a", ["a:1", "a:3"]),
        ]

    def test_events_that_are_not_ours_are_skipped(self):
        assert list(runs(["a:1", "?", "a:2"], kind_and_key)) == [("a", ["a:1", "a:2"])]

    def test_no_events_no_runs(self):
        assert list(runs(["?"], kind_and_key)) == []


class TestDepartmentsToMark:
    def test_each_events_department_once_in_order(self):
        assert departments_to_mark(["B", "A", "B"], {}, {}) == ["B", "A"]

    def test_a_lease_moving_marks_the_department_it_leaves(self):
        assert departments_to_mark(["B"], {"L1": "A"}, {"L1": "B"}) == ["B", "A"]

    def test_a_lease_staying_marks_only_its_department(self):
        assert departments_to_mark(["A"], {"L1": "A"}, {"L1": "A"}) == ["A"]

    def test_a_lease_not_held_yet_leaves_nothing(self):
        assert departments_to_mark(["B"], {}, {"L1": "B"}) == ["B"]
