"""Rows that repeat a key, in rounds one statement each can write (``common.db.projection``)."""

from common.db.projection import distinct_key_rounds


class TestDistinctKeyRounds:
    def test_distinct_keys_are_one_round_in_their_order(self):
        rows = [{"id": "b"}, {"id": "a"}, {"id": "c"}]
        assert distinct_key_rounds(rows, ("id",)) == [rows]

    def test_the_nth_row_of_each_key_goes_in_the_nth_round(self):
        rows = [
            {"id": "a", "n": 1},
            {"id": "b", "n": 1},
            {"id": "a", "n": 2},
            {"id": "a", "n": 3},
            {"id": "b", "n": 2},
            {"id": "c", "n": 1},
        ]
        rounds = distinct_key_rounds(rows, ("id",))
        assert [[(r["id"], r["n"]) for r in round_] for round_ in rounds] == [
            [("a", 1), ("b", 1), ("c", 1)],
            [("a", 2), ("b", 2)],
            [("a", 3)],
        ]

    def test_a_composite_key_repeats_only_when_every_part_does(self):
        rows = [
            {"id": "a", "year": 2025},
            {"id": "a", "year": 2026},
            {"id": "a", "year": 2025},
        ]
        assert distinct_key_rounds(rows, ("id", "year")) == [rows[:2], rows[2:]]

    def test_no_rows_no_rounds(self):
        assert distinct_key_rounds([], ("id",)) == []
