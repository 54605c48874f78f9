"""Keyset pagination shared by every list: the cursor codec and cutting a page."""

import base64
import json
from dataclasses import dataclass

import pytest

from common.paging import (
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
    page_of,
    use_cursor_signing_key,
)
from common.problems import field_errors_as_json
from common.settings import DEV_DATABASE_PASSWORD, cursor_key


def unsigned(key: list) -> str:
    """A well-formed key as the unsigned cursors were built: never issued by a service."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


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


class TestSignedCursors:
    """A well-formed cursor that was never issued used to be read as a position (issue 12,
    item 4): now every cursor carries the deployment's HMAC tag."""

    @pytest.fixture(autouse=True)
    def dev_key(self):
        yield
        use_cursor_signing_key(cursor_key(DEV_DATABASE_PASSWORD))

    def test_a_well_formed_key_without_the_tag_is_refused(self):
        with pytest.raises(InvalidCursorError, match="pass next_cursor unchanged"):
            decode_cursor(unsigned(["Blok B", 7]), str, int)

    def test_a_tampered_key_is_refused(self):
        payload, _, tag = encode_cursor(["Blok B", 7]).partition(".")
        forged = unsigned(["Blok B", 700])
        assert forged != payload
        with pytest.raises(InvalidCursorError):
            decode_cursor(f"{forged}.{tag}", str, int)

    def test_a_tampered_tag_is_refused(self):
        payload, _, tag = encode_cursor(["Blok B", 7]).partition(".")
        other = ("A" if tag[0] != "A" else "B") + tag[1:]
        with pytest.raises(InvalidCursorError):
            decode_cursor(f"{payload}.{other}", str, int)

    def test_a_cursor_of_another_deployment_is_refused(self):
        use_cursor_signing_key(cursor_key("deployment-a"))
        cursor = encode_cursor(["Blok B", 7])
        assert decode_cursor(cursor, str, int) == ["Blok B", 7]
        use_cursor_signing_key(cursor_key("deployment-b"))
        with pytest.raises(InvalidCursorError):
            decode_cursor(cursor, str, int)

    def test_non_ascii_is_refused_not_a_crash(self):
        with pytest.raises(InvalidCursorError):
            decode_cursor("æøå.å", str)

    def test_the_error_is_a_400_naming_the_parameter(self):
        from common.problems import status_for

        with pytest.raises(InvalidCursorError) as refused:
            decode_cursor(unsigned(["a"]), str)
        assert status_for(refused.value) == 400
        assert field_errors_as_json(refused.value.errors) == [
            {
                "parameter": "cursor",
                "in": "query",
                "detail": "The cursor is not one this service issued; pass next_cursor unchanged.",
                "code": "invalid-cursor",
            }
        ]


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
