"""Who sees tenant names: the register's one rule on top of the common access scope."""

import pytest

from common.auth import Role
from register.domain.access import TENANT_NAME_READERS, sees_tenant_names


class TestSeesTenantNames:
    @pytest.mark.parametrize("role", [Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT])
    def test_a_submitting_organisation_sees_tenant_names(self, role: Role) -> None:
        assert sees_tenant_names(role)

    def test_the_fund_sees_tenant_names(self) -> None:
        assert sees_tenant_names(Role.FUND)

    def test_a_municipality_sees_no_tenant_names(self) -> None:
        assert not sees_tenant_names(Role.MUNICIPALITY)

    def test_the_benefit_authority_sees_no_tenant_names(self) -> None:
        assert not sees_tenant_names(Role.BENEFIT_AUTHORITY)

    def test_a_role_the_rule_does_not_name_sees_none(self) -> None:
        assert not sees_tenant_names(Role.TRIBUNAL)
        assert not sees_tenant_names("someone")

    def test_the_readers_are_roles_of_the_platform(self) -> None:
        assert {Role(name) for name in TENANT_NAME_READERS} == TENANT_NAME_READERS
