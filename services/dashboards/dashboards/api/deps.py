"""Who may open which page, and the caller's identity from the bearer token — sent in the
``Authorization`` header (the identity provider's token, e.g. added by the sign-in proxy in
front of the platform) or kept by the browser in the ``housing_dashboards`` cookie (set by the
dev login of the embedded run, or by ``POST /dashboards/session`` with a bearer token)."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Query, Request

from common.access import Scope
from common.auth import Principal, Role, principal_for_token
from common.calendar import danish_date
from common.errors import AuthenticationError, PermissionDeniedError
from dashboards.services.reading import Filters

COOKIE: Final = "housing_dashboards"

FIGURE_ROLES: Final = frozenset({Role.FUND, Role.MUNICIPALITY, Role.HOUSING_ORG, Role.ADMIN_ORG})
"""The register and governance pages: the fund sees everything, a municipality its own
municipality, a housing or administration organisation its own organisations."""
OPERATIONS_ROLES: Final = frozenset({Role.OPERATIONS})
TRIBUNAL_ROLES: Final = frozenset({Role.FUND, Role.TRIBUNAL, Role.MUNICIPALITY})
"""The tribunal page: the fund sees every tribunal, a tribunal its own (its token's
municipality code), a municipality the cases it filed (§ 87)."""
ANY_DASHBOARD_ROLE: Final = FIGURE_ROLES | OPERATIONS_ROLES | TRIBUNAL_ROLES

PAGE_ACTIONS: Final = {
    "register": (FIGURE_ROLES, "see the register dashboard"),
    "governance": (FIGURE_ROLES, "see the governance dashboard"),
    "grants": (FIGURE_ROLES, "see the grants dashboard"),
    "allocation": (FIGURE_ROLES, "see the allocation dashboard"),
    "tribunal": (TRIBUNAL_ROLES, "see the tribunal dashboard"),
    "operations": (OPERATIONS_ROLES, "see the operations dashboard"),
}


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.cookies.get(COOKIE) or None


async def principal_of(request: Request) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise AuthenticationError(
            "Sign in: send a bearer token in the Authorization header, or sign in at "
            "/dashboards/login."
        )
    return await principal_for_token(request, token)


def page_scope(principal: Principal, page: str) -> Scope:
    """The caller's scope on ``page`` (403 for a role without it). A tribunal is narrowed to its
    own tribunal: the municipality code its token carries."""
    allowed, action = PAGE_ACTIONS[page]
    scope = Scope.of(principal, allowed=allowed, action=action)
    if principal.role is Role.TRIBUNAL:
        if principal.municipality_code is None:
            raise PermissionDeniedError(
                "A tribunal token must carry the municipality code of its rent tribunal."
            )
        return Scope(scope.subject, scope.role, None, principal.municipality_code)
    return scope


def scope_for(page: str) -> object:
    async def dependency(principal: Annotated[Principal, Depends(principal_of)]) -> Scope:
        return page_scope(principal, page)

    return dependency


async def any_dashboard_scope(
    principal: Annotated[Principal, Depends(principal_of)],
) -> Scope:
    return Scope.of(principal, allowed=ANY_DASHBOARD_ROLE, action="follow the dashboards")


def filters(
    year: Annotated[
        int | None, Query(ge=2000, le=2100, description="Year (default: this year)")
    ] = None,
    municipality: Annotated[
        str | None, Query(pattern=r"^(\d{3})?$", description="Municipality code, e.g. 101")
    ] = None,
    organisation: Annotated[
        str | None,
        Query(max_length=64, pattern=r"^([A-Za-z0-9][A-Za-z0-9._:-]*)?$", description="Org id"),
    ] = None,
) -> Filters:
    return Filters(
        year=year or danish_date().year,
        municipality=municipality or None,
        organisation=organisation or None,
    )


FiltersDep = Annotated[Filters, Depends(filters)]
