"""Signing in from a browser.

* The embedded run (env=dev with the dev signing key): ``/dashboards/login`` offers a form that
  mints a dev token as ``housing token`` does and keeps it in an HttpOnly cookie.
* Deployments: the identity provider's bearer token, either sent by the sign-in proxy in the
  ``Authorization`` header of every request, or handed once to ``POST /dashboards/session``
  (``Authorization: Bearer …``), which verifies it and keeps it in the same cookie.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from common.auth import DevSigningKey, Principal, Role
from common.errors import AuthenticationError, NotFoundError, RuleViolationError
from dashboards.api.deps import COOKIE, principal_of
from dashboards.api.pages import TITLES
from dashboards.api.rendering import render
from dashboards.settings import DashboardsSettings

router = APIRouter(tags=["sign-in"], include_in_schema=False)

DEV_ROLES = (
    Role.FUND,
    Role.MUNICIPALITY,
    Role.HOUSING_ORG,
    Role.ADMIN_ORG,
    Role.TRIBUNAL,
    Role.OPERATIONS,
)
CODED_ROLES = (Role.MUNICIPALITY, Role.TRIBUNAL)  # a municipality's, a rent tribunal's code
TTL_SECONDS = 8 * 3600


def dev_login_active(settings: DashboardsSettings) -> bool:
    from common.settings import Environment

    return (
        settings.dev_login
        and settings.env is Environment.DEV
        and settings.jwt_public_key is None
        and settings.jwt_jwks_url is None
    )


def _set_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=TTL_SECONDS,
        path="/dashboards",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


@router.get("/login")
async def login_form(request: Request) -> HTMLResponse:
    return HTMLResponse(
        render(
            "login.html",
            dev_login=request.app.state.dev_login,
            roles=DEV_ROLES,
            titles=TITLES,
            page_name="login",
        )
    )


@router.post("/login")
async def dev_login(request: Request) -> Response:
    if not request.app.state.dev_login:
        raise NotFoundError(
            "The dev login exists only in the embedded dev run; sign in with the identity "
            "provider (see the dashboards' DESIGN.md)."
        )
    form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
    try:
        role = Role(form.get("role", ""))
    except ValueError as exc:
        raise RuleViolationError(
            f"Choose a role: {', '.join(r.value for r in DEV_ROLES)}."
        ) from exc
    if role not in DEV_ROLES:
        raise RuleViolationError(f"Choose a role: {', '.join(r.value for r in DEV_ROLES)}.")
    municipality = form.get("municipality", "").strip() or None
    if role in CODED_ROLES and (
        municipality is None or not (municipality.isdigit() and len(municipality) == 3)
    ):
        raise RuleViolationError(
            "A municipality, or a rent tribunal, needs its three-digit municipality code, e.g. 101."
        )
    organisations = [o.strip() for o in form.get("organisations", "").split(",") if o.strip()]
    settings: DashboardsSettings = request.app.state.settings
    key = DevSigningKey.load_or_create(settings.dev_signing_key_path)
    token = key.mint(
        role=role,
        organisation_ids=organisations,
        municipality_code=municipality if role in CODED_ROLES else None,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=TTL_SECONDS,
    )
    target = {Role.OPERATIONS: "/dashboards/operations", Role.TRIBUNAL: "/dashboards/tribunal"}.get(
        role, "/dashboards/register"
    )
    response = RedirectResponse(target, status_code=303)
    _set_cookie(response, token, secure=False)
    return response


@router.post("/session", status_code=204)
async def session(
    request: Request, principal: Annotated[Principal, Depends(principal_of)]
) -> Response:
    """Keep the verified bearer token of the Authorization header in the cookie."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Send the identity provider's token as Authorization: Bearer.")
    token = token.strip()
    response = Response(status_code=204)
    _set_cookie(response, token, secure=request.url.scheme == "https")
    request.state.signed_in = principal.subject
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/dashboards/login", status_code=303)
    response.delete_cookie(COOKIE, path="/dashboards")
    return response
