"""The offer's case reference and the dashboard's age buckets."""

from __future__ import annotations

import pytest

from allocation.domain.errors import NoticeRuleError
from allocation.domain.offers import bucket_counts, check_case_reference


class TestCaseReference:
    @pytest.mark.parametrize("reference", ["SAG-2027-0042", "27/1234", "abc"])
    def test_a_case_number(self, reference):
        assert check_case_reference(reference) == reference

    @pytest.mark.parametrize("reference", ["010203-1234", "0102031234", "SAG 0102031234x"])
    def test_never_a_cpr_number(self, reference):
        with pytest.raises(NoticeRuleError):
            check_case_reference(reference)

    @pytest.mark.parametrize("reference", ["Jens Hansen", "ab", "-SAG", "x" * 65])
    def test_never_a_name_or_junk(self, reference):
        with pytest.raises(NoticeRuleError, match="case number"):
            check_case_reference(reference)


class TestAgeBuckets:
    def test_boundaries(self):
        ages = [(0, 1), (6, 2), (7, 4), (13, 8), (14, 16), (29, 32), (30, 64), (400, 128)]
        assert bucket_counts(ages) == [
            ("0-6 days", 3),
            ("7-13 days", 12),
            ("14-29 days", 48),
            ("30+ days", 192),
        ]
