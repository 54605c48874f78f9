"""The shared spreadsheet writer: formula triggers neutralised, numbers kept as numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter

from common.exports import csv_writer, safe_cell, safe_text, write_cell, write_row
from common.testing.exports import HOSTILE, NEUTRALISED, csv_cells, xlsx_cells


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_triggers_get_a_leading_quote(text):
    assert safe_text(text) == "'" + text
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "Solbakken", "101 København", "a=b", "'=already quoted", " =1", "2024-05-01"]
)
def test_other_text_is_unchanged(text):
    assert safe_text(text) == text


@pytest.mark.parametrize(
    "value", [None, True, False, 0, -2, -2.5, Decimal("-1234.50"), date(2024, 5, 1)]
)
def test_non_text_values_are_unchanged(value):
    assert safe_cell(value) is value


def test_other_objects_become_neutralised_text():
    class Odd:
        def __str__(self) -> str:
            return "=1+1"

    assert safe_cell(Odd()) == "'=1+1"


def test_csv_writer_neutralises_text_and_keeps_numbers():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["name", "amount", "count", "day", "empty"])
    writer.writerows([[text, Decimal("-12.50"), -3, date(2024, 5, 1), None] for text in HOSTILE])
    assert out.getvalue().startswith("name,amount,count,day,empty\r\n")
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert [row[0] for row in rows[1:]] == list(NEUTRALISED)
    assert rows[1][1:] == ["-12.50", "-3", "2024-05-01", ""]
    csv_cells(out.getvalue())  # the checker accepts it: negative numbers are not formulas


def test_csv_writer_writes_decimals_in_plain_notation():
    out = io.StringIO()
    csv_writer(out).writerow([Decimal("1E+3"), Decimal("0.10")])
    assert out.getvalue() == "1000,0.10\r\n"


def test_csv_checker_catches_a_raw_formula():
    with pytest.raises(AssertionError, match="formula"):
        csv_cells('name\r\n"=HYPERLINK(""http://x"",""x"")"\r\n')
    with pytest.raises(AssertionError, match="formula"):
        csv_cells("name\r\n-2+3|cmd\r\n")


def _book(fill) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    fill(book, book.add_worksheet("Ark"))
    book.close()
    return buffer.getvalue()


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers():
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC).replace(tzinfo=None)

    def fill(book, sheet):
        bold = book.add_format({"bold": True})
        write_row(sheet, 0, 0, ["Tekst", "Beløb", "Antal", "Ja/nej", "Tom", "Tid"], bold)
        for row, text in enumerate(HOSTILE, start=1):
            write_row(sheet, row, 0, [text, Decimal("-12.50"), -3, True, None])
            write_cell(sheet, row, 5, when, book.add_format({"num_format": "dd-mm-yyyy hh:mm"}))
        write_cell(sheet, 10, 0, "")
        write_cell(sheet, 10, 1, -7.25, bold)

    content = _book(fill)
    texts = xlsx_cells(content)
    for text in NEUTRALISED:
        assert text in texts
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Ark"]
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == -12.5
    assert sheet["B2"].data_type == "n"
    assert sheet["C2"].value == -3
    assert sheet["C2"].data_type == "n"
    assert sheet["D2"].value is True
    assert sheet["E2"].value is None
    assert sheet["F2"].is_date
    assert sheet["F2"].value == when
    assert sheet["A11"].value is None
    assert sheet["B11"].value == -7.25
    assert sheet["B11"].font.bold


def test_xlsx_checker_catches_a_formula_and_an_escaped_control_character():
    with pytest.raises(AssertionError, match="formula"):
        xlsx_cells(_book(lambda book, sheet: sheet.write(0, 0, "=1+1")))
    with pytest.raises(AssertionError, match="formula"):
        xlsx_cells(_book(lambda book, sheet: sheet.write_string(0, 0, "\r=1")))
    with pytest.raises(AssertionError, match="formula"):
        xlsx_cells(_book(lambda book, sheet: sheet.write_string(0, 0, "@SUM(1)")))
