"""Who may do what in the allocation service (on top of common.access.Scope)."""

from __future__ import annotations

from common.auth import Role

MUNICIPALITY = frozenset({Role.MUNICIPALITY})
FUND = frozenset({Role.FUND})
LANDLORD = frozenset({Role.LANDLORD})
HOUSING = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG})
# Every role with a part in allocation: reads are then narrowed by the scope.
READERS = frozenset({Role.MUNICIPALITY, Role.FUND, Role.HOUSING_ORG, Role.ADMIN_ORG, Role.LANDLORD})
SOCIAL_READERS = frozenset({Role.MUNICIPALITY, Role.FUND, Role.HOUSING_ORG, Role.ADMIN_ORG})
PRIVATE_READERS = frozenset({Role.MUNICIPALITY, Role.FUND, Role.LANDLORD})
SUBSIDY_READERS = frozenset({Role.MUNICIPALITY, Role.FUND})
