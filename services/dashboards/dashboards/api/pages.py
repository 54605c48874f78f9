"""The dashboards' web pages (Danish), under /dashboards/.

Each page is server-rendered HTML; its figures block is also served alone (``?partial=1``),
which the page fetches when the live event stream says the read model changed."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from common.access import Scope
from common.calendar import danish_date
from common.errors import AuthenticationError, PermissionDeniedError
from dashboards.api.deps import FiltersDep, page_scope, principal_of
from dashboards.api.rendering import figures_html, render
from dashboards.services import operations
from dashboards.services.reading import (
    Filters,
    Page,
    allocation_page,
    governance_page,
    grants_page,
    register_page,
    tribunal_page,
)

router = APIRouter(tags=["pages"], include_in_schema=False)

TITLES = {
    "register": "Huslejeregister",
    "governance": "Styringsdialog",
    "grants": "Landsbyggefonden § 91a",
    "allocation": "Kommunal anvisning",
    "tribunal": "Huslejenævn",
    "operations": "Drift",
}


async def _scope_or_refusal(request: Request, page: str) -> Scope | HTMLResponse:
    try:
        principal = await principal_of(request)
        return page_scope(principal, page)
    except AuthenticationError as exc:
        return _refusal(request, 401, "Log ind", str(exc), page)
    except PermissionDeniedError as exc:
        return _refusal(request, 403, "Ingen adgang", str(exc), page)


def _refusal(request: Request, status: int, title: str, detail: str, page: str) -> HTMLResponse:
    html = render(
        "refused.html",
        title=title,
        detail=detail,
        page_name=page,
        titles=TITLES,
        dev_login=request.app.state.dev_login,
    )
    return HTMLResponse(html, status_code=status)


async def _page(
    request: Request, name: str, filters: Filters, partial: bool, scope: Scope, page: Page
) -> Response:
    query = urlencode(filters.query())
    figures = figures_html(name, page, query)
    if partial:
        return HTMLResponse(figures, headers={"Cache-Control": "no-store"})
    watcher = request.app.state.watcher
    html = render(
        "page.html",
        page_name=name,
        title=TITLES[name],
        titles=TITLES,
        filters=filters,
        municipalities=page.municipalities,
        scope=scope,
        figures=figures,
        revision=watcher.current,
        dev_login=request.app.state.dev_login,
        filtered=name != "operations",
        organisation_filter=name != "tribunal",
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


Partial = Annotated[bool, Query(description="Only the figures block (live updates)")]


@router.get("/")
async def index() -> RedirectResponse:
    return RedirectResponse("/dashboards/register", status_code=303)


@router.get("/register")
async def register(request: Request, filters: FiltersDep, partial: Partial = False) -> Response:
    scope = await _scope_or_refusal(request, "register")
    if isinstance(scope, HTMLResponse):
        return scope
    async with request.app.state.database.session() as session:
        page = await register_page(session, scope, filters, danish_date())
    return await _page(request, "register", filters, partial, scope, page)


@router.get("/governance")
async def governance(request: Request, filters: FiltersDep, partial: Partial = False) -> Response:
    scope = await _scope_or_refusal(request, "governance")
    if isinstance(scope, HTMLResponse):
        return scope
    async with request.app.state.database.session() as session:
        page = await governance_page(session, scope, filters, danish_date())
    return await _page(request, "governance", filters, partial, scope, page)


@router.get("/grants")
async def grants(request: Request, filters: FiltersDep, partial: Partial = False) -> Response:
    scope = await _scope_or_refusal(request, "grants")
    if isinstance(scope, HTMLResponse):
        return scope
    async with request.app.state.database.session() as session:
        page = await grants_page(session, scope, filters)
    return await _page(request, "grants", filters, partial, scope, page)


@router.get("/allocation")
async def allocation(request: Request, filters: FiltersDep, partial: Partial = False) -> Response:
    scope = await _scope_or_refusal(request, "allocation")
    if isinstance(scope, HTMLResponse):
        return scope
    async with request.app.state.database.session() as session:
        page = await allocation_page(session, scope, filters, danish_date())
    return await _page(request, "allocation", filters, partial, scope, page)


@router.get("/tribunal")
async def tribunal(request: Request, filters: FiltersDep, partial: Partial = False) -> Response:
    scope = await _scope_or_refusal(request, "tribunal")
    if isinstance(scope, HTMLResponse):
        return scope
    async with request.app.state.database.session() as session:
        page = await tribunal_page(session, scope, filters, danish_date())
    return await _page(request, "tribunal", filters, partial, scope, page)


@router.get("/operations")
async def operations_page(
    request: Request, filters: FiltersDep, partial: Partial = False
) -> Response:
    scope = await _scope_or_refusal(request, "operations")
    if isinstance(scope, HTMLResponse):
        return scope
    page = await operations.operations_page(request.app.state.database, request.app.state.settings)
    return await _page(request, "operations", filters, partial, scope, page)
