"""Who may read and write which register records.

* a housing organisation reads and writes only its own organisations (``org_ids`` in its token);
* an administration organisation acts for the organisations its token names;
* an ERP client acts for the organisations its token names;
* a municipality reads the departments lying in its municipality, without tenant names;
* the housing benefit authority reads the as-of feed (rents and leases as of a date);
* the fund (Landsbyggefonden) reads everything;
* the public reads statistics and the vacancy listing only (no token needed there).

Another organisation's record is reported as not found (404), so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, true

from common.auth import ORGANISATION_SCOPED_ROLES, CurrentPrincipal, Principal, Role
from common.errors import NotFoundError, PermissionDeniedError

WRITER_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT})
READER_ROLES = WRITER_ROLES | {Role.MUNICIPALITY, Role.FUND}


@dataclass(frozen=True, slots=True)
class RegisterScope:
    """What one caller may see: ``None`` means no restriction on that axis."""

    subject: str
    role: Role
    organisation_ids: frozenset[str] | None
    municipality_code: str | None
    sees_tenant_names: bool

    def organisation_filter(self, organisation_column: Any) -> ColumnElement[bool]:
        if self.organisation_ids is None:
            return true()
        return organisation_column.in_(sorted(self.organisation_ids))  # type: ignore[no-any-return]

    def municipality_filter(self, municipality_column: Any) -> ColumnElement[bool]:
        if self.municipality_code is None:
            return true()
        return municipality_column == self.municipality_code  # type: ignore[no-any-return]

    def ensure_visible(self, organisation_id: str, municipality_code: str, what: str) -> None:
        """404 for a record outside the caller's scope."""
        if self.organisation_ids is not None and organisation_id not in self.organisation_ids:
            raise NotFoundError(f"{what} was not found.")
        if self.municipality_code is not None and municipality_code != self.municipality_code:
            raise NotFoundError(f"{what} was not found.")

    def ensure_may_write(self, organisation_id: str) -> None:
        """Writers act only for their organisations (a rule violation names the reason)."""
        if self.organisation_ids is None or organisation_id not in self.organisation_ids:
            raise PermissionDeniedError(
                f"You may only report records of your own organisations; "
                f"'{organisation_id}' is not among those your token names."
            )


def scope_for(principal: Principal, *, write: bool = False) -> RegisterScope:
    allowed = WRITER_ROLES if write else READER_ROLES
    if principal.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        action = "report to" if write else "read"
        raise PermissionDeniedError(
            f"Your role '{principal.role.value}' may not {action} the register here; "
            f"it needs one of: {names}."
        )
    if principal.role in ORGANISATION_SCOPED_ROLES:
        return RegisterScope(
            subject=principal.subject,
            role=principal.role,
            organisation_ids=principal.organisation_ids,
            municipality_code=None,
            sees_tenant_names=True,
        )
    if principal.role is Role.MUNICIPALITY:
        if principal.municipality_code is None:
            raise PermissionDeniedError("A municipality token must carry a municipality code.")
        return RegisterScope(
            subject=principal.subject,
            role=principal.role,
            organisation_ids=None,
            municipality_code=principal.municipality_code,
            sees_tenant_names=False,
        )
    return RegisterScope(  # the fund
        subject=principal.subject,
        role=principal.role,
        organisation_ids=None,
        municipality_code=None,
        sees_tenant_names=True,
    )


async def _read_scope(principal: CurrentPrincipal) -> RegisterScope:
    return scope_for(principal)


async def _write_scope(principal: CurrentPrincipal) -> RegisterScope:
    return scope_for(principal, write=True)


ReadScope = Annotated[RegisterScope, Depends(_read_scope)]
WriteScope = Annotated[RegisterScope, Depends(_write_scope)]
