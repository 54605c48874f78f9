"""Dates outside the platform's range are a 422 naming the parameter (issue 12, item 3): the
public data sheet with ``date=0001-01-01`` used to answer 500 (``year 0 is out of range``) and
``date=0`` read as 1970-01-01."""

from __future__ import annotations

import pytest

from common.auth import Role

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("value", ["0001-01-01", "0", "9999-12-31", "2024-02-30"])
@pytest.mark.parametrize(
    "path",
    [
        "/register/v1/statistics/municipalities/101/data-sheet",
        "/register/v1/statistics/dwellings",
        "/register/v1/statistics/municipal-allocation/stock",
        "/register/v1/vacancy/listings",
    ],
)
async def test_a_public_date_out_of_range_is_a_422_naming_it(register_client, path, value):
    client = await register_client()
    response = await client.get(path, params={"date": value})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    [error] = response.json()["errors"]
    assert (error["in"], error["parameter"]) == ("query", "date")
    assert "date" in error["detail"]


@pytest.mark.parametrize("month", ["0000-01", "2024-13"])
async def test_a_month_out_of_range_is_a_422(register_client, tokens, month):
    client = await register_client()
    response = await client.get(
        "/register/v1/vacancy/monthly",
        params={"month": month},
        headers=tokens.headers(Role.FUND),
    )
    assert response.status_code == 422, response.text
    assert "YYYY-MM" in response.text


async def test_a_lease_starting_in_year_one_is_refused_with_a_pointer(register_client, tokens):
    client = await register_client()
    response = await client.post(
        "/register/v1/leases",
        json={
            "LejekontraktUnikIdentifikator": "L-1",
            "BoligUnikIdentifikator": "B-1",
            "LejekontraktStartDato": "0001-01-01",
        },
        headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-a"]),
    )
    assert response.status_code == 422, response.text
    assert "LejekontraktStartDato" in response.text
    assert "between 1900-01-01 and 2199-12-31" in response.text
