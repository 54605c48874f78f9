"""Who may do what in the grants service (role sets; the use cases check them)."""

from __future__ import annotations

from typing import Final

from common.auth import Role

APPLICANT_ROLES: Final = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG})
MUNICIPALITY_ROLES: Final = frozenset({Role.MUNICIPALITY})
FUND_ROLES: Final = frozenset({Role.FUND})
READER_ROLES: Final = APPLICANT_ROLES | MUNICIPALITY_ROLES | FUND_ROLES
STATEMENT_ROLES: Final = APPLICANT_ROLES | FUND_ROLES
