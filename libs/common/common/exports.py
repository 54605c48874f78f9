"""The one way the platform writes spreadsheet cells (CSV and XLSX).

Text that a spreadsheet program would read as a formula is neutralised (OWASP's CSV-injection
rule): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading single quote, so ``=HYPERLINK(…)`` arrives as the text ``'=HYPERLINK(…)``. Numbers stay
numbers — a negative amount is not text and is written as a number, never quoted. In XLSX every
text goes through ``write_string`` (XlsxWriter's ``write`` turns a string starting with ``=``
into a formula), so an export never contains a formula cell.

Every CSV and XLSX export uses :class:`CsvWriter` / :func:`csv_writer` and :func:`write_cell` /
:func:`write_row` here for its cells; the worksheet's layout (formats, widths, panes, filters)
stays with the caller's own XlsxWriter workbook.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final, Protocol

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
QUOTE: Final = "'"


def safe_text(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would start a formula with it."""
    return QUOTE + text if text.startswith(FORMULA_TRIGGERS) else text


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def safe_cell(value: Any) -> Any:
    """A cell value fit for a spreadsheet: numbers, booleans, dates and ``None`` unchanged, text
    neutralised, anything else as its neutralised text."""
    if value is None or isinstance(value, bool) or _is_number(value):
        return value
    if isinstance(value, date | time):
        return value
    if isinstance(value, str):
        return safe_text(value)
    return safe_text(str(value))


# --- CSV -----------------------------------------------------------------------------------------


class _TextStream(Protocol):
    def write(self, text: str, /) -> Any: ...


def _csv_field(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # never 1E+3
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return safe_cell(value)


class CsvWriter:
    """``csv.writer`` whose every field passes :func:`safe_cell` (``None`` is an empty field,
    a ``Decimal`` its plain decimal notation, a date its ISO form)."""

    def __init__(self, stream: _TextStream, **fmtparams: Any) -> None:
        fmtparams.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([_csv_field(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _TextStream, **fmtparams: Any) -> CsvWriter:
    """A :class:`CsvWriter` (RFC 4180 line ends unless told otherwise)."""
    return CsvWriter(stream, **fmtparams)


# --- XLSX ----------------------------------------------------------------------------------------


class Worksheet(Protocol):
    """What this module uses of an XlsxWriter worksheet."""

    def write_string(self, row: int, col: int, string: str, cell_format: Any = None, /) -> Any: ...
    def write_number(
        self, row: int, col: int, number: float, cell_format: Any = None, /
    ) -> Any: ...
    def write_boolean(
        self, row: int, col: int, boolean: bool, cell_format: Any = None, /
    ) -> Any: ...
    def write_blank(self, row: int, col: int, blank: Any, cell_format: Any = None, /) -> Any: ...
    def write_datetime(self, row: int, col: int, date: Any, cell_format: Any = None, /) -> Any: ...


def write_cell(sheet: Worksheet, row: int, col: int, value: Any, cell_format: Any = None) -> None:
    """One cell by its Python type: text as (neutralised) text, never a formula; numbers as
    numbers; booleans; dates and times as Excel dates; ``None`` and ``""`` blank (kept for its
    format)."""
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif _is_number(value):
        sheet.write_number(row, col, float(value), cell_format)
    elif isinstance(value, datetime | date | time):
        sheet.write_datetime(row, col, value, cell_format)
    elif (text := str(value)) == "":
        sheet.write_blank(row, col, None, cell_format)  # as XlsxWriter's write() does
    else:
        sheet.write_string(row, col, safe_text(text), cell_format)


def write_row(
    sheet: Worksheet, row: int, col: int, values: Iterable[Any], cell_format: Any = None
) -> None:
    """:func:`write_cell` for each value, left to right from ``col``."""
    for offset, value in enumerate(values):
        write_cell(sheet, row, col + offset, value, cell_format)
