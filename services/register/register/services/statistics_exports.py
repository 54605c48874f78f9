"""The statistics products as files: the municipal data sheet as an XLSX workbook and the
monthly vacancy counts as CSV (the JSON of both is the API's)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final

import xlsxwriter

from common.exports import csv_writer, write_cell
from register.domain.suppression import Cell
from register.services.statistics import (
    ALLOCATION_LABELS,
    ALLOCATION_TYPES,
    HOUSING_TYPE_LABELS,
    HOUSING_TYPES,
    DataSheet,
    MonthlyVacancy,
    SheetUnit,
)


def data_sheet_xlsx(sheet: DataSheet) -> bytes:
    """The data sheet as an Excel workbook: Kommune, Boligorganisationer, Afdelinger."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    title = workbook.add_format({"bold": True, "font_size": 14})
    dkk = workbook.add_format({"num_format": '#,##0.00 "kr."'})
    m2 = workbook.add_format({"num_format": '#,##0.00 "m²"'})
    count = workbook.add_format({"num_format": "#,##0"})
    hidden = workbook.add_format({"align": "right", "italic": True})

    columns: list[tuple[str, str, Any]] = [
        *((f"dwellings:{t}", f"Boliger, {HOUSING_TYPE_LABELS[t].lower()}", count) for t in HOUSING_TYPES),
        ("dwellings:total", "Boliger i alt", count),
        ("average_monthly_rent", "Gns. husleje pr. md.", dkk),
        ("monthly_rent_per_m2", "Husleje pr. m² pr. md.", dkk),
        ("average_area_m2", "Gns. boligareal", m2),
        ("move_outs", f"Fraflytninger {sheet.year}", count),
        *((f"relettings:{a}", f"Genudlejet {sheet.year}: {ALLOCATION_LABELS[a]}", count) for a in ALLOCATION_TYPES),
        ("relettings:total", f"Genudlejninger {sheet.year} i alt", count),
    ]  # fmt: skip

    def value_of(unit: SheetUnit, column: str) -> tuple[Any, bool]:
        if ":" in column:
            group, item = column.split(":", 1)
            c: Cell = getattr(unit, group).get(item, Cell(value=0, suppressed=False))
            return c.value, c.suppressed
        v = getattr(unit, column)
        if isinstance(v, Cell):
            return v.value, v.suppressed
        return (None if v is None else float(v)), v is None and unit.averages_suppressed

    def write_table(
        name: str, lead: list[tuple[str, Any]], units: Sequence[SheetUnit], intro: str
    ) -> None:
        ws = workbook.add_worksheet(name)
        write_cell(ws, 0, 0, intro, title)
        write_cell(ws, 1, 0, f"Bestand og husleje pr. {sheet.date.isoformat()}; x = diskretioneret")
        header_row = 3
        headers = [h for h, _ in lead] + [label for _, label, _ in columns]
        for col, header in enumerate(headers):
            write_cell(ws, header_row, col, header, bold)
            ws.set_column(col, col, 14 if col >= len(lead) else 28)
        for r, unit in enumerate(units, start=header_row + 1):
            for col, (_, attr) in enumerate(lead):
                write_cell(ws, r, col, attr(unit))
            for i, (column, _, fmt) in enumerate(columns, start=len(lead)):
                v, is_hidden = value_of(unit, column)
                if is_hidden:
                    write_cell(ws, r, i, "x", hidden)
                elif v is None:
                    write_cell(ws, r, i, None)
                else:
                    write_cell(ws, r, i, v, fmt)
        ws.freeze_panes(header_row + 1, len(lead))
        ws.autofilter(header_row, 0, header_row + max(len(units), 1), len(headers) - 1)

    write_table(
        "Kommune",
        [("Kommune", lambda u: f"{sheet.municipality_code} {sheet.municipality_name}")],
        [sheet.summary],
        f"Kommunalt dataark: {sheet.municipality_name} ({sheet.municipality_code})",
    )
    write_table(
        "Boligorganisationer",
        [
            ("Boligorganisation", lambda u: u.organisation_id),
            ("Navn", lambda u: u.organisation_name),
        ],
        sheet.organisations,
        f"Boligorganisationer i {sheet.municipality_name}",
    )
    write_table(
        "Afdelinger",
        [
            ("Boligorganisation", lambda u: u.organisation_id),
            ("Afdeling", lambda u: u.department_id),
            ("Afdelingsnavn", lambda u: u.department_name),
            ("Boligtype", lambda u: HOUSING_TYPE_LABELS.get(u.housing_type or "", u.housing_type)),
        ],
        sheet.departments,
        f"Afdelinger i {sheet.municipality_name}",
    )
    workbook.close()
    return buffer.getvalue()


CSV_COLUMNS: Final = (
    "month",
    "organisation_id",
    "organisation_name",
    "department_id",
    "department_name",
    "municipality_code",
    "dwellings",
    "vacancy_days",
    "dwelling_months",
)


def monthly_vacancy_csv(report: MonthlyVacancy) -> str:
    """One line per department (RFC 4180, comma-separated, UTF-8)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    for organisation in report.organisations:
        for d in organisation.departments:
            writer.writerow(
                (
                    report.month,
                    d.organisation_id,
                    d.organisation_name,
                    d.department_id,
                    d.department_name,
                    d.municipality_code,
                    d.dwellings,
                    d.vacancy_days,
                    d.dwelling_months,
                )
            )
    return out.getvalue()
