"""The register's own access rules, on top of the common scope (``common.access.Scope``).

Which records a caller sees is the scope's business (organisation and municipality axes); what
the register adds is who sees a tenant's name (``LejerNavn``): the submitting organisations, on
their own leases, and the fund. A municipality and the housing benefit authority read the
register without tenant names.
"""

from __future__ import annotations

from typing import Final

# Role names (``common.auth.Role`` values): domain/ imports no framework, the roles are StrEnums.
TENANT_NAME_READERS: Final = frozenset({"housing_org", "admin_org", "erp_client", "fund"})


def sees_tenant_names(role: str) -> bool:
    """Whether a caller with this role may see tenant names; every other role sees none."""
    return role in TENANT_NAME_READERS
