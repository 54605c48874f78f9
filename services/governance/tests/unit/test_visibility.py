"""What a municipality sees of a package sent to it, without a database."""

from __future__ import annotations

from governance.domain.rules import FormKind
from governance.domain.visibility import is_home_municipality, sees_attachment, sees_form

HOME, LOCATION, OTHER = "101", "147", "151"


class TestHomeMunicipality:
    def test_the_home_municipality_is_home(self):
        assert is_home_municipality(HOME, HOME) is True

    def test_a_location_municipality_is_not(self):
        assert is_home_municipality(LOCATION, HOME) is False

    def test_a_caller_that_is_no_municipality_is_not(self):
        assert is_home_municipality(None, HOME) is False


class TestForms:
    def test_the_home_municipality_sees_every_department_form(self):
        assert sees_form(HOME, HOME, FormKind.DEPARTMENT, LOCATION) is True

    def test_a_location_municipality_sees_its_own_departments_forms(self):
        assert sees_form(LOCATION, HOME, FormKind.DEPARTMENT, LOCATION) is True

    def test_a_location_municipality_does_not_see_other_departments_forms(self):
        assert sees_form(LOCATION, HOME, FormKind.DEPARTMENT, HOME) is False
        assert sees_form(LOCATION, HOME, FormKind.DEPARTMENT, OTHER) is False

    def test_a_location_municipality_sees_the_report(self):
        assert sees_form(LOCATION, HOME, FormKind.REPORT, None) is True

    def test_an_organisation_or_the_fund_sees_every_form(self):
        assert sees_form(None, HOME, FormKind.DEPARTMENT, OTHER) is True


class TestAttachments:
    def test_the_home_municipality_sees_the_organisations_documents(self):
        assert sees_attachment(HOME, HOME, "accounts") is True
        assert sees_attachment(HOME, HOME, "extra") is True

    def test_a_location_municipality_sees_the_statements_only(self):
        assert sees_attachment(LOCATION, HOME, "statement") is True
        assert sees_attachment(LOCATION, HOME, "supplementary_statement") is True
        assert sees_attachment(LOCATION, HOME, "accounts") is False
        assert sees_attachment(LOCATION, HOME, "extra") is False

    def test_an_organisation_or_the_fund_sees_every_attachment(self):
        assert sees_attachment(None, HOME, "accounts") is True
