"""The public vacancy listing (danmarkbolig feed) and the monthly vacancy (tomgang) counts."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date
from pathlib import Path

import pytest

from common.auth import Role

sys.path.insert(0, str(Path(__file__).parent))
from stats_rows import StatsRows

LISTINGS = "/register/v1/vacancy/listings"
MONTHLY = "/register/v1/vacancy/monthly"
ON = "2026-01-15"
D = date

# (id, department, postcode, rooms, area, rent, step_free, wheelchair)
FLAGGED = [
    ("v01", "L1", "2300", 1, "35.00", "3000", True, False),
    ("v02", "L1", "2300", 2, "55.00", "4000", False, False),
    ("v03", "L1", "2300", 3, "75.00", "5000", True, True),
    ("v04", "L1", "2300", 4, "95.00", "6000", None, None),
    ("v05", "L1", "2400", 2, "60.00", "7000", True, False),
    ("v06", "L1", "2400", 3, "70.00", "3500", False, False),
    ("v07", "L1", "2400", 4, "90.00", "4500", True, True),
    ("v08", "L1", "2400", 5, "110.00", None, False, False),
    ("v09", "L2", "8000", 1, "25.00", "2500", True, True),
    ("v10", "L2", "8000", 1, "28.00", "2600", False, False),
]
ORDER = [f"v{i:02d}" for i in range(1, 11)]  # (postcode, id) order


def build_listing(rows: StatsRows) -> None:
    rows.organisation("org-a", name="Boligselskabet Solgården")
    rows.organisation("org-b", name="Aarhus Bolig", municipality="751")
    rows.department("L1", "org-a", municipality="101", name="Solbakken")
    rows.department("L2", "org-b", municipality="751", housing_type="youth", name="Kollegiet")
    for dwelling_id, dep, postcode, rooms, area, rent, step_free, wheelchair in FLAGGED:
        rows.dwelling(dwelling_id, dep, postcode=postcode, rooms=rooms, area=area,
                      step_free=step_free, wheelchair=wheelchair)  # fmt: skip
        rows.lease(f"{dwelling_id}-cur", dwelling_id, start=D(2020, 1, 1), end=D(2026, 2, 28),
                   vacant_soon=True, rent=rent)  # fmt: skip
    # Not listed on ON: no flag; a flagged draft; a flagged held lease; a flagged lease that
    # ended on 2026-01-10; a flagged lease starting after ON.
    for dwelling_id in ("n1", "n2", "n3", "n4", "n5"):
        rows.dwelling(dwelling_id, "L1", postcode="2300")
    rows.lease("n1-cur", "n1", start=D(2020, 1, 1), rent="3000")
    rows.lease("n2-cur", "n2", start=D(2020, 1, 1), rent="3000", vacant_soon=True, status="draft")
    rows.lease("n3-cur", "n3", start=D(2020, 1, 1), rent="3000", vacant_soon=True, status="held")
    rows.lease("n4-cur", "n4", start=D(2020, 1, 1), end=D(2026, 1, 10), rent="3000",
               vacant_soon=True)  # fmt: skip
    rows.lease("n5-cur", "n5", start=D(2026, 2, 1), rent="3000", vacant_soon=True)


@pytest.fixture
async def listing(register_client, register_db_url):
    client = await register_client()
    with StatsRows(register_db_url) as rows:
        build_listing(rows)
        yield client, rows


async def ids(client, **params) -> list[str]:
    response = await client.get(LISTINGS, params={"date": ON, "limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["BoligUnikIdentifikator"] for item in response.json()["items"]]


class TestListing:
    async def test_only_the_lease_in_force_decides_not_the_newest_flagged_one(self, listing):
        """Issue 12, item 9: of two accepted leases of a dwelling in force on the date, the
        later start is the lease in force; a flagged older one does not list the dwelling,
        and a flagged newer one does."""
        client, rows = listing
        rows.dwelling("o1", "L1", postcode="2300")
        rows.lease("o1-old", "o1", start=D(2019, 1, 1), rent="3000", vacant_soon=True)
        rows.lease("o1-new", "o1", start=D(2025, 6, 1), rent="3100")
        rows.dwelling("o2", "L1", postcode="2300")
        rows.lease("o2-old", "o2", start=D(2019, 1, 1), rent="3000")
        rows.lease("o2-new", "o2", start=D(2025, 6, 1), end=D(2026, 3, 31), rent="3100",
                   vacant_soon=True)  # fmt: skip
        response = await client.get(LISTINGS, params={"date": ON, "postcode": "2300"})
        items = {i["BoligUnikIdentifikator"]: i for i in response.json()["items"]}
        assert sorted(items) == ["o2", "v01", "v02", "v03", "v04"]
        assert (items["o2"]["MaanedligHusleje"], items["o2"]["LedigFraDato"]) == (
            "3100.00",
            "2026-04-01",
        )
        assert "o1" in await ids(client, date="2025-05-31")  # before the new lease: in force

    async def test_public_listing_without_token_or_personal_data(self, listing):
        client, _ = listing
        response = await client.get(LISTINGS, params={"date": ON})
        assert response.status_code == 200, response.text
        body = response.json()
        assert [i["BoligUnikIdentifikator"] for i in body["items"]] == ORDER
        assert body["next_cursor"] is None
        v03 = body["items"][2]
        assert v03["MaanedligHusleje"] == "5000.00"
        assert v03["AntalVaerelser"] == 3
        assert v03["KommuneKode"] == "101"
        assert v03["KommuneNavn"] == "København"
        assert v03["AfdelingNavn"] == "Solbakken"
        assert v03["BoligtypeKode"] == "family"
        assert v03["LedigFraDato"] == "2026-03-01"
        assert v03["NiveaufriAdgangIndikator"] is True
        assert body["items"][7]["MaanedligHusleje"] is None  # v08: no rent-forming expense
        for secret in ("Hemmelig", "ERP-", "15000", "tenant", "deposit", "v03-cur", "bbr-"):
            assert secret not in response.text

    async def test_the_date_controls_the_clock(self, listing):
        client, _ = listing
        early = await ids(client, date="2026-01-05")
        assert "n4" in early
        assert "n4" not in await ids(client)
        assert "n5" in await ids(client, date="2026-02-15")

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"municipality": "751"}, ["v09", "v10"]),
            ({"postcode": "2400"}, ["v05", "v06", "v07", "v08"]),
            ({"housing_type": "youth"}, ["v09", "v10"]),
            ({"min_rooms": 4}, ["v04", "v07", "v08"]),
            ({"max_rooms": 1}, ["v01", "v09", "v10"]),
            ({"min_rooms": 2, "max_rooms": 3}, ["v02", "v03", "v05", "v06"]),
            ({"max_rent": "3500"}, ["v01", "v06", "v09", "v10"]),  # inclusive; v08 has none
            ({"min_area": "90"}, ["v04", "v07", "v08"]),
            ({"step_free": "true"}, ["v01", "v03", "v05", "v07", "v09"]),
            ({"wheelchair": "true"}, ["v03", "v07", "v09"]),
            ({"wheelchair": "true", "municipality": "101", "max_rent": "4500"}, ["v07"]),
        ],
    )
    async def test_filters(self, listing, params, expected):
        client, _ = listing
        assert await ids(client, **params) == expected

    async def test_keyset_pages_have_no_duplicates_or_gaps(self, listing):
        client, _ = listing
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params = {"date": ON, "limit": 3, **({"cursor": cursor} if cursor else {})}
            body = (await client.get(LISTINGS, params=params)).json()
            seen += [i["BoligUnikIdentifikator"] for i in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert pages == 4
        assert seen == ORDER

    async def test_pages_are_stable_when_rows_arrive(self, listing):
        client, rows = listing
        first = (await client.get(LISTINGS, params={"date": ON, "limit": 4})).json()
        assert [i["BoligUnikIdentifikator"] for i in first["items"]] == ORDER[:4]
        # New flagged dwellings before and after the cursor position.
        for dwelling_id, postcode in (("a-early", "2100"), ("z-late", "9000")):
            rows.dwelling(dwelling_id, "L1", postcode=postcode)
            rows.lease(f"{dwelling_id}-cur", dwelling_id, start=D(2020, 1, 1), vacant_soon=True)
        rest = (
            await client.get(
                LISTINGS, params={"date": ON, "limit": 200, "cursor": first["next_cursor"]}
            )
        ).json()
        assert [i["BoligUnikIdentifikator"] for i in rest["items"]] == [*ORDER[4:], "z-late"]

    async def test_bad_cursor_and_limit_are_problems(self, listing):
        client, _ = listing
        response = await client.get(LISTINGS, params={"cursor": "not-a-cursor"})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert (await client.get(LISTINGS, params={"limit": 201})).status_code == 422
        assert (await client.get(LISTINGS, params={"limit": 0})).status_code == 422

    async def test_in_openapi(self, listing):
        client, _ = listing
        paths = (await client.get("/register/openapi.json")).json()["paths"]
        assert "/register/v1/vacancy/listings" in paths
        assert "/register/v1/vacancy/monthly" in paths


# --- monthly vacancy counts ---------------------------------------------------------------------


def build_vacancy(rows: StatsRows) -> None:
    """October 2025 (31 days):

    * d1 (org-a, A1 in 101): 2025-09-15..10-10 (10 days) and 10-25..10-31 (7 days) → 17 days
    * d2 (A1): 2025-10-20, open → 12 days                      A1: 2 dwellings, 29 days
    * d3 (org-a, A2 in 101): 2025-10-05..10-05 → 1 day         A2: 1 dwelling, 1 day
    * d4 (org-b, B1 in 751): 2025-09-01..11-30 → 31 days       B1: 1 dwelling, 31 days
    * d5 (B1) draft, d6 (B1) starts 2025-11-01, d7 (C1) ended 2025-09-30: not counted
    * d8 (org-c, C1 in 101): 2025-10-01..10-31 → 31 days       C1: 1 dwelling, 31 days
    * d9 (A1): a lease in October without the vacancy flag: not counted
    """
    rows.organisation("org-a", name="Solgården")
    rows.organisation("org-b", name="Aarhus Bolig", municipality="751")
    rows.organisation("org-c", name="Hjem")
    rows.department("A1", "org-a", municipality="101")
    rows.department("A2", "org-a", municipality="101", housing_type="youth")
    rows.department("B1", "org-b", municipality="751")
    rows.department("C1", "org-c", municipality="101")
    for dwelling_id, dep in (("d1", "A1"), ("d2", "A1"), ("d3", "A2"), ("d4", "B1"),
                             ("d5", "B1"), ("d6", "B1"), ("d7", "C1"), ("d8", "C1"),
                             ("d9", "A1")):  # fmt: skip
        rows.dwelling(dwelling_id, dep)
    loss = {"vacancy_loss": True, "tenant_name": None}
    rows.lease("d1-a", "d1", start=D(2025, 9, 15), end=D(2025, 10, 10), **loss)
    rows.lease("d1-b", "d1", start=D(2025, 10, 25), end=D(2025, 10, 31), **loss)
    rows.lease("d2-a", "d2", start=D(2025, 10, 20), **loss)
    rows.lease("d3-a", "d3", start=D(2025, 10, 5), end=D(2025, 10, 5), **loss)
    rows.lease("d4-a", "d4", start=D(2025, 9, 1), end=D(2025, 11, 30), **loss)
    rows.lease("d5-a", "d5", start=D(2025, 10, 1), status="draft", **loss)
    rows.lease("d6-a", "d6", start=D(2025, 11, 1), **loss)
    rows.lease("d7-a", "d7", start=D(2025, 8, 1), end=D(2025, 9, 30), **loss)
    rows.lease("d8-a", "d8", start=D(2025, 10, 1), end=D(2025, 10, 31), **loss)
    rows.lease("d9-a", "d9", start=D(2025, 10, 1), rent="4000")


@pytest.fixture
async def vacancy(register_client, register_db_url):
    client = await register_client()
    with StatsRows(register_db_url) as rows:
        build_vacancy(rows)
        yield client


def departments(body) -> dict[str, tuple[int, int]]:
    return {
        d["department_id"]: (d["dwellings"], d["vacancy_days"])
        for o in body["organisations"]
        for d in o["departments"]
    }


class TestMonthlyVacancy:
    async def test_fund_sees_all_with_hand_computed_counts(self, vacancy, tokens):
        response = await vacancy.get(
            MONTHLY, params={"month": "2025-10"}, headers=tokens.headers(Role.FUND)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert departments(body) == {"A1": (2, 29), "A2": (1, 1), "B1": (1, 31), "C1": (1, 31)}
        organisations = {o["organisation_id"]: o for o in body["organisations"]}
        assert organisations["org-a"]["dwellings"] == 3
        assert organisations["org-a"]["vacancy_days"] == 30
        assert organisations["org-a"]["dwelling_months"] == "0.97"
        assert body["dwellings"] == 5
        assert body["vacancy_days"] == 92
        assert body["dwelling_months"] == "2.97"  # 92 / 31
        assert body["days_in_month"] == 31
        assert "Hemmelig" not in response.text

    async def test_other_months(self, vacancy, tokens):
        headers = tokens.headers(Role.FUND)
        september = (
            await vacancy.get(MONTHLY, params={"month": "2025-09"}, headers=headers)
        ).json()
        # d1 16 days (15th–30th), d4 30, d7 30.
        assert departments(september) == {"A1": (1, 16), "B1": (1, 30), "C1": (1, 30)}
        november = (await vacancy.get(MONTHLY, params={"month": "2025-11"}, headers=headers)).json()
        # d2 open-ended → 30, d4 30, d6 30.
        assert departments(november) == {"A1": (1, 30), "B1": (2, 60)}

    async def test_organisation_sees_only_its_own(self, vacancy, tokens):
        headers = tokens.headers(Role.HOUSING_ORG, orgs=["org-a"])
        body = (await vacancy.get(MONTHLY, params={"month": "2025-10"}, headers=headers)).json()
        assert departments(body) == {"A1": (2, 29), "A2": (1, 1)}
        other = await vacancy.get(
            MONTHLY, params={"month": "2025-10", "organisation": "org-b"}, headers=headers
        )
        assert other.status_code == 404
        missing = await vacancy.get(
            MONTHLY, params={"month": "2025-10", "organisation": "nope"}, headers=headers
        )
        assert missing.status_code == 404
        assert missing.json()["detail"] == other.json()["detail"].replace("org-b", "nope")

    async def test_municipality_sees_its_municipality(self, vacancy, tokens):
        kbh = tokens.headers(Role.MUNICIPALITY, municipality="101")
        body = (await vacancy.get(MONTHLY, params={"month": "2025-10"}, headers=kbh)).json()
        assert departments(body) == {"A1": (2, 29), "A2": (1, 1), "C1": (1, 31)}
        aarhus = tokens.headers(Role.MUNICIPALITY, municipality="751")
        body = (await vacancy.get(MONTHLY, params={"month": "2025-10"}, headers=aarhus)).json()
        assert departments(body) == {"B1": (1, 31)}

    async def test_fund_may_narrow_to_one_organisation(self, vacancy, tokens):
        body = (
            await vacancy.get(
                MONTHLY,
                params={"month": "2025-10", "organisation": "org-c"},
                headers=tokens.headers(Role.FUND),
            )
        ).json()
        assert departments(body) == {"C1": (1, 31)}

    @pytest.mark.parametrize("role", [Role.TRIBUNAL, Role.BENEFIT_AUTHORITY])
    async def test_other_roles_are_refused(self, vacancy, tokens, role):
        response = await vacancy.get(
            MONTHLY, params={"month": "2025-10"}, headers=tokens.headers(role)
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"

    async def test_a_token_is_required(self, vacancy):
        assert (await vacancy.get(MONTHLY, params={"month": "2025-10"})).status_code == 401

    async def test_bad_month(self, vacancy, tokens):
        headers = tokens.headers(Role.FUND)
        for month in ("2025-13", "2025-1", "oktober"):
            response = await vacancy.get(MONTHLY, params={"month": month}, headers=headers)
            assert response.status_code == 422, month

    async def test_csv(self, vacancy, tokens):
        response = await vacancy.get(
            MONTHLY,
            params={"month": "2025-10", "format": "csv"},
            headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-a"]),
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert "tomgang-2025-10.csv" in response.headers["content-disposition"]
        lines = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["department_id"], r["dwellings"], r["vacancy_days"]) for r in lines] == [
            ("A1", "2", "29"),
            ("A2", "1", "1"),
        ]
        assert lines[0]["dwelling_months"] == "0.94"  # 29 / 31
        assert "org-b" not in response.text
