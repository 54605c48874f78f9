"""Keyset pagination shared by every list: the cursor codec and cutting a page."""

from dataclasses import dataclass

import pytest

from common.paging import InvalidCursorError, decode_cursor, encode_cursor, page_of


@dataclass
class Row:
    name: str
    id: int


class TestTheCursor:
    def test_a_key_survives_the_round_trip(self):
        cursor = encode_cursor(["Blok Æ", 42])
        assert decode_cursor(cursor, str, int) == ["Blok Æ", 42]

    def test_no_cursor_is_the_first_page(self):
        assert decode_cursor(None, str) is None

    @pytest.mark.parametrize(
        "cursor",
        [
            "not base64 at all!",
            "e30",
            encode_cursor(["a"]),
            encode_cursor([1, 2]),
            encode_cursor([True, 1]),
        ],
        ids=["garbage", "an object", "too short", "wrong type", "a boolean for an int"],
    )
    def test_a_cursor_this_service_did_not_issue_is_refused(self, cursor: str):
        with pytest.raises(InvalidCursorError, match="pass next_cursor unchanged"):
            decode_cursor(cursor, str, int)

    def test_a_nul_character_is_refused(self):
        with pytest.raises(InvalidCursorError):
            decode_cursor(encode_cursor(["a\x00b"]), str)


class TestCuttingAPage:
    def test_an_extra_row_means_a_next_page_from_the_last_row_shown(self):
        rows = [Row("a", 1), Row("b", 2), Row("c", 3)]
        page = page_of(rows, 2, key=lambda row: (row.name, row.id))
        assert page.rows == rows[:2]
        assert page.next_cursor is not None
        assert decode_cursor(page.next_cursor, str, int) == ["b", 2]

    def test_the_last_page_has_no_cursor(self):
        rows = [Row("a", 1), Row("b", 2)]
        page = page_of(rows, 2, key=lambda row: (row.name, row.id))
        assert page.rows == rows
        assert page.next_cursor is None
