"""The benefit authority's feed: every dwelling of a municipality as of a date, streamed."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from common.auth import Role
from common.problems import PROBLEM_MEDIA_TYPE
from register.services import reading
from register.services.reading import FEED_HEADER, FeedFormat

from .seed_rows import Seed, dwelling_values, lease_values

FEED = "/register/v1/municipalities/{}/as-of"
DAY = "2024-05-01"
N = 3000


def expected_rent(i: int) -> str | None:
    """Dwelling i: every third has no lease in force; the others pay 4000 + i kr. base rent, a
    100 kr. surcharge for even i, and heating (not rent)."""
    if i % 3 == 0:
        return None
    return format(Decimal(4000 + i) + (Decimal(100) if i % 2 == 0 else 0), ".2f")


@pytest.fixture
async def big(register_client, register_db_url):
    client = await register_client()
    seed = Seed(register_db_url)
    seed.organisation("ORG-1")
    seed.department("AFD-1", "ORG-1", "101")
    seed.department("AFD-2", "ORG-1", "147")
    start = date(2024, 1, 1)
    dwellings, leases, expenses = [], [], []
    for i in range(N):
        dwelling_id = f"B-{i:05d}"
        dwellings.append(dwelling_values(dwelling_id, "AFD-1", rooms=1 + i % 5))
        lease_id = f"L-{i:05d}"
        if i % 3 == 0:  # a lease that ended the day before: no lease in force
            leases.append(lease_values(lease_id, dwelling_id, start, date(2024, 4, 30)))
        else:
            leases.append(lease_values(lease_id, dwelling_id, start + timedelta(days=i % 100)))
        expenses.append(
            {
                "lease_id": lease_id,
                "expense_type": "base_rent",
                "monthly_amount": Decimal(4000 + i),
                "valid_from": start,
                "valid_to": None,
            }
        )
        expenses.append(
            {
                "lease_id": lease_id,
                "expense_type": "heating",
                "monthly_amount": Decimal("500.00"),
                "valid_from": start,
                "valid_to": None,
            }
        )
        if i % 2 == 0:
            expenses.append(
                {
                    "lease_id": lease_id,
                    "expense_type": "improvement_surcharge",
                    "monthly_amount": Decimal("100.00"),
                    "valid_from": start,
                    "valid_to": None,
                }
            )
    seed.dwellings(dwellings)
    seed.leases(leases)
    seed.expenses(expenses)
    # Another municipality's dwelling is not in 101's feed.
    seed.dwelling("X-1", "AFD-2")
    yield client, seed, register_db_url
    seed.dispose()


def feed_headers(tokens, role: Role = Role.BENEFIT_AUTHORITY, **kw) -> dict[str, str]:
    return tokens.headers(role, **kw)


async def test_ndjson_stream_of_3000_dwellings_parses_back_fully(big, tokens):
    client, _, _ = big
    response = await client.get(
        FEED.format("101"), params={"date": DAY, "format": "ndjson"}, headers=feed_headers(tokens)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert len(lines) == N
    records = [json.loads(line) for line in lines]
    assert [r["BoligUnikIdentifikator"] for r in records] == [f"B-{i:05d}" for i in range(N)]
    for i, record in enumerate(records):
        assert tuple(record) == FEED_HEADER
        assert record["Dato"] == DAY
        assert record["KommuneKode"] == "101"
        assert record["Husleje"] == expected_rent(i), i
        if i % 3 == 0:
            assert record["LejekontraktUnikIdentifikator"] is None
        else:
            assert record["LejekontraktUnikIdentifikator"] == f"L-{i:05d}"
            assert record["LejekontraktTomgangsledigIndikator"] is False
    assert "Tenant of" not in response.text


async def test_csv_stream_of_3000_dwellings_parses_back_fully(big, tokens):
    client, _, _ = big
    response = await client.get(
        FEED.format("101"), params={"date": DAY, "format": "csv"}, headers=feed_headers(tokens)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == N
    assert tuple(rows[0]) == FEED_HEADER
    for i, row in enumerate(rows):
        assert row["BoligUnikIdentifikator"] == f"B-{i:05d}"
        assert row["Husleje"] == (expected_rent(i) or "")  # "." decimals, empty = no lease
        assert row["BoligAntalRum"] == str(1 + i % 5)
        assert row["Bynavn"] == "København N"
    assert rows[1]["LejekontraktLedigIndikator"] == "false"
    assert rows[1]["BoligArealKvadratmeter"] == "78.00"


async def test_the_body_is_produced_in_batches_from_a_cursor(big):
    """The generator behind the endpoint yields one chunk per batch of rows."""
    _, _, url = big
    engine = create_async_engine(url)
    try:
        chunks = [
            chunk
            async for chunk in reading.municipality_feed(
                engine, "101", date(2024, 5, 1), FeedFormat.NDJSON, batch_size=500
            )
        ]
        assert len(chunks) == N // 500
        assert all(chunk.count(b"\n") == 500 for chunk in chunks)
        csv_chunks = [
            chunk
            async for chunk in reading.municipality_feed(
                engine, "101", date(2024, 5, 1), FeedFormat.CSV, batch_size=1000
            )
        ]
        assert len(csv_chunks) == 1 + N // 1000  # the header, then one per batch
    finally:
        await engine.dispose()


async def test_feed_agrees_with_the_single_dwelling_answer(big, tokens):
    client, _, _ = big
    feed = await client.get(
        FEED.format("101"), params={"date": DAY}, headers=feed_headers(tokens, Role.FUND)
    )
    by_id = {r["BoligUnikIdentifikator"]: r for r in map(json.loads, feed.text.splitlines())}
    for dwelling_id in ("B-00000", "B-00001", "B-00002", "B-02999"):
        single = (
            await client.get(
                f"/register/v1/dwellings/{dwelling_id}/as-of",
                params={"date": DAY},
                headers=feed_headers(tokens),
            )
        ).json()
        lease = single["Lejekontrakt"]
        assert by_id[dwelling_id]["Husleje"] == single["Husleje"]
        assert by_id[dwelling_id]["LejekontraktUnikIdentifikator"] == (
            lease and lease["LejekontraktUnikIdentifikator"]
        )


@pytest.fixture
async def small(register_client, register_db_url):
    client = await register_client()
    seed = Seed(register_db_url)
    seed.organisation("ORG-1")
    seed.department("AFD-1", "ORG-1", "101")
    seed.dwelling("B-1", "AFD-1")
    seed.lease("L-1", "B-1", date(2024, 1, 1))
    seed.expense("L-1", "base_rent", "5000.00", date(2024, 1, 1))
    yield client
    seed.dispose()


FEED_MATRIX = [
    ("benefit authority", Role.BENEFIT_AUTHORITY, {}, "101", 200),
    ("fund", Role.FUND, {}, "101", 200),
    ("fund, a municipality without dwellings", Role.FUND, {}, "851", 200),
    ("own municipality", Role.MUNICIPALITY, {"municipality": "101"}, "101", 200),
    ("other municipality", Role.MUNICIPALITY, {"municipality": "147"}, "101", 403),
    ("housing org", Role.HOUSING_ORG, {"orgs": ["ORG-1"]}, "101", 403),
    ("admin org", Role.ADMIN_ORG, {"orgs": ["ORG-1"]}, "101", 403),
    ("ERP client", Role.ERP_CLIENT, {"orgs": ["ORG-1"]}, "101", 403),
    ("tribunal", Role.TRIBUNAL, {}, "101", 403),
    ("unknown municipality code", Role.BENEFIT_AUTHORITY, {}, "999", 404),
    ("Christiansø is not a municipality", Role.FUND, {}, "411", 404),
]


@pytest.mark.parametrize(
    ("name", "role", "claims", "code", "status"), FEED_MATRIX, ids=[m[0] for m in FEED_MATRIX]
)
@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
async def test_access_matrix(small, tokens, name, role, claims, code, status, fmt):
    response = await small.get(
        FEED.format(code),
        params={"date": DAY, "format": fmt},
        headers=tokens.headers(role, **claims),
    )
    assert response.status_code == status, (name, response.text)
    if status != 200:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        return
    assert "Tenant of" not in response.text  # tenant names are never part of the feed
    if code == "101":
        assert "B-1" in response.text
        assert "5000.00" in response.text
    else:
        assert response.text.count("\n") == (1 if fmt == "csv" else 0)


async def test_no_token_is_401(small):
    response = await small.get(FEED.format("101"), params={"date": DAY})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


@pytest.mark.parametrize(
    "params",
    [{"date": "2024-02-30"}, {"date": "01-05-2024"}, {}, {"date": DAY, "format": "xml"}],
)
async def test_bad_parameters_are_422_problems(small, tokens, params):
    response = await small.get(
        FEED.format("101"), params=params, headers=tokens.headers(Role.BENEFIT_AUTHORITY)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["errors"][0]["in"] == "query"
