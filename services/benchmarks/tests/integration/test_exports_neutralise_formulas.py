"""The benchmarks' Excel exports carry no live formula and keep figures as numbers (issue 12,
item 1). No free text from outside the service reaches them (ids follow the id pattern; names,
units and reasons are the catalogue's), so this guards the shared writer's use."""

from __future__ import annotations

import pytest

from benchmarks.api.schemas import OverviewFigures
from benchmarks.api.workbook import workbook
from common.auth import Role
from common.testing.exports import HOSTILE, assert_hostile_neutralised, xlsx_cells

from .bm_factories import simple_department

API = "/benchmarks/v1"


@pytest.fixture
async def client(benchmarks_client, feed):
    client = await benchmarks_client(min_group_size=2, public_min_departments=3)
    await feed(
        simple_department("A1", "1000.00", organisation_id="org-a"),
        *(simple_department(f"B{i}", "1200.00", organisation_id="org-b") for i in range(1, 6)),
    )
    return client


@pytest.mark.parametrize(
    "path", ["organisations/org-b/key-figures", "municipalities/101/key-figures"]
)
async def test_workbook_has_no_formula(client, tokens, path):
    response = await client.get(
        f"{API}/{path}", params={"format": "xlsx"}, headers=tokens.headers(Role.FUND)
    )
    assert response.status_code == 200, response.text
    texts = xlsx_cells(response.content)
    assert "Afdeling" in texts


async def test_hostile_text_in_the_overview_is_written_as_text(client, tokens):
    """Were a name, unit or reason ever to carry outside text, it would arrive neutralised."""
    response = await client.get(
        f"{API}/organisations/org-b/key-figures", headers=tokens.headers(Role.FUND)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    for i, total in enumerate(body["aggregate"]["figures"]):
        total["name"] = HOSTILE[i % len(HOSTILE)]
        total["unit"] = HOSTILE[(i + 1) % len(HOSTILE)]
    for department in body["departments"]["items"]:
        for i, figure in enumerate(department["figures"]):
            figure["reason"] = HOSTILE[i % len(HOSTILE)]
    assert_hostile_neutralised(xlsx_cells(workbook(OverviewFigures.model_validate(body))))
