"""Who a caller is allowed to see: one ``Scope`` for every service.

A scope is built once per request from the verified principal and the roles a service admits.
It restricts two axes, each ``None`` when the caller is not restricted on it:

* ``organisation_ids`` — organisation-scoped roles (housing organisation, administration
  organisation, ERP client) see only the organisations their token names;
* ``municipality_code`` — a municipality sees only what lies in (or was sent to) it; its token
  must carry its code.

Every other admitted role (the fund, and where a service admits them the tribunal or the
benefit authority) is unrestricted. An object outside the scope is reported as not found (404),
so its existence does not leak; a role a service does not admit gets 403 naming the roles that
would do.

Services add their own rules on top (governance lets an organisation see the organisations it
administers; notifications filters deliveries by recipient), but build them from these fields
instead of reading the principal again.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import ColumnElement, false, true

from common.auth import ORGANISATION_SCOPED_ROLES, BearerDependency, Principal, Role, principal_of
from common.errors import NotFoundError, PermissionDeniedError


def roles_text(roles: Iterable[Role]) -> str:
    return ", ".join(sorted(role.value for role in roles))


@dataclass(frozen=True, slots=True)
class Scope:
    subject: str
    role: Role
    organisation_ids: frozenset[str] | None
    municipality_code: str | None

    @classmethod
    def of(cls, principal: Principal, *, allowed: frozenset[Role], action: str) -> Scope:
        """The caller's scope, or 403 when its role is not among ``allowed``.

        ``action`` completes "Your role 'x' may not …", e.g. "read the register"."""
        if principal.role not in allowed:
            raise PermissionDeniedError(
                f"Your role '{principal.role.value}' may not {action}; "
                f"it needs one of: {roles_text(allowed)}."
            )
        if principal.role in ORGANISATION_SCOPED_ROLES:
            return cls(principal.subject, principal.role, principal.organisation_ids, None)
        if principal.role is Role.MUNICIPALITY:
            if principal.municipality_code is None:
                raise PermissionDeniedError("A municipality token must carry a municipality code.")
            return cls(principal.subject, principal.role, None, principal.municipality_code)
        return cls(principal.subject, principal.role, None, None)

    # --- who the caller is ----------------------------------------------------------------

    @property
    def is_organisation(self) -> bool:
        return self.role in ORGANISATION_SCOPED_ROLES

    @property
    def is_municipality(self) -> bool:
        return self.role is Role.MUNICIPALITY

    @property
    def is_fund(self) -> bool:
        return self.role is Role.FUND

    @property
    def unrestricted(self) -> bool:
        return self.organisation_ids is None and self.municipality_code is None

    def require(self, roles: frozenset[Role], action: str) -> None:
        """403 unless the caller has one of ``roles`` (for actions narrower than reading)."""
        if self.role not in roles:
            raise PermissionDeniedError(
                f"Your role '{self.role.value}' may not {action}; "
                f"it needs one of: {roles_text(roles)}."
            )

    # --- what the caller sees -------------------------------------------------------------

    def sees(self, organisation_id: str | None, municipality_code: str | None) -> bool:
        """Whether an object of this organisation, lying in this municipality, is visible.

        ``None`` for an axis the object does not have; a restricted caller never sees an object
        that lacks the axis it is restricted on."""
        if self.organisation_ids is not None and organisation_id not in self.organisation_ids:
            return False
        return self.municipality_code is None or municipality_code == self.municipality_code

    def ensure_visible(
        self, organisation_id: str | None, municipality_code: str | None, what: str
    ) -> None:
        """404 ("<what> was not found.") for an object outside the scope."""
        if not self.sees(organisation_id, municipality_code):
            raise NotFoundError(f"{what} was not found.")

    def acts_for(self, organisation_id: str) -> bool:
        """Whether the caller acts for this organisation (its token names it)."""
        return self.organisation_ids is not None and organisation_id in self.organisation_ids

    def ensure_acts_for(self, organisation_id: str, action: str = "act") -> None:
        """403 unless the caller acts for this organisation (writes name the reason; the
        organisation is the caller's own input, so nothing leaks)."""
        if not self.acts_for(organisation_id):
            raise PermissionDeniedError(
                f"You may only {action} for your own organisations; "
                f"'{organisation_id}' is not among those your token names."
            )

    def filter(
        self, organisation_column: Any = None, municipality_column: Any = None
    ) -> ColumnElement[bool]:
        """The SQL condition for the rows this caller sees.

        Pass the columns the table has; a restricted axis whose column is not passed matches
        nothing, so a forgotten column can only hide rows, never show them."""
        condition: ColumnElement[bool] = true()
        if self.organisation_ids is not None:
            if organisation_column is None:
                return false()
            condition = condition & organisation_column.in_(sorted(self.organisation_ids))
        if self.municipality_code is not None:
            if municipality_column is None:
                return false()
            condition = condition & (municipality_column == self.municipality_code)
        return condition

    def sql_conditions(
        self, organisation_column: str, municipality_column: str
    ) -> list[tuple[str, Any]]:
        """``filter`` as SQL text for a fixed statement on the psycopg connection: (condition,
        parameter) pairs to AND together, one per restricted axis (no organisations: matches
        nothing); the column names are the caller's constants, never input."""
        conditions: list[tuple[str, Any]] = []
        if self.organisation_ids is not None:
            conditions.append(
                (
                    f"{organisation_column} = ANY(CAST(%s AS TEXT[]))",
                    sorted(self.organisation_ids),
                )
            )
        if self.municipality_code is not None:
            conditions.append((f"{municipality_column} = %s", self.municipality_code))
        return conditions


class _ScopeDependency(BearerDependency):
    """The caller's scope in one dependency call: the token read from the header, verified
    (``principal_of``) and checked against the admitted roles (``Scope.of``); documented in
    OpenAPI as the bearer scheme (``BearerDependency``)."""

    def __init__(self, allowed: frozenset[Role], action: str) -> None:
        super().__init__()
        self.allowed = allowed
        self.action = action

    async def __call__(self, request: Request) -> Scope:  # type: ignore[override]
        return Scope.of(await principal_of(request), allowed=self.allowed, action=self.action)


def scope_dependency(
    allowed: frozenset[Role], action: str
) -> Callable[..., Coroutine[Any, Any, Scope]]:
    """A FastAPI dependency: ``ReadScope = Annotated[Scope, Depends(scope_dependency(...))]``.

    One call per request (no ``HTTPBearer`` and ``current_principal`` layers beneath it); the
    errors are theirs: 401 without a bearer token or with a refused one, 403 for a role not in
    ``allowed``."""
    return _ScopeDependency(allowed, action)
