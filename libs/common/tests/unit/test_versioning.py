"""ETag and If-Match: the version round-trips; anything else is a clear 422, never a 500."""

import pytest

from common.problems import status_for
from common.versioning import InvalidIfMatchError, etag, parse_if_match


class TestIfMatch:
    @pytest.mark.parametrize("header", ['W/"7"', '"7"', "7", ' W/"7" '])
    def test_the_version_is_read_from_weak_and_strong_forms(self, header):
        assert parse_if_match(header) == 7

    def test_an_etag_round_trips(self):
        assert parse_if_match(etag(41)) == 41

    def test_no_header_is_no_version(self):
        assert parse_if_match(None) is None

    @pytest.mark.parametrize("header", ['W/"x"', '"0"', '"-1"', '"2147483648"', '"٣"', "*", ""])
    def test_anything_else_is_refused_with_a_pointer_to_the_header(self, header):
        with pytest.raises(InvalidIfMatchError) as refused:
            parse_if_match(header)
        [error] = refused.value.errors
        assert (error.pointer, error.code) == ("#/If-Match", "invalid-if-match")
        assert status_for(refused.value) == 422
