"""The Excel export of an organisation's or a municipality's key figures."""

from __future__ import annotations

import io

import xlsxwriter

from benchmarks.api.schemas import OverviewFigures
from benchmarks.domain import figures as f
from common.exports import write_cell, write_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(overview: OverviewFigures) -> bytes:
    """Two sheets: the aggregate ("Nøgletal") and the departments with their figures, red and
    yellow values filled in their colour ("Afdelinger")."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    fills = {
        "red": book.add_format({"bg_color": "#F4B6B6"}),
        "yellow": book.add_format({"bg_color": "#FFF2A8"}),
    }
    sheet = book.add_worksheet("Nøgletal")
    write_row(sheet, 0, 0, ["Nøgletal", "Kode", "Enhed", "Værdi", "Afdelinger", "Landsgns."], bold)
    for line, total in enumerate(overview.aggregate.figures, start=1):
        write_row(sheet, line, 0, [total.name, total.code, total.unit])
        if total.value is not None:
            write_cell(sheet, line, 3, float(total.value))
        write_cell(sheet, line, 4, total.departments)
        if total.benchmark is not None:
            write_cell(sheet, line, 5, float(total.benchmark))
    detail = book.add_worksheet("Afdelinger")
    header = ["Afdeling", "Boligorganisation", "Kommune", "År", "Lejemål"]
    for spec in f.CATALOGUE:
        header += [f"{spec.name} ({spec.unit})", "Benchmark", "Farve", "Begrundelse"]
    write_row(detail, 0, 0, header, bold)
    for line, department in enumerate(overview.departments.items, start=1):
        write_row(
            detail,
            line,
            0,
            [
                department.department_id,
                department.organisation_id,
                department.municipality_code,
                department.year,
                department.dwellings,
            ],
        )
        column = 5
        for figure in department.figures:
            fill = fills.get(figure.colour)
            if figure.value is not None:
                write_cell(detail, line, column, float(figure.value), fill)
            if figure.benchmark is not None:
                write_cell(detail, line, column + 1, float(figure.benchmark))
            write_cell(detail, line, column + 2, figure.colour)
            if figure.reason:
                write_cell(detail, line, column + 3, figure.reason)
            column += 4
    book.close()
    return buffer.getvalue()
