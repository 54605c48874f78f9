"""Who may open which page, and the caller's identity from the bearer token — sent in the
``Authorization`` header (the identity provider's token, e.g. added by the sign-in proxy in
front of the platform) or kept by the browser in the ``housing_dashboards`` cookie (set by the
dev login of the embedded run, or by ``POST /dashboards/session`` with a bearer token)."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Query, Request

from common.access import Scope
from common.auth import Principal, Role, TokenVerifier, verified_principal
from common.calendar import danish_date
from common.errors import AuthenticationError
from dashboards.services.reading import Filters

COOKIE: Final = "housing_dashboards"

FIGURE_ROLES: Final = frozenset({Role.FUND, Role.MUNICIPALITY, Role.HOUSING_ORG, Role.ADMIN_ORG})
"""The register and governance pages: the fund sees everything, a municipality its own
municipality, a housing or administration organisation its own organisations."""
OPERATIONS_ROLES: Final = frozenset({Role.OPERATIONS})
ANY_DASHBOARD_ROLE: Final = FIGURE_ROLES | OPERATIONS_ROLES

PAGE_ACTIONS: Final = {
    "register": (FIGURE_ROLES, "see the register dashboard"),
    "governance": (FIGURE_ROLES, "see the governance dashboard"),
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
    principal = verified_principal(request.scope, token)
    if principal is None:
        verifier: TokenVerifier = request.app.state.token_verifier
        principal = await verifier.verify(token)
    request.state.principal = principal
    return principal


def scope_for(page: str) -> object:
    allowed, action = PAGE_ACTIONS[page]

    async def dependency(principal: Annotated[Principal, Depends(principal_of)]) -> Scope:
        return Scope.of(principal, allowed=allowed, action=action)

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
