"""Public statistics and municipal data sheets against a hand-computed register.

The register (``build_register``), stock as of 2026-01-01, re-lettings in 2025:

====  =====  ======  =======  ===========================================================
dept  org    muni    type     dwellings (all 80 m² in A1/B1/B2, 25 m² in A2)
====  =====  ======  =======  ===========================================================
A1    org-a  101     family   20: five per band, incl. the edges 3,499.99 | 3,500.00,
                              4,499.99 | 4,500.00, 6,500.00 | 6,500.01;
                              a1-01..a1-15 re-let on 2025-03-01 (5 ext. waiting list,
                              5 municipal, 5 flexible), previous lease ended 2025-02-28
A2    org-a  101     youth    5 at 2,800 — first lettings on 2025-03-01 (not re-lettings)
B1    org-b  751     family   10 at 4,000 — re-let 2025-06-01 (5 ext. waiting list, 5 municipal)
B2    org-b  751     elderly  5 at 5,500, let since 2019
====  =====  ======  =======  ===========================================================

Dwellings by type × band (under / 3500 / 4500 / over / no_rent = total):
101 family 5/5/5/5/0 = 20, youth 5/0/0/0/0 = 5, all 10/5/5/5/0 = 25;
751 family 0/10/0/0/0 = 10, elderly 0/0/5/0/0 = 5, all 0/10/5/0/0 = 15;
national family 5/15/5/5/0 = 30, youth 5, elderly 5, all 10/15/10/5/0 = 40.

Re-lettings 2025 (family only): 101 ewl 5, municipal 5, flexible 5 = 15;
751 ewl 5, municipal 5 = 10; national ewl 10, municipal 10, flexible 5 = 25.

Stock let by municipal allocation (Fig. 13.a; municipal / dwellings with a lease in force):
on 2026-01-01 101 family 5/20 = 25.0 %, youth 0/5 (a draft and a held municipal lease from
2025-09-01 do not count), all 5/25 = 20.0 %; 751 family 5/10 = 50.0 %, elderly 0/5, all
5/15 = 33.3 %; national family 10/30 = 33.3 %, all 10/40 = 25.0 %. On 2025-01-01 (the previous
leases of a1-01..a1-05 were municipal, until 2025-02-28; A2 not let yet): 101 family 5/20 =
25.0 %; 751 0/15 = 0.0 %; national 5/35 = 14.3 %.
"""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from stats_rows import StatsRows

BASE = "/register/v1/statistics"
ON = "2026-01-01"
D = date
BANDS = ("under_3500", "3500_4499", "4500_6500", "over_6500", "no_rent")
TYPES = ("family", "youth", "elderly", "all")


def build_register(rows: StatsRows) -> None:
    rows.organisation("org-a", name="Boligselskabet Solgården")
    rows.organisation("org-b", name="Aarhus Bolig", municipality="751")
    rows.department("A1", "org-a", municipality="101", housing_type="family", name="Solbakken")
    rows.department("A2", "org-a", municipality="101", housing_type="youth", name="Kollegiet")
    rows.department("B1", "org-b", municipality="751", housing_type="family", name="Havnen")
    rows.department("B2", "org-b", municipality="751", housing_type="elderly", name="Lunden")

    a1_rents = [
        # under 3,500: 3,499.99 + 4 × 3,000
        "3499.99", "3000", "3000", "3000", "3000",
        # 3,500–4,499.99: both edges + 3 × 4,000
        "3500.00", "4499.99", "4000", "4000", "4000",
        # 4,500–6,500: both edges + 2 × 5,000 + one 6,000 built from several expenses (below)
        "4500.00", "6500.00", "5000", "5000", None,
        # over 6,500: 6,500.01 + 4 × 8,000
        "6500.01", "8000", "8000", "8000", "8000",
    ]  # fmt: skip
    allocations = ["external_waiting_list"] * 5 + ["municipal_allocation"] * 5
    allocations += ["flexible_letting"] * 5
    for i, rent in enumerate(a1_rents, start=1):
        dwelling = rows.dwelling(f"a1-{i:02d}", "A1")
        if i <= 15:  # re-let in 2025
            rows.lease(f"a1-{i:02d}-prev", dwelling, start=D(2015, 1, 1), end=D(2025, 2, 28),
                       allocation="municipal_allocation" if i <= 5 else "external_waiting_list")  # fmt: skip
            rows.lease(
                f"a1-{i:02d}-cur",
                dwelling,
                start=D(2025, 3, 1),
                rent=rent,
                allocation=allocations[i - 1],
            )
        else:
            rows.lease(f"a1-{i:02d}-cur", dwelling, start=D(2018, 1, 1), rent=rent)
    # a1-15: rent 6,000 = base 5,700 + renewal surcharge 300. Heating (not rent-forming) and an
    # expired base rent would push it over 6,500 if they were counted.
    rows.expense("a1-15-cur", "base_rent", "5700", D(2026, 1, 1))
    rows.expense("a1-15-cur", "renewal_surcharge", "300", D(2025, 3, 1))
    rows.expense("a1-15-cur", "heating", "800", D(2025, 3, 1))
    rows.expense("a1-15-cur", "base_rent", "1000", D(2025, 3, 1), D(2025, 12, 31))

    for i in range(1, 6):
        dwelling = rows.dwelling(f"a2-{i:02d}", "A2", rooms=1, area="25.00")
        rows.lease(f"a2-{i:02d}-cur", dwelling, start=D(2025, 3, 1), rent="2800")
    # Not counted: a draft municipal re-letting and a held lease on A2 dwellings.
    rows.lease("a2-01-draft", "a2-01", start=D(2025, 9, 1), status="draft", rent="100",
               allocation="municipal_allocation")  # fmt: skip
    rows.lease("a2-02-held", "a2-02", start=D(2025, 9, 1), status="held", rent="100",
               allocation="municipal_allocation")  # fmt: skip

    for i in range(1, 11):
        dwelling = rows.dwelling(f"b1-{i:02d}", "B1", postcode="8000", city="Aarhus C")
        rows.lease(f"b1-{i:02d}-prev", dwelling, start=D(2010, 1, 1), end=D(2025, 5, 31))
        rows.lease(
            f"b1-{i:02d}-cur",
            dwelling,
            start=D(2025, 6, 1),
            rent="4000",
            allocation="external_waiting_list" if i <= 5 else "municipal_allocation",
        )
    for i in range(1, 6):
        dwelling = rows.dwelling(f"b2-{i:02d}", "B2", postcode="8000", city="Aarhus C")
        rows.lease(f"b2-{i:02d}-cur", dwelling, start=D(2019, 1, 1), rent="5500")


