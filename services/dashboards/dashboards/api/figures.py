"""The pages' figures as JSON (``/dashboards/v1/pages/{page}``) and each table as CSV or
Excel (``/dashboards/tables/{page}/{table}.csv|.xlsx``), through common.exports (the one
writer that neutralises formulas)."""

import io
from datetime import date
from typing import Annotated, Any, Literal

import xlsxwriter
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from common.access import Scope
from common.calendar import danish_date
from common.exports import csv_writer, write_cell, write_row
from common.problems import problem_responses
from dashboards.api.deps import FiltersDep, scope_for
from dashboards.domain.errors import UnknownTableError
from dashboards.services.operations import operations_page
from dashboards.services.reading import (
    Filters,
    Page,
    allocation_page,
    governance_page,
    grants_page,
    register_page,
    tribunal_page,
)

api = APIRouter(tags=["figures"])
downloads = APIRouter(tags=["downloads"])

PAGES = ("register", "governance", "grants", "allocation", "tribunal", "operations")
ERRORS = problem_responses(
    {401: "No or an invalid token", 403: "A role without this page", 404: "No such table"}
)


async def load(request: Request, name: str, scope: Scope, filters: Filters) -> Page:
    if name == "operations":
        return await operations_page(request.app.state.database, request.app.state.settings)
    async with request.app.state.database.session() as session:
        if name == "register":
            return await register_page(session, scope, filters, danish_date())
        if name == "grants":
            return await grants_page(session, scope, filters)
        if name == "allocation":
            return await allocation_page(session, scope, filters, danish_date())
        if name == "tribunal":
            return await tribunal_page(session, scope, filters, danish_date())
        return await governance_page(session, scope, filters, danish_date())


def _json(value: Any) -> Any:
    if isinstance(value, int | str) or value is None:
        return value
    return str(value)


def _page_json(page: Page) -> dict[str, Any]:
    return {
        "municipalities": page.municipalities,
        "headline": {k: _json(v) for k, v in page.headline.items()},
        "tables": {
            key: {
                "caption": t.caption,
                "columns": list(t.columns),
                "rows": [[_json(v) for v in row] for row in t.rows],
            }
            for key, t in page.tables.items()
        },
    }


def _endpoint(name: str) -> Any:
    async def figures(
        request: Request, filters: FiltersDep, scope: Annotated[Scope, Depends(scope_for(name))]
    ) -> dict[str, Any]:
        page = _page_json(await load(request, name, scope, filters))
        return {"revision": request.app.state.watcher.current, **page}

    return figures


for _name in PAGES:
    api.add_api_route(
        f"/pages/{_name}",
        _endpoint(_name),
        methods=["GET"],
        summary=f"The {_name} dashboard's figures",
        responses=ERRORS,
    )


def _download(name: str) -> Any:
    async def table(
        request: Request,
        filters: FiltersDep,
        scope: Annotated[Scope, Depends(scope_for(name))],
        table: Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")],
        fmt: Annotated[Literal["csv", "xlsx"], Path()],
    ) -> Response:
        page = await load(request, name, scope, filters)
        found = page.tables.get(table)
        if found is None:
            raise UnknownTableError(
                f"The {name} page has no table '{table}'; it has: {', '.join(page.tables)}."
            )
        filename = f"{name}-{table}-{filters.year}.{fmt}"
        disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv_writer(buffer, delimiter=";")
            writer.writerow(found.columns)
            writer.writerows(found.rows)
            return Response(
                buffer.getvalue().encode("utf-8-sig"),
                media_type="text/csv; charset=utf-8",
                headers=disposition,
            )
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(table[:31])
        bold = workbook.add_format({"bold": True})
        write_row(sheet, 0, 0, found.columns, bold)
        dates = workbook.add_format({"num_format": "dd-mm-yyyy"})
        for n, row in enumerate(found.rows, start=1):
            for col, value in enumerate(row):
                write_cell(sheet, n, col, value, dates if isinstance(value, date) else None)
        workbook.close()
        return Response(
            output.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=disposition,
        )

    return table


for _name in PAGES:
    downloads.add_api_route(
        f"/tables/{_name}/{{table}}.{{fmt}}",
        _download(_name),
        methods=["GET"],
        summary=f"A table of the {_name} dashboard as CSV or Excel",
        responses=ERRORS,
    )
