"""Documents are judged by their bytes; who may file what (§§ 82(1), 87)."""

import pytest

from common.documents import clean_filename
from common.testing.documents import a_pdf
from legal_cases.domain.access import Viewer, sees_case
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.documents import sniff_type
from legal_cases.domain.errors import DocumentRejectedError, FilingRejectedError
from legal_cases.domain.parties import PartyKind, check_filing

T, L, M, R = (
    PartyKind.TENANT,
    PartyKind.LANDLORD,
    PartyKind.MUNICIPALITY,
    PartyKind.RESIDENTS_REPRESENTATION,
)


class TestDocuments:
    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (a_pdf(), "application/pdf"),
            (b"\x89PNG\r\n\x1a\n....", "image/png"),
            (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        ],
    )
    def test_known_types_by_their_magic_bytes(self, content, expected):
        assert sniff_type(content, 10_000) == expected

    @pytest.mark.parametrize(
        "content", [b"MZ\x90\x00", b"<html>%PDF-", b"PK\x03\x04", b"%PDF-1.7\n<html>"]
    )
    def test_anything_else_is_refused_whatever_its_name(self, content):
        with pytest.raises(DocumentRejectedError, match="by its content"):
            sniff_type(content, 100)

    def test_empty_and_too_large_are_refused(self):
        with pytest.raises(DocumentRejectedError, match="empty"):
            sniff_type(b"", 100)
        with pytest.raises(DocumentRejectedError, match="at most 10"):
            sniff_type(a_pdf(), 10)

    def test_filenames_are_cleaned(self):
        assert clean_filename("..\\..\\etc/klage<1>.pdf") == "klage_1_.pdf"
        assert clean_filename("   ") == "dokument"


class TestFiling:
    def test_tenant_against_landlord(self):
        check_filing(
            CaseCategory.RENT_LEVEL, T, L, by_municipality=False, on_behalf_of_tenant=False
        )
        check_filing(
            CaseCategory.RENT_LEVEL, L, T, by_municipality=False, on_behalf_of_tenant=False
        )
        check_filing(
            CaseCategory.RENT_LEVEL, R, L, by_municipality=False, on_behalf_of_tenant=False
        )

    @pytest.mark.parametrize(("a", "b"), [(T, T), (L, L), (T, M), (R, T)])
    def test_a_case_is_between_the_landlord_and_the_tenant_side(self, a, b):
        with pytest.raises(FilingRejectedError):
            check_filing(
                CaseCategory.RENT_LEVEL, a, b, by_municipality=False, on_behalf_of_tenant=False
            )

    def test_a_municipality_files_maintenance_defects_only(self):
        check_filing(
            CaseCategory.MAINTENANCE_DEFECTS, M, L, by_municipality=True, on_behalf_of_tenant=True
        )
        with pytest.raises(FilingRejectedError, match="§ 87"):
            check_filing(
                CaseCategory.RENT_LEVEL, M, L, by_municipality=True, on_behalf_of_tenant=False
            )

    def test_only_a_municipality_files_on_a_tenants_behalf(self):
        with pytest.raises(FilingRejectedError, match="behalf"):
            check_filing(
                CaseCategory.MAINTENANCE_DEFECTS,
                T,
                L,
                by_municipality=False,
                on_behalf_of_tenant=True,
            )
        with pytest.raises(FilingRejectedError, match="municipality's token"):
            check_filing(
                CaseCategory.MAINTENANCE_DEFECTS,
                M,
                L,
                by_municipality=False,
                on_behalf_of_tenant=False,
            )


CASE = {"tribunal_code": "147", "filing_municipality_code": None,
        "complainant_subjects": ["t"], "counterpart_subjects": ["l"]}  # fmt: skip


class TestWhoSeesACase:
    @pytest.mark.parametrize(
        ("viewer", "notified", "sees"),
        [
            (Viewer("t", "party"), False, True),
            (Viewer("l", "party"), False, False),  # not before the tribunal notified it
            (Viewer("l", "party"), True, True),
            (Viewer("x", "party"), True, False),
            (Viewer("n", "tribunal", tribunal_code="147"), False, True),
            (Viewer("n", "tribunal", tribunal_code="101"), True, False),
            (Viewer("k", "municipality", municipality_code="147"), True, False),  # did not file
            (Viewer("f", "fund"), True, False),
        ],
    )
    def test_sees_case(self, viewer, notified, sees):
        assert sees_case(viewer, counterpart_notified=notified, **CASE) is sees
