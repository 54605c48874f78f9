"""Who may see which key figures.

* the public (no token): aggregates only — national and municipal averages and the averages of
  comparable groups, each over at least ``public_min_departments`` departments;
* a housing organisation (and an administration organisation or ERP client acting for it):
  the detail of its own departments (``org_ids`` in its token);
* a municipality: the detail of the departments lying in it;
* the fund (Landsbyggefonden): everything.

Another organisation's department is reported as not found (404), so its existence does not
leak. Other roles (tribunal, benefit authority) read only what the public reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, true

from common.auth import ORGANISATION_SCOPED_ROLES, CurrentPrincipal, Principal, Role
from common.errors import NotFoundError, PermissionDeniedError

DETAIL_ROLES = ORGANISATION_SCOPED_ROLES | {Role.MUNICIPALITY, Role.FUND}


@dataclass(frozen=True, slots=True)
class FiguresScope:
    """``None`` on an axis means no restriction on it."""

    subject: str
    role: Role
    organisation_ids: frozenset[str] | None
    municipality_code: str | None

    def sees(self, organisation_id: str, municipality_code: str) -> bool:
        if self.organisation_ids is not None and organisation_id not in self.organisation_ids:
            return False
        return self.municipality_code is None or municipality_code == self.municipality_code

    def ensure_sees(self, organisation_id: str, municipality_code: str, what: str) -> None:
        if not self.sees(organisation_id, municipality_code):
            raise NotFoundError(f"{what} was not found.")

    def filter(self, organisation_column: Any, municipality_column: Any) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = true()
        if self.organisation_ids is not None:
            condition = condition & organisation_column.in_(sorted(self.organisation_ids))
        if self.municipality_code is not None:
            condition = condition & (municipality_column == self.municipality_code)
        return condition


def scope_for(principal: Principal) -> FiguresScope:
    if principal.role not in DETAIL_ROLES:
        names = ", ".join(sorted(r.value for r in DETAIL_ROLES))
        raise PermissionDeniedError(
            f"Your role '{principal.role.value}' may not read departments' key figures; it "
            f"needs one of: {names}. The public aggregates are under /benchmarks/v1/public/."
        )
    if principal.role in ORGANISATION_SCOPED_ROLES:
        return FiguresScope(principal.subject, principal.role, principal.organisation_ids, None)
    if principal.role is Role.MUNICIPALITY:
        if principal.municipality_code is None:
            raise PermissionDeniedError("A municipality token must carry a municipality code.")
        return FiguresScope(principal.subject, principal.role, None, principal.municipality_code)
    return FiguresScope(principal.subject, principal.role, None, None)


async def _scope(principal: CurrentPrincipal) -> FiguresScope:
    return scope_for(principal)


Scope = Annotated[FiguresScope, Depends(_scope)]
