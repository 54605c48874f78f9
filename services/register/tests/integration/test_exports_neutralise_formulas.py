"""Every CSV and XLSX the register writes neutralises text a spreadsheet would read as a formula
(issue 12, item 1): hostile organisation, department and address texts come out as quoted
text, never as a formula, while amounts stay numbers."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from common.auth import Role
from common.testing.exports import HOSTILE, assert_hostile_neutralised, csv_cells, xlsx_cells

sys.path.insert(0, str(Path(__file__).parent))
from stats_rows import StatsRows

ON = "2025-10-31"
ORG = "org-x"


@pytest.fixture
async def hostile(register_client, register_db_url):
    client = await register_client()
    with StatsRows(register_db_url) as rows:
        rows.organisation(ORG, name=HOSTILE[0])
        for i, text in enumerate(HOSTILE):
            department = rows.department(f"D{i}", ORG, name=text)
            # A department of one dwelling: its rent figures are suppressed on the data sheet,
            # its name is not.
            dwelling = rows.dwelling(f"d{i}", department, street=text, city=text, floor=text)
            rows.lease(f"l{i}", dwelling, start=date(2025, 1, 1), rent="5000")
            vacant = rows.dwelling(f"v{i}", department, city=text)
            rows.lease(
                f"v{i}-loss",
                vacant,
                start=date(2025, 10, 1),
                vacancy_loss=True,
                tenant_name=None,
            )
        yield client


def org_headers(tokens):
    return tokens.headers(Role.HOUSING_ORG, orgs=[ORG])


async def test_data_sheet_xlsx_has_no_formula(hostile):
    response = await hostile.get(
        "/register/v1/statistics/municipalities/101/data-sheet",
        params={"date": ON, "year": 2025, "format": "xlsx"},
    )  # public: no token
    assert response.status_code == 200, response.text
    assert_hostile_neutralised(xlsx_cells(response.content))


async def test_monthly_vacancy_csv_has_no_formula(hostile, tokens):
    response = await hostile.get(
        "/register/v1/vacancy/monthly",
        params={"month": "2025-10", "format": "csv"},
        headers=org_headers(tokens),
    )
    assert response.status_code == 200, response.text
    assert_hostile_neutralised(csv_cells(response.text))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/register/v1/reports/departments/D0", {}),
        ("/register/v1/reports/departments", {"organisation_id": ORG}),
    ],
)
async def test_reports_have_no_formula(hostile, tokens, path, params, fmt):
    response = await hostile.get(
        path, params={"date": ON, "format": fmt, **params}, headers=org_headers(tokens)
    )
    assert response.status_code == 200, response.text
    cells = csv_cells(response.text) if fmt == "csv" else xlsx_cells(response.content)
    expected = HOSTILE if "organisation_id" in params else HOSTILE[:1]
    assert_hostile_neutralised(cells, *expected)


async def test_benefit_feed_csv_has_no_formula(hostile, tokens):
    response = await hostile.get(
        "/register/v1/municipalities/101/as-of",
        params={"date": ON, "format": "csv"},
        headers=tokens.headers(Role.BENEFIT_AUTHORITY),
    )
    assert response.status_code == 200, response.text
    cells = csv_cells(response.text)
    assert_hostile_neutralised(cells)
    assert "5000.00" in cells  # the rent, a plain number