@pytest.fixture
async def stats(register_client, register_db_url):
    client = await register_client()
    with StatsRows(register_db_url) as rows:
        build_register(rows)
        yield client, rows


def table(body: dict[str, Any]) -> dict[tuple[str, str], int | None]:
    out: dict[tuple[str, str], int | None] = {}
    for row in body["rows"]:
        for band, cell in row["by_rent_band"].items():
            out[(row["housing_type"], band)] = cell["value"]
        out[(row["housing_type"], "total")] = row["total"]["value"]
    return out


def counts(body: dict[str, Any], housing_type: str) -> list[int | None]:
    row = next(r for r in body["rows"] if r["housing_type"] == housing_type)
    return [row["by_rent_band"][b]["value"] for b in BANDS] + [row["total"]["value"]]


class TestDwellings:
    async def test_national_and_per_municipality_counts(self, stats):
        client, _ = stats
        national = (await client.get(f"{BASE}/dwellings", params={"date": ON})).json()
        assert national["municipality_code"] is None
        assert counts(national, "family") == [5, 15, 5, 5, 0, 30]
        assert counts(national, "youth") == [5, 0, 0, 0, 0, 5]
        assert counts(national, "elderly") == [0, 0, 5, 0, 0, 5]
        assert counts(national, "all") == [10, 15, 10, 5, 0, 40]

        kbh = (
            await client.get(f"{BASE}/dwellings", params={"date": ON, "municipality": "101"})
        ).json()
        assert kbh["municipality_name"] == "København"
        assert counts(kbh, "family") == [5, 5, 5, 5, 0, 20]
        assert counts(kbh, "youth") == [5, 0, 0, 0, 0, 5]
        assert counts(kbh, "all") == [10, 5, 5, 5, 0, 25]

        aarhus = (
            await client.get(f"{BASE}/dwellings", params={"date": ON, "municipality": "751"})
        ).json()
        assert counts(aarhus, "family") == [0, 10, 0, 0, 0, 10]
        assert counts(aarhus, "elderly") == [0, 0, 5, 0, 0, 5]
        assert counts(aarhus, "all") == [0, 10, 5, 0, 0, 15]
        for body in (national, kbh, aarhus):
            assert not any(c is None for c in table(body).values())

    async def test_rent_band_edges(self, stats):
        """A1 holds 3,499.99 | 3,500.00 / 4,499.99 | 4,500.00 / 6,500.00 | 6,500.01 plus fillers,
        exactly five per band: one misplaced edge makes a band 4 (suppressed) or 6."""
        client, _ = stats
        body = (
            await client.get(f"{BASE}/dwellings", params={"date": ON, "municipality": "101"})
        ).json()
        assert counts(body, "family")[:4] == [5, 5, 5, 5]
        bands = {b["code"]: b for b in body["rent_bands"]}
        assert bands["under_3500"]["max_monthly_rent"] == "3499.99"
        assert bands["3500_4499"]["min_monthly_rent"] == "3500.00"
        assert bands["4500_6500"]["max_monthly_rent"] == "6500.00"
        assert bands["over_6500"]["min_monthly_rent"] == "6500.01"

    async def test_as_of_an_earlier_date(self, stats):
        client, _ = stats
        # On 2025-01-01 A2 had no lease yet, A1's re-let dwellings had the previous leases
        # (no rent expenses) and B1 likewise: those are 'no_rent'.
        body = (await client.get(f"{BASE}/dwellings", params={"date": "2025-01-01"})).json()
        # over: a1-16..20; 4500: b2 ×5; no_rent: a1-01..15, a2 ×5, b1 ×10.
        assert counts(body, "all") == [0, 0, 5, 5, 30, 40]

    async def test_unknown_municipality_is_404_and_no_token_needed(self, stats):
        client, _ = stats
        response = await client.get(f"{BASE}/dwellings", params={"municipality": "999"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


class TestSuppression:
    async def test_small_cells_are_suppressed_and_cannot_be_backed_out(self, stats):
        """Two Aarhus elderly dwellings without a lease: 'no_rent' = 2 is a primary suppression
        in 751, nationally and in the sums; every row, column and municipality-vs-nation
        relation then has zero or at least two suppressed cells."""
        client, rows = stats
        rows.dwelling("b2-06", "B2")
        rows.dwelling("b2-07", "B2")
        bodies = {
            m: (await client.get(f"{BASE}/dwellings", params={"date": ON, **({"municipality": m} if m != "*" else {})})).json()
            for m in ("101", "751", "*")
        }  # fmt: skip
        cells = {(m, h, b): v for m, body in bodies.items() for (h, b), v in table(body).items()}
        for m in ("751", "*"):
            row = next(r for r in bodies[m]["rows"] if r["housing_type"] == "elderly")
            assert row["by_rent_band"]["no_rent"] == {"value": None, "suppressed": True}
        assert all(
            cell["suppressed"] == (cell["value"] is None)
            for body in bodies.values()
            for row in body["rows"]
            for cell in [*row["by_rent_band"].values(), row["total"]]
        )
        relations = []
        for m in ("101", "751", "*"):
            for h in TYPES:
                relations.append([(m, h, "total")] + [(m, h, b) for b in BANDS])
            for b in (*BANDS, "total"):
                relations.append([(m, "all", b)] + [(m, h, b) for h in TYPES[:3]])
        for h in TYPES:
            for b in (*BANDS, "total"):
                relations.append([("*", h, b), ("101", h, b), ("751", h, b)])
        for relation in relations:
            hidden = [k for k in relation if cells[k] is None]
            assert len(hidden) != 1, (relation, hidden)
            if not hidden:
                assert cells[relation[0]] == sum(cells[k] or 0 for k in relation[1:])
        # Nothing small is published anywhere.
        assert all(v is None or v == 0 or v >= 5 for v in cells.values())
        # Totals stay published: the suppressed cells hide among each other.
        assert counts(bodies["*"], "all")[-1] == 42


class TestRelettings:
    async def test_national_table_1_shape(self, stats):
        client, _ = stats
        body = (
            await client.get(f"{BASE}/re-lettings", params={"year": 2025, "housing_type": "family"})
        ).json()
        by_type = {r["allocation_type"]: r for r in body["rows"]}
        assert [r["allocation_type"] for r in body["rows"]][-1] == "sum"
        assert len(body["rows"]) == 10  # nine allocation types and the sum row
        assert by_type["external_waiting_list"]["count"]["value"] == 10
        assert by_type["municipal_allocation"]["count"]["value"] == 10
        assert by_type["flexible_letting"]["count"]["value"] == 5
        assert by_type["exchange"]["count"] == {"value": 0, "suppressed": False}
        assert by_type["sum"]["count"]["value"] == 25
        assert by_type["external_waiting_list"]["share_percent"] == 40.0
        assert by_type["flexible_letting"]["share_percent"] == 20.0
        assert by_type["sum"]["share_percent"] == 100.0
        assert by_type["municipal_allocation"]["label"] == "Kommunal anvisning"

    async def test_shares_add_up_to_exactly_100(self, stats):
        """101: 5 / 5 / 5 → 33.3 each would add to 99.9; largest remainder gives 33.4 once."""
        client, _ = stats
        body = (
            await client.get(f"{BASE}/re-lettings", params={"year": 2025, "municipality": "101"})
        ).json()
        shares = [r["share_percent"] for r in body["rows"][:-1]]
        assert round(sum(shares), 1) == 100.0
        assert sorted(s for s in shares if s) == [33.3, 33.3, 33.4]
        assert body["rows"][-1]["count"]["value"] == 15

    async def test_first_lettings_drafts_and_held_leases_are_not_re_lettings(self, stats):
        client, _ = stats
        youth = (
            await client.get(f"{BASE}/re-lettings", params={"year": 2025, "housing_type": "youth"})
        ).json()
        assert youth["rows"][-1]["count"]["value"] == 0
        assert youth["rows"][-1]["share_percent"] is None
        all_types = (await client.get(f"{BASE}/re-lettings", params={"year": 2025})).json()
        assert all_types["rows"][-1]["count"]["value"] == 25
        other_year = (await client.get(f"{BASE}/re-lettings", params={"year": 2024})).json()
        assert other_year["rows"][-1]["count"]["value"] == 0

    async def test_a_vacancy_lease_is_not_a_re_letting_but_the_lease_after_it_is(
        self, stats, register_db_url
    ):
        """Seed 000: vacancy is reported as a special "tomgangsledig" lease between tenants."""
        from common.db.engine import Database
        from register.db.queries_statistics import reletting_cube

        _, rows = stats
        rows.organisation("org-vac", municipality="461")
        rows.department("dep-vac", "org-vac", municipality="461")
        rows.dwelling("dwl-vac", "dep-vac")
        rows.lease("l-old", "dwl-vac", start=date(2015, 1, 1), end=date(2025, 3, 31), rent="5000")
        rows.lease(
            "l-gap", "dwl-vac", start=date(2025, 4, 1), end=date(2025, 5, 31), vacancy_loss=True
        )
        rows.lease("l-new", "dwl-vac", start=date(2025, 6, 1), rent="5100")
        database = Database(register_db_url)
        try:
            async with database.session() as session:
                cube = await reletting_cube(session, 2025)
        finally:
            await database.dispose()
        odense = [r for r in cube if r.m == "461" and r.h is not None and r.a is not None]
        assert [(r.a, r.n) for r in odense] == [("external_waiting_list", 1)]

    async def test_municipal_allocation_share_per_municipality(self, stats):
        client, _ = stats
        body = (
            await client.get(
                f"{BASE}/municipal-allocation", params={"year": 2025, "housing_type": "family"}
            )
        ).json()
        assert body["national"]["share_percent"] == 40.0
        assert body["national"]["municipal_allocations"]["value"] == 10
        shares = {m["municipality_code"]: m for m in body["municipalities"]}
        assert shares["101"]["share_percent"] == 33.3
        assert shares["101"]["relettings"]["value"] == 15
        assert shares["751"]["share_percent"] == 50.0
        assert shares["751"]["municipality_name"] == "Aarhus"

    async def test_a_small_municipal_count_hides_the_share(self, stats):
        client, rows = stats
        # Two more municipal re-lettings in Aarhus' elderly department: 2 < 5.
        for i in (1, 2):
            rows.lease(f"b2-{i:02d}-end", f"b2-{i:02d}", start=D(2025, 8, 1), rent="5500",
                       allocation="municipal_allocation")  # fmt: skip
        body = (
            await client.get(
                f"{BASE}/municipal-allocation", params={"year": 2025, "housing_type": "elderly"}
            )
        ).json()
        aarhus = next(m for m in body["municipalities"] if m["municipality_code"] == "751")
        assert aarhus["municipal_allocations"] == {"value": None, "suppressed": True}
        assert aarhus["relettings"]["value"] is None
        assert aarhus["share_percent"] is None


STOCK = f"{BASE}/municipal-allocation/stock"


def stock_shares(body: dict[str, Any]) -> dict[str | None, tuple[Any, Any, Any]]:
    """municipality code (None: national) → (municipal, dwellings with a lease, share)."""
    return {
        m["municipality_code"]: (
            m["municipal_allocations"]["value"],
            m["dwellings_with_lease"]["value"],
            m["share_percent"],
        )
        for m in [body["national"], *body["municipalities"]]
    }


class TestMunicipalAllocationStock:
    """Seed 003, Figure 13.a: the share of the stock whose lease in force was let by municipal
    allocation."""

    async def test_share_per_municipality_and_nationally(self, stats):
        client, _ = stats
        body = (await client.get(STOCK, params={"date": ON})).json()
        assert body["date"] == ON
        assert body["housing_type"] is None
        assert stock_shares(body) == {
            None: (10, 40, 25.0),
            "101": (5, 25, 20.0),
            "751": (5, 15, 33.3),
        }
        assert body["national"]["municipality_name"] == "Hele landet"
        assert body["municipalities"][1]["municipality_name"] == "Aarhus"
        assert body["suppression"]["threshold"] == 5

    async def test_a_vacancy_lease_coded_municipal_is_not_a_municipal_letting(self, stats):
        """Issue 12, item 7: the special vacancy lease (tomgangsledig lejekontrakt) is not a
        letting, whatever its allocation code: its dwelling is in the stock (it has a lease in
        force) but not municipally allocated."""
        client, rows = stats
        for i in range(6, 11):
            dwelling = rows.dwelling(f"b2-{i:02d}", "B2", postcode="8000", city="Aarhus C")
            rows.lease(f"b2-{i:02d}-vacant", dwelling, start=D(2025, 12, 1), vacancy_loss=True,
                       allocation="municipal_allocation", tenant_name=None)  # fmt: skip
        body = (await client.get(STOCK, params={"date": ON})).json()
        assert stock_shares(body) == {
            None: (10, 45, 22.2),
            "101": (5, 25, 20.0),
            "751": (5, 20, 25.0),
        }

    async def test_per_housing_type(self, stats):
        client, _ = stats
        family = (await client.get(STOCK, params={"date": ON, "housing_type": "family"})).json()
        assert stock_shares(family) == {
            None: (10, 30, 33.3),
            "101": (5, 20, 25.0),
            "751": (5, 10, 50.0),
        }
        # Youth: the draft and the held municipal leases (later starts) do not replace the
        # accepted lease in force; 751 has no youth dwellings: 0 of 0, no share.
        youth = (await client.get(STOCK, params={"date": ON, "housing_type": "youth"})).json()
        assert stock_shares(youth) == {None: (0, 5, 0.0), "101": (0, 5, 0.0), "751": (0, 0, None)}

    async def test_as_of_an_earlier_date(self, stats):
        """On 2025-01-01 the previous leases are in force: a1-01..a1-05's were municipal; the
        A2 dwellings are not let yet."""
        client, _ = stats
        body = (await client.get(STOCK, params={"date": "2025-01-01"})).json()
        assert stock_shares(body) == {
            None: (5, 35, 14.3),
            "101": (5, 20, 25.0),
            "751": (0, 15, 0.0),
        }
        # Before any lease: no municipality listed, 0 of 0 nationally.
        empty = (await client.get(STOCK, params={"date": "2000-01-01"})).json()
        assert empty["municipalities"] == []
        assert stock_shares(empty) == {None: (0, 0, None)}

    async def test_date_defaults_to_today(self, stats):
        client, _ = stats
        body = (await client.get(STOCK)).json()
        assert body["date"] == date.today().isoformat()
        assert stock_shares(body)[None] == (10, 40, 25.0)  # nothing in the fixture ends later

    async def test_small_cells_are_suppressed_and_cannot_be_backed_out(self, stats):
        """Two Aarhus elderly dwellings re-let by municipal allocation on 2025-08-01: in force,
        2 municipal and 3 other elderly dwellings in 751 (and nationally) are primary
        suppressions; the complements keep every municipality × housing type × {municipal,
        other} relation safe."""
        client, rows = stats
        for i in (1, 2):
            rows.lease(f"b2-{i:02d}-end", f"b2-{i:02d}", start=D(2025, 8, 1), rent="5500",
                       allocation="municipal_allocation")  # fmt: skip
        bodies = {
            h: (await client.get(STOCK, params={"date": ON, **({"housing_type": h} if h != "all" else {})})).json()
            for h in TYPES
        }  # fmt: skip
        elderly = stock_shares(bodies["elderly"])
        assert elderly["751"] == (None, None, None)
        assert elderly[None] == (None, None, None)
        aarhus = next(
            m for m in bodies["elderly"]["municipalities"] if m["municipality_code"] == "751"
        )
        assert aarhus["municipal_allocations"] == {"value": None, "suppressed": True}
        # The complements reach the municipalities' municipal counts (otherwise 751's 2 would
        # follow from 751 all − family − youth, and then 101's from the national figure), but
        # the stocks and the national figure (12 of 40) stay published.
        assert stock_shares(bodies["all"]) == {
            None: (12, 40, 30.0),
            "101": (None, 25, None),
            "751": (None, 15, None),
        }
        assert stock_shares(bodies["youth"])["751"] == (0, 0, None)  # zero is published
        # (municipality, housing type, 'municipal' | 'other' | 'total') → value; 'other' is the
        # total minus municipal, published when both are.
        cells: dict[tuple[str, str, str], int | None] = {}
        for h, body in bodies.items():
            for m in [body["national"], *body["municipalities"]]:
                code = m["municipality_code"] or "*"
                mun, tot = m["municipal_allocations"]["value"], m["dwellings_with_lease"]["value"]
                cells[(code, h, "municipal")] = mun
                cells[(code, h, "total")] = tot
                assert m["municipal_allocations"]["suppressed"] == (mun is None)
                assert m["dwellings_with_lease"]["suppressed"] == (tot is None)
                if mun is None or tot is None:
                    assert m["share_percent"] is None
        assert all(v is None or v == 0 or v >= 5 for v in cells.values())
        relations = []
        for a in ("municipal", "total"):
            for m in ("101", "751", "*"):
                relations.append([(m, "all", a)] + [(m, h, a) for h in TYPES[:3]])
            for h in TYPES:
                relations.append([("*", h, a), ("101", h, a), ("751", h, a)])
        for relation in relations:
            hidden = [k for k in relation if cells[k] is None]
            assert len(hidden) != 1, (relation, hidden)
            if not hidden:
                assert cells[relation[0]] == sum(cells[k] or 0 for k in relation[1:])

    async def test_housing_type_is_validated(self, stats):
        client, _ = stats
        response = await client.get(STOCK, params={"housing_type": "castle"})
        assert response.status_code == 422


def band_rows(body: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """rent band → (dwellings, re-lettings, % re-let, municipal, % municipal)."""
    return {
        r["rent_band"]: (
            r["dwellings"]["value"],
            r["relettings"]["value"],
            r["relet_percent"],
            r["municipal_allocations"]["value"],
            r["municipal_percent"],
        )
        for r in body["rows"]
    }


class TestRelettingsByRentBand:
    """Seed 003 p. 20: "of the 31,300 family dwellings under 3,500 kr./md., about 5,400 were
    re-let during 2022 (17 %); of the 5,400, about 600 by municipal allocation (11 %)" — here
    with the register of this module, re-lettings in 2025, bands on 2026-01-01."""

    async def test_national_family_dwellings_per_band(self, stats):
        client, _ = stats
        response = await client.get(
            f"{BASE}/re-lettings/rent-bands", params={"year": 2025, "housing_type": "family"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["year"], body["date"], body["municipality_code"]) == (2025, ON, None)
        assert band_rows(body) == {
            # a1-01..05: ext. waiting list
            "under_3500": (5, 5, 100.0, 0, 0.0),
            # a1-06..10 municipal, b1-01..10 (5 ext. waiting list, 5 municipal)
            "3500_4499": (15, 15, 100.0, 10, 66.7),
            # a1-11..15 flexible
            "4500_6500": (5, 5, 100.0, 0, 0.0),
            "over_6500": (5, 0, 0.0, 0, None),
            "no_rent": (0, 0, None, 0, None),
            "all": (30, 25, 83.3, 10, 40.0),
        }
        assert body["rows"][0]["label"] == "Under 3.500 kr./md."

    async def test_one_municipality_all_housing_types(self, stats):
        client, _ = stats
        body = (
            await client.get(
                f"{BASE}/re-lettings/rent-bands", params={"year": 2025, "municipality": "101"}
            )
        ).json()
        assert body["municipality_name"] == "København"
        # A2's youth dwellings are under 3,500 but first lettings, not re-lettings.
        assert band_rows(body)["under_3500"] == (10, 5, 50.0, 0, 0.0)
        assert band_rows(body)["3500_4499"] == (5, 5, 100.0, 5, 100.0)
        assert band_rows(body)["all"] == (25, 15, 60.0, 5, 33.3)

    async def test_the_band_date_is_a_parameter(self, stats):
        """On 2025-01-01 the re-let A1 dwellings still had their previous leases (no rent:
        their previous leases carry no expenses), so their re-lettings fall in 'no_rent'."""
        client, _ = stats
        body = (
            await client.get(
                f"{BASE}/re-lettings/rent-bands",
                params={"year": 2025, "date": "2025-01-01", "municipality": "101",
                        "housing_type": "family"},
            )
        ).json()  # fmt: skip
        assert body["date"] == "2025-01-01"
        assert band_rows(body)["no_rent"] == (15, 15, 100.0, 5, 33.3)
        assert band_rows(body)["over_6500"] == (5, 0, 0.0, 0, None)

    async def test_a_small_count_is_suppressed_with_its_share(self, stats):
        client, rows = stats
        rows.department("C1", "org-b", municipality="147", housing_type="family")
        for i in range(1, 8):
            dwelling = rows.dwelling(f"c1-{i:02d}", "C1")
            rows.lease(f"c1-{i:02d}-prev", dwelling, start=D(2010, 1, 1), end=D(2025, 3, 31))
            rows.lease(f"c1-{i:02d}-cur", dwelling, start=D(2025, 4, 1), rent="3000",
                       allocation="municipal_allocation" if i <= 2 else "exchange")  # fmt: skip
        body = (
            await client.get(
                f"{BASE}/re-lettings/rent-bands",
                params={"year": 2025, "municipality": "147", "housing_type": "family"},
            )
        ).json()
        under = next(r for r in body["rows"] if r["rent_band"] == "under_3500")
        assert under["dwellings"] == {"value": 7, "suppressed": False}
        assert under["municipal_allocations"] == {"value": None, "suppressed": True}
        assert under["municipal_percent"] is None
        # 2 municipal of 7 re-lettings: the 5 others and the 7 cannot both be shown (their
        # difference is the hidden 2), so a share resting on a hidden count is null too.
        assert under["relettings"] == {"value": None, "suppressed": True}
        assert under["relet_percent"] is None
        all_row = next(r for r in body["rows"] if r["rent_band"] == "all")
        assert all_row["municipal_allocations"]["suppressed"] is True

    async def test_parameters_are_checked(self, stats):
        client, _ = stats
        for params in (
            {},
            {"year": 1800},
            {"year": 2025, "date": "0001-01-01"},
            {"year": 2025, "municipality": "999"},
            {"year": 2025, "housing_type": "castle"},
        ):
            response = await client.get(f"{BASE}/re-lettings/rent-bands", params=params)
            assert response.status_code in (404, 422), (params, response.text)
            assert response.headers["content-type"] == "application/problem+json"


def shares(area: dict[str, Any]) -> dict[str, tuple[int | None, float | None]]:
    return {
        band: (cell["dwellings"]["value"], cell["share_percent"])
        for band, cell in area["by_rent_band"].items()
    }


class TestRentBandSharesPerMunicipality:
    async def test_every_municipality_in_one_call(self, stats):
        """Seed 003, Figure 5: each municipality's share of family dwellings per rent band."""
        client, _ = stats
        response = await client.get(
            f"{BASE}/rent-bands/municipalities", params={"date": ON, "housing_type": "family"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["date"] == ON
        assert [m["municipality_code"] for m in body["municipalities"]] == ["101", "751"]
        kbh, aarhus = body["municipalities"]
        assert (kbh["municipality_name"], kbh["dwellings"]["value"]) == ("København", 20)
        assert shares(kbh) == {
            "under_3500": (5, 25.0),
            "3500_4499": (5, 25.0),
            "4500_6500": (5, 25.0),
            "over_6500": (5, 25.0),
            "no_rent": (0, 0.0),
        }
        assert shares(aarhus)["3500_4499"] == (10, 100.0)
        assert shares(aarhus)["under_3500"] == (0, 0.0)
        national = body["national"]
        assert (national["municipality_code"], national["dwellings"]["value"]) == (None, 30)
        assert shares(national) == {
            "under_3500": (5, 16.7),
            "3500_4499": (15, 50.0),
            "4500_6500": (5, 16.7),
            "over_6500": (5, 16.7),
            "no_rent": (0, 0.0),
        }

    async def test_all_housing_types(self, stats):
        client, _ = stats
        body = (await client.get(f"{BASE}/rent-bands/municipalities", params={"date": ON})).json()
        kbh = body["municipalities"][0]
        assert kbh["dwellings"]["value"] == 25
        assert shares(kbh)["under_3500"] == (10, 40.0)

    async def test_small_counts_are_suppressed_with_their_shares(self, stats):
        client, rows = stats
        rows.department("C1", "org-b", municipality="147", housing_type="family")
        for i in range(1, 9):
            rows.lease(f"c1-{i:02d}-cur", rows.dwelling(f"c1-{i:02d}", "C1"), start=D(2020, 1, 1),
                       rent="3000" if i <= 2 else "5000")  # fmt: skip
        body = (
            await client.get(
                f"{BASE}/rent-bands/municipalities", params={"date": ON, "housing_type": "family"}
            )
        ).json()
        frb = next(m for m in body["municipalities"] if m["municipality_code"] == "147")
        assert frb["dwellings"]["value"] == 8
        under = frb["by_rent_band"]["under_3500"]
        assert under == {"dwellings": {"value": None, "suppressed": True}, "share_percent": None}
        # The complementary cell in the municipality's row is hidden too (8 - 2 = 6 otherwise).
        assert frb["by_rent_band"]["4500_6500"]["dwellings"]["suppressed"] is True


class TestDataSheet:
    async def test_json_per_organisation_and_department(self, stats):
        client, _ = stats
        response = await client.get(
            f"{BASE}/municipalities/101/data-sheet", params={"date": ON, "year": 2025}
        )
        assert response.status_code == 200, response.text
        sheet = response.json()
        assert sheet["municipality_name"] == "København"
        assert [o["organisation_id"] for o in sheet["organisations"]] == ["org-a"]
        departments = {d["department_id"]: d for d in sheet["departments"]}
        assert set(departments) == {"A1", "A2"}
        a1, a2 = departments["A1"], departments["A2"]
        assert a1["dwellings"]["family"]["value"] == 20
        assert a1["dwellings"]["total"]["value"] == 20
        # A1 rents: 15,499.99 + 19,999.99 + 27,000.00 + 38,500.01 = 100,999.99 over 20 × 80 m²:
        # 5,049.9995 a month and 63.1249… per m².
        assert a1["average_monthly_rent"] == "5050.00"
        assert a1["monthly_rent_per_m2"] == "63.12"
        assert a1["average_area_m2"] == "80.00"
        assert a1["move_outs"]["value"] == 15
        assert a1["relettings"]["municipal_allocation"]["value"] == 5
        assert a1["relettings"]["total"]["value"] == 15
        assert a2["dwellings"]["youth"]["value"] == 5
        assert a2["average_monthly_rent"] == "2800.00"
        assert a2["monthly_rent_per_m2"] == "112.00"
        assert a2["relettings"]["total"]["value"] == 0
        summary = sheet["summary"]
        assert summary["dwellings"]["total"]["value"] == 25
        # 114,999.99 / 25 = 4,599.9996; / 1,725 m² = 66.6666…; 1,725 m² / 25 = 69.
        assert summary["average_monthly_rent"] == "4600.00"
        assert summary["monthly_rent_per_m2"] == "66.67"
        assert summary["average_area_m2"] == "69.00"
        assert sheet["organisations"][0]["move_outs"]["value"] == 15
        assert "Hemmelig" not in response.text

    async def test_xlsx_reads_back(self, stats):
        client, _ = stats
        response = await client.get(
            f"{BASE}/municipalities/101/data-sheet",
            params={"date": ON, "year": 2025, "format": "xlsx"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert "dataark-101-2025.xlsx" in response.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["Kommune", "Boligorganisationer", "Afdelinger"]
        ws = book["Afdelinger"]
        headers = [c.value for c in ws[4]]
        assert headers[:4] == ["Boligorganisation", "Afdeling", "Afdelingsnavn", "Boligtype"]
        assert all(c.font.bold for c in ws[4] if c.value)
        assert ws.freeze_panes == "E5"
        records = {
            row[1]: dict(zip(headers, row, strict=True))
            for row in ws.iter_rows(min_row=5, values_only=True)
        }
        a1 = records["A1"]
        assert a1["Afdelingsnavn"] == "Solbakken"
        assert a1["Boliger i alt"] == 20
        assert a1["Gns. husleje pr. md."] == pytest.approx(5050.00)
        assert a1["Fraflytninger 2025"] == 15
        assert a1["Genudlejet 2025: Kommunal anvisning"] == 5
        rent_column = headers.index("Gns. husleje pr. md.") + 1
        assert "kr." in ws.cell(row=5, column=rent_column).number_format
        area_column = headers.index("Gns. boligareal") + 1
        assert "m²" in ws.cell(row=5, column=area_column).number_format
        summary = book["Kommune"]
        assert summary["A5"].value == "101 København"
        organisations = book["Boligorganisationer"]
        assert organisations["B5"].value == "Boligselskabet Solgården"

    async def test_small_department_is_suppressed_without_leaking_through_totals(self, stats):
        client, rows = stats
        rows.organisation("org-c")
        rows.department("C1", "org-c", municipality="101", housing_type="family")
        for i in (1, 2, 3):
            rows.dwelling(f"c1-{i}", "C1")
            rows.lease(f"c1-{i}-cur", f"c1-{i}", start=D(2020, 1, 1), rent="4000")
        sheet = (
            await client.get(
                f"{BASE}/municipalities/101/data-sheet", params={"date": ON, "year": 2025}
            )
        ).json()
        departments = {d["department_id"]: d for d in sheet["departments"]}
        organisations = {o["organisation_id"]: o for o in sheet["organisations"]}
        assert departments["C1"]["dwellings"]["family"] == {"value": None, "suppressed": True}
        assert departments["C1"]["average_monthly_rent"] is None
        assert departments["C1"]["averages_suppressed"] is True
        assert organisations["org-c"]["dwellings"]["total"]["value"] is None
        assert sheet["summary"]["dwellings"]["total"]["value"] == 28
        # No measure has exactly one suppressed value in a municipality = Σ organisations or an
        # organisation = Σ departments relation, nor within a unit's own totals.
        units = [sheet["summary"], *sheet["organisations"], *sheet["departments"]]
        for measure in ("family", "youth", "elderly", "total"):
            relation = [sheet["summary"]["dwellings"][measure]] + [
                o["dwellings"][measure] for o in sheet["organisations"]
            ]
            assert sum(c["suppressed"] for c in relation) != 1, measure
            for org_id, org in organisations.items():
                relation = [org["dwellings"][measure]] + [
                    d["dwellings"][measure]
                    for d in sheet["departments"]
                    if d["organisation_id"] == org_id
                ]
                assert sum(c["suppressed"] for c in relation) != 1, (org_id, measure)
        for unit in units:
            assert sum(c["suppressed"] for c in unit["dwellings"].values()) != 1
            assert sum(c["suppressed"] for c in unit["relettings"].values()) != 1
            values = [c["value"] for c in unit["dwellings"].values()]
            assert all(v is None or v == 0 or v >= 5 for v in values)

    async def test_unknown_municipality(self, stats):
        client, _ = stats
        response = await client.get(f"{BASE}/municipalities/999/data-sheet")
        assert response.status_code == 404


async def test_statistics_are_public_and_in_openapi(stats):
    client, _ = stats
    for path, params in (
        ("dwellings", {"date": ON}),
        ("re-lettings", {"year": 2025}),
        ("municipal-allocation", {"year": 2025}),
        ("municipal-allocation/stock", {"date": ON}),
        ("municipalities/751/data-sheet", {"date": ON}),
    ):
        response = await client.get(f"{BASE}/{path}", params=params)
        assert response.status_code == 200, (path, response.text)
        assert "Hemmelig" not in response.text
        assert "ERP-" not in response.text
    openapi = (await client.get("/register/openapi.json")).json()
    for path in (
        "/register/v1/statistics/dwellings",
        "/register/v1/statistics/re-lettings",
        "/register/v1/statistics/municipal-allocation",
        "/register/v1/statistics/municipal-allocation/stock",
        "/register/v1/statistics/municipalities/{municipality_code}/data-sheet",
    ):
        assert path in openapi["paths"]
