"""The register's master data in governance without a database: who reports, and what
follows when an organisation moves or a department appears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from governance.domain.masterdata import (
    Exemption,
    department_reports,
    follows_new_home,
    left_out_as_exempt,
    organisation_reports,
    takes_new_department,
)
from governance.domain.rules import PackageStatus

EDITABLE = [s for s in PackageStatus if s.editable]
DELIVERED = [s for s in PackageStatus if not s.editable]


class TestWhoReports:
    def test_a_department_reports_unless_exempt(self):
        assert department_reports(None) is True
        assert department_reports(Exemption.SELF_OWNING_YOUTH.value) is False

    def test_an_organisation_with_a_reporting_department_reports(self):
        assert organisation_reports(None, 1) is True

    def test_an_exempt_organisation_does_not(self):
        assert organisation_reports(Exemption.MUNICIPAL_ELDERLY.value, 3) is False

    def test_an_organisation_without_a_reporting_department_does_not(self):
        assert organisation_reports(None, 0) is False


class TestAnOrganisationMoves:
    @pytest.mark.parametrize("status", EDITABLE, ids=lambda s: s.value)
    def test_a_package_being_prepared_follows_it(self, status):
        assert follows_new_home(status, "101", "151") is True

    @pytest.mark.parametrize("status", DELIVERED, ids=lambda s: s.value)
    def test_a_sent_package_stays_with_its_municipality(self, status):
        assert follows_new_home(status, "101", "151") is False

    def test_a_package_already_at_the_new_home_does_not_change(self):
        assert follows_new_home(PackageStatus.READY, "151", "151") is False


class TestADepartmentAppears:
    @pytest.mark.parametrize("status", EDITABLE, ids=lambda s: s.value)
    def test_a_package_being_prepared_takes_its_form(self, status):
        assert takes_new_department(status, None) is True

    @pytest.mark.parametrize("status", DELIVERED, ids=lambda s: s.value)
    def test_a_sent_package_does_not(self, status):
        assert takes_new_department(status, None) is False

    def test_an_exempt_department_gets_no_form(self):
        assert takes_new_department(PackageStatus.READY, Exemption.REGIONAL_ELDERLY.value) is False


class TestLeftOutAsExempt:
    CREATED = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)

    def test_a_lift_after_the_package_was_created_leaves_the_department_out(self):
        assert left_out_as_exempt(self.CREATED + timedelta(days=30), self.CREATED) is True

    def test_a_lift_before_it_or_none_does_not(self):
        assert left_out_as_exempt(self.CREATED - timedelta(seconds=1), self.CREATED) is False
        assert left_out_as_exempt(None, self.CREATED) is False
