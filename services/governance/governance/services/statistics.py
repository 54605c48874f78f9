"""Statistics (seed 002 §8): the key-figure report with five years of history and the
department report as a tree (organisation → departments), as JSON and as Excel with the
critical colours kept. Years are governance years (styringsår), not accounts years.

Each caller sees what it may see of the packages (the same rules as the packages themselves);
the public (``scope=None``) sees the key figures of packages whose meeting has been held.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.exports import write_cell, write_row
from governance.db.models import FormRow, PackageRow
from governance.db.repositories import PackageRepository
from governance.domain.rules import FormKind
from governance.domain.visibility import sees_form

HISTORY_YEARS = 5
EXCEL_COLOURS = {"red": "#E06666", "yellow": "#FFD966", "green": "#93C47D"}
COLOUR_LABELS = {"red": "Rød", "yellow": "Gul", "green": "Grøn", "none": ""}


@dataclass(frozen=True, slots=True)
class Cell:
    value: str | None
    benchmark: str | None
    colour: str


@dataclass
class FigureRow:
    organisation_id: str
    department_id: str
    code: str
    unit: str
    by_year: dict[int, Cell] = field(default_factory=dict)


async def _forms(
    session: AsyncSession,
    scope: Scope | None,
    years: Sequence[int],
    organisation_id: str | None,
    municipality_code: str | None,
) -> list[tuple[PackageRow, FormRow]]:
    """The department forms of the packages the caller sees (``None``: the public), of those
    the caller sees."""
    caller = scope.municipality_code if scope else None
    return [
        (package, form)
        for package, form in await PackageRepository(session).department_forms_read_by(
            scope, years, organisation_id, municipality_code
        )
        if sees_form(
            caller, package.home_municipality_code, FormKind.DEPARTMENT, form.municipality_code
        )
    ]


async def key_figure_report(
    session: AsyncSession,
    scope: Scope | None,
    *,
    year: int,
    organisation_id: str | None = None,
    municipality_code: str | None = None,
    codes: Sequence[str] | None = None,
) -> tuple[list[int], list[FigureRow]]:
    """Per department and key figure, the values of the last five governance years."""
    years = list(range(year - HISTORY_YEARS + 1, year + 1))
    rows: dict[tuple[str, str, str], FigureRow] = {}
    for package, form in await _forms(session, scope, years, organisation_id, municipality_code):
        for figure in form.figures or []:
            if codes and figure["code"] not in codes:
                continue
            key = (package.organisation_id, form.key, figure["code"])
            row = rows.setdefault(
                key,
                FigureRow(
                    package.organisation_id, form.key, figure["code"], figure.get("unit", "")
                ),
            )
            row.by_year[package.year] = Cell(
                figure.get("value"), figure.get("benchmark"), figure.get("colour", "none")
            )
    return years, [rows[k] for k in sorted(rows)]


@dataclass
class DepartmentNode:
    department_id: str
    municipality_code: str | None
    status: str
    figures: dict[str, Cell]


@dataclass
class OrganisationNode:
    organisation_id: str
    package_id: str
    status: str
    departments: list[DepartmentNode] = field(default_factory=list)

    @property
    def red(self) -> int:
        return sum(1 for d in self.departments for c in d.figures.values() if c.colour == "red")

    @property
    def yellow(self) -> int:
        return sum(1 for d in self.departments for c in d.figures.values() if c.colour == "yellow")


async def department_report(
    session: AsyncSession,
    scope: Scope | None,
    *,
    year: int,
    organisation_id: str | None = None,
    municipality_code: str | None = None,
) -> tuple[list[str], list[OrganisationNode]]:
    """The key figures of every department for one year, grouped by organisation."""
    tree: dict[str, OrganisationNode] = {}
    codes: set[str] = set()
    for package, form in await _forms(session, scope, [year], organisation_id, municipality_code):
        node = tree.setdefault(
            package.organisation_id,
            OrganisationNode(package.organisation_id, package.id, package.status),
        )
        figures = {
            f["code"]: Cell(f.get("value"), f.get("benchmark"), f.get("colour", "none"))
            for f in form.figures or []
        }
        codes.update(figures)
        node.departments.append(
            DepartmentNode(form.key, form.municipality_code, form.status, figures)
        )
    return sorted(codes), [tree[k] for k in sorted(tree)]


# --- Excel -----------------------------------------------------------------------------------


def _formats(book: Any) -> dict[str, Any]:
    formats = {
        colour: book.add_format({"bg_color": rgb, "border": 1})
        for colour, rgb in EXCEL_COLOURS.items()
    }
    formats["none"] = book.add_format({"border": 1})
    formats["header"] = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1})
    formats["organisation"] = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    return formats


def _number(value: str | None) -> float | str:
    # Excel stores numbers as binary floats; the exact decimal string travels in the JSON API.
    if value is None:
        return ""
    try:
        return float(value)
    except ValueError:
        return value


def key_figure_workbook(years: list[int], rows: list[FigureRow]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = _formats(book)
    sheet = book.add_worksheet("Nøgletal")
    header = ["Boligorganisation", "Afdeling", "Nøgletal", "Enhed"]
    for year in years:
        header += [f"{year}", f"{year} benchmark", f"{year} vurdering"]
    write_row(sheet, 0, 0, header, formats["header"])
    for index, row in enumerate(rows, start=1):
        write_row(sheet, index, 0, [row.organisation_id, row.department_id, row.code, row.unit])
        for offset, year in enumerate(years):
            column = 4 + offset * 3
            cell = row.by_year.get(year)
            if cell is None:
                continue
            fmt = formats.get(cell.colour, formats["none"])
            write_cell(sheet, index, column, _number(cell.value), fmt)
            write_cell(sheet, index, column + 1, _number(cell.benchmark))
            write_cell(sheet, index, column + 2, COLOUR_LABELS.get(cell.colour, ""), fmt)
    sheet.freeze_panes(1, 4)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    sheet.set_column(0, 3, 18)
    book.close()
    return buffer.getvalue()


def department_workbook(year: int, codes: list[str], tree: list[OrganisationNode]) -> bytes:
    """The tree as Excel: one row per organisation with its departments grouped (collapsed)
    below it, so the sheet folds out like the platform's tree view."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = _formats(book)
    sheet = book.add_worksheet(f"Afdelinger {year}")
    sheet.outline_settings(True, False, True, False)  # summary rows above the details
    write_row(
        sheet,
        0,
        0,
        ["Boligorganisation", "Afdeling", "Kommune", "Status", *codes],
        formats["header"],
    )
    row = 1
    for node in tree:
        write_row(
            sheet,
            row,
            0,
            [node.organisation_id, f"{len(node.departments)} afdelinger", "", node.status],
            formats["organisation"],
        )
        write_cell(sheet, row, 4, f"{node.red} røde, {node.yellow} gule", formats["organisation"])
        row += 1
        for department in node.departments:
            sheet.set_row(row, None, None, {"level": 1, "hidden": True})
            write_row(
                sheet,
                row,
                0,
                [
                    "",
                    department.department_id,
                    department.municipality_code or "",
                    department.status,
                ],
            )
            for offset, code in enumerate(codes):
                cell = department.figures.get(code)
                if cell is not None:
                    write_cell(
                        sheet,
                        row,
                        4 + offset,
                        _number(cell.value),
                        formats.get(cell.colour, formats["none"]),
                    )
            row += 1
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 3, 18)
    book.close()
    return buffer.getvalue()
