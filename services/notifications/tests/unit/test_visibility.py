"""Which directory entries a caller manages and whose addresses it sees, built on its scope."""

from __future__ import annotations

import pytest

from common.access import Scope
from common.auth import Principal, Role
from common.errors import PermissionDeniedError
from notifications.api.deps import NOTIFICATION_ROLES
from notifications.domain.rules import Recipient, RecipientKind
from notifications.domain.visibility import manages, sees_address_of

KK = Recipient(RecipientKind.MUNICIPALITY, "101")
AARHUS = Recipient(RecipientKind.MUNICIPALITY, "751")
ORG = Recipient(RecipientKind.ORGANISATION, "org-0101")
OTHER_ORG = Recipient(RecipientKind.ORGANISATION, "org-0202")


def scope_of(role: Role, *, organisations: tuple[str, ...] = (), municipality: str | None = None):
    principal = Principal(
        subject=f"{role.value}-user",
        role=role,
        organisation_ids=frozenset(organisations),
        municipality_code=municipality,
    )
    return Scope.of(principal, allowed=NOTIFICATION_ROLES, action="manage or read notifications")


FUND = scope_of(Role.FUND)
MUNICIPALITY_101 = scope_of(Role.MUNICIPALITY, municipality="101")
HOUSING_ORG = scope_of(Role.HOUSING_ORG, organisations=("org-0101",))
ADMIN_ORG = scope_of(Role.ADMIN_ORG, organisations=("org-0101", "org-0303"))


class TestWhoHasNotifications:
    @pytest.mark.parametrize(
        "role", [Role.HOUSING_ORG, Role.ADMIN_ORG, Role.MUNICIPALITY, Role.FUND]
    )
    def test_the_fund_municipalities_and_organisations_are_admitted(self, role):
        scope = scope_of(role, municipality="101" if role is Role.MUNICIPALITY else None)
        assert scope.role is role

    @pytest.mark.parametrize("role", sorted(set(Role) - NOTIFICATION_ROLES))
    def test_every_other_role_is_refused_naming_the_roles_that_would_do(self, role):
        with pytest.raises(PermissionDeniedError) as refused:
            scope_of(role)
        assert "admin_org, fund, housing_org, municipality" in str(refused.value)

    def test_an_erp_client_is_not_admitted(self):
        with pytest.raises(PermissionDeniedError):
            scope_of(Role.ERP_CLIENT, organisations=("org-0101",))

    def test_a_municipality_token_without_a_code_is_refused(self):
        with pytest.raises(PermissionDeniedError):
            scope_of(Role.MUNICIPALITY)


class TestManages:
    @pytest.mark.parametrize("recipient", [KK, AARHUS, ORG, OTHER_ORG])
    def test_the_fund_manages_every_entry(self, recipient):
        assert manages(FUND, recipient)

    def test_a_municipality_manages_its_own_entry(self):
        assert manages(MUNICIPALITY_101, KK)

    def test_a_municipality_does_not_manage_another_municipalitys_entry(self):
        assert not manages(MUNICIPALITY_101, AARHUS)

    def test_a_municipality_does_not_manage_an_organisations_entry(self):
        assert not manages(MUNICIPALITY_101, ORG)

    def test_an_organisation_manages_the_entries_of_the_organisations_its_token_names(self):
        assert manages(HOUSING_ORG, ORG)
        assert manages(ADMIN_ORG, ORG)
        assert manages(ADMIN_ORG, Recipient(RecipientKind.ORGANISATION, "org-0303"))

    def test_an_organisation_does_not_manage_another_organisations_entry(self):
        assert not manages(HOUSING_ORG, OTHER_ORG)

    def test_an_organisation_does_not_manage_a_municipalitys_entry(self):
        assert not manages(HOUSING_ORG, KK)

    def test_an_organisation_token_naming_none_manages_nothing(self):
        assert not manages(scope_of(Role.HOUSING_ORG), ORG)

    def test_an_organisation_id_that_looks_like_a_municipality_code_is_no_municipality(self):
        assert not manages(scope_of(Role.HOUSING_ORG, organisations=("101",)), KK)


class TestSeesAddressOf:
    def test_the_fund_sees_every_address(self):
        assert sees_address_of(FUND, KK)
        assert sees_address_of(FUND, ORG)

    def test_an_organisation_sees_its_own_addresses(self):
        assert sees_address_of(HOUSING_ORG, ORG)

    def test_an_organisation_does_not_see_the_address_of_a_municipality_its_event_notified(self):
        assert not sees_address_of(HOUSING_ORG, KK)

    def test_a_municipality_sees_its_own_addresses_only(self):
        assert sees_address_of(MUNICIPALITY_101, KK)
        assert not sees_address_of(MUNICIPALITY_101, AARHUS)
