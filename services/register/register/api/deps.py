"""Who may call the register's endpoints: the scope dependencies of its routes.

* a housing organisation, an administration organisation or an ERP client reads and writes
  the organisations its token names;
* a municipality reads the departments lying in its municipality, without tenant names;
* the fund (Landsbyggefonden) reads everything;
* the housing benefit authority reads dwellings as of a date, never tenant names, and the
  municipality feed, which the fund reads too and a municipality for itself;
* the public reads statistics and the vacancy listing (no token needed there).

The scope itself (``common.access.Scope``) decides what a caller sees; another organisation's
record is reported as not found (404), so its existence does not leak. Who sees tenant names is
the register's rule ``register.domain.access.sees_tenant_names``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from common.access import Scope, scope_dependency
from common.auth import Role

WRITER_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT})
READER_ROLES = WRITER_ROLES | {Role.MUNICIPALITY, Role.FUND}
AS_OF_READER_ROLES = READER_ROLES | {Role.BENEFIT_AUTHORITY}
FEED_READER_ROLES = frozenset({Role.BENEFIT_AUTHORITY, Role.FUND, Role.MUNICIPALITY})

ReadScope = Annotated[Scope, Depends(scope_dependency(READER_ROLES, "read the register here"))]
WriteScope = Annotated[
    Scope, Depends(scope_dependency(WRITER_ROLES, "report to the register here"))
]
AsOfScope = Annotated[
    Scope, Depends(scope_dependency(AS_OF_READER_ROLES, "read the register here"))
]
FeedScope = Annotated[
    Scope, Depends(scope_dependency(FEED_READER_ROLES, "read the municipality feed"))
]
