"""Who takes part in the governance dialogue and who may do what (seed 002 §5.2.1, §6–8).

Admission and visibility come from the platform's :class:`~common.access.Scope`; which
packages a caller sees is :mod:`governance.db.visibility`, which parts of them
:mod:`governance.domain.visibility`.
"""

from __future__ import annotations

from common.auth import Role

# Everyone with a part in a package: the organisations (and their ERP), the municipalities, the
# fund. Another role is refused (403) before anything is read.
READER_ROLES = frozenset(
    {Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT, Role.MUNICIPALITY, Role.FUND}
)
# Fill in forms, comment, attach, load last year's answers, update benchmarks, send.
EDITOR_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG})
# Report a department's accounts: the organisation or its ERP system.
ACCOUNTS_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT})
# Municipalities: send back, meeting, statements, deadlines, the status overview.
MUNICIPALITY_ROLES = frozenset({Role.MUNICIPALITY})
# The fund: the catalogue, exemptions, opening a year.
FUND_ROLES = frozenset({Role.FUND})
