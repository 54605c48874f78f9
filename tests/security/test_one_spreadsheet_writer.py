"""Every CSV and XLSX the platform writes goes through ``common.exports`` (issue 12, item 1).

The per-service tests (``services/*/tests/integration/test_exports_neutralise_formulas.py``)
put hostile text into each export over HTTP; this scan keeps a future export from writing
cells on its own: outside ``common/exports.py`` no production code calls ``csv.writer`` or
writes worksheet cells itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_WRITER = ROOT / "libs" / "common" / "common" / "exports.py"

FORBIDDEN = re.compile(
    r"csv\.(writer|DictWriter)\("
    # (psycopg's COPY, ``copy.write_row``, writes database rows, not cells)
    r"|(?<!\bcopy)\.write_(row|column|string|number|formula|array_formula|dynamic_array_formula"
    r"|rich_string|url|boolean)\("
    r"|\.write\(\s*[^,()\s]+\s*,\s*[^,()\s]+\s*,"  # worksheet.write(row, col, value…)
)


def production_files() -> list[Path]:
    files = []
    for base in (ROOT / "services", ROOT / "libs"):
        for path in base.rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if parts & {"tests", "migrations", ".venv", "__pycache__"} or path == SHARED_WRITER:
                continue
            files.append(path)
    return files


@pytest.mark.parametrize(
    ("line", "forbidden"),
    [
        ("sheet.write_row(0, 0, values)", True),
        ("worksheet.write(row, 0, value)", True),
        ("writer = csv.writer(buffer)", True),
        ("await copy.write_row(row)", False),  # psycopg's COPY into a table
    ],
)
def test_the_scan_tells_cells_from_other_writes(line: str, forbidden: bool) -> None:
    assert bool(FORBIDDEN.search(line)) is forbidden


def test_there_is_production_code_to_scan():
    names = {p.name for p in production_files()}
    assert {"statistics_exports.py", "workbook.py", "deliveries.py"} <= names


def test_no_cells_written_outside_the_shared_writer():
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in production_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert not offending, "write spreadsheet cells through common.exports:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "line",
    [
        "writer = csv.writer(out)",
        "ws.write(0, 0, intro, title)",
        "ws.write(r, col, attr(unit))",
        "sheet.write_row(0, 0, header, bold)",
        "detail.write_string(line, column + 2, figure.colour)",
        "worksheet.write_formula('A1', '=1+1')",
    ],
)
def test_the_scan_recognises_a_cell_write(line):
    assert FORBIDDEN.search(line)


@pytest.mark.parametrize(
    "line", ["out.write(text)", "sys.stderr.write(text)", "write_cell(ws, 0, 0, v)"]
)
def test_the_scan_leaves_other_writes_alone(line):
    assert not FORBIDDEN.search(line)
