"""The governance statistics in Excel carry no live formula (issue 12, item 1): hostile text in
a key figure's unit (it comes from another service's event) arrives as quoted text, and a
negative figure stays a number."""

from __future__ import annotations

import io

import openpyxl
import pytest

from common.events.contracts import CriticalColour
from common.testing.exports import HOSTILE, assert_hostile_neutralised, xlsx_cells

from .support import (
    API,
    YEAR,
    apply,
    department,
    figure,
    fund,
    key_figures,
    open_year,
    organisation,
)

CODES = [f"code_{letter}" for letter in "abcdef"]


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    client = await governance_client()
    hostile = [
        figure(code, CriticalColour.GREEN, value="-12.50").model_copy(update={"unit": text})
        for code, text in zip(CODES, HOSTILE, strict=True)
    ]
    await apply(
        governance_db,
        organisation("BO-1", "101"),
        department("d1", "BO-1", "101"),
        key_figures("d1", "BO-1", *hostile),
    )
    await open_year(client, tokens)
    return client


async def test_key_figure_workbook(client, tokens):
    response = await client.get(
        f"{API}/statistics/key-figures",
        params={"year": YEAR, "format": "xlsx"},
        headers=fund(tokens),
    )
    assert response.status_code == 200, response.text
    assert_hostile_neutralised(xlsx_cells(response.content))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    column = [c.value for c in sheet[1]].index(str(YEAR)) + 1
    assert sheet.cell(row=2, column=column).value == pytest.approx(-12.5)
    assert sheet.cell(row=2, column=column).data_type == "n"


async def test_department_workbook(client, tokens):
    response = await client.get(
        f"{API}/statistics/departments",
        params={"year": YEAR, "format": "xlsx"},
        headers=fund(tokens),
    )
    assert response.status_code == 200, response.text
    xlsx_cells(response.content)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=3, column=5).value == pytest.approx(-12.5)
    assert sheet.cell(row=3, column=5).data_type == "n"
